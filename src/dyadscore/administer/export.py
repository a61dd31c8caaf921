"""Export stored answers in the shapes :func:`dyadscore.score` reads.

``long``: one row per person, wave and item of the battery, columns
``person, couple, role, wave, item, value``. ``wide``: one row per person and wave,
columns ``person, couple, role, wave`` and one column per item (named by item id, in
battery order). In both, skipped or not yet answered items are empty (missing), so every
item column the scorer expects is present; ``answered_only=True`` drops those rows from
the long shape.

Examples
--------
>>> import tempfile, os
>>> from dyadscore.administer.store import AnswerStore
>>> db = os.path.join(tempfile.mkdtemp(), "a.db")
>>> st = AnswerStore(db)
>>> s = st.start_session("c01", "A", battery=["felt-dependence"])
>>> st.save_answer(s.id, "felt-dependence", "fd2", 6)
>>> export_answers(db, "long", answered_only=True).to_dict("records")
[{'person': 'c01_A', 'couple': 'c01', 'role': 'A', 'wave': 1, 'item': 'fd2', 'value': 6}]
>>> len(export_answers(db, "long"))  # fd1..fd6, five of them empty
6
"""

from __future__ import annotations

import os

import pandas as pd

from ..columns import RESPONSE_KEYS
from ..errors import InputError
from .store import AnswerStore

ID_COLUMNS = list(RESPONSE_KEYS)
SHAPES = ("long", "wide")


def _item_order(store: AnswerStore, couple: str | None) -> list[str]:
    order: list[str] = []
    seen_inst: set[str] = set()
    for s in store.sessions(couple):
        if all(i in seen_inst for i in s.battery):
            continue
        try:
            insts = store.battery(s)  # the definitions stored with the session
        except InputError:  # an old session whose instrument is no longer available
            continue
        for inst in insts:
            if inst.id in seen_inst:
                continue
            seen_inst.add(inst.id)
            order += [i for i in inst.item_ids if i not in order]
    return order


def export_answers(
    db: str | os.PathLike,
    shape: str = "long",
    *,
    couple: str | None = None,
    wave: int | None = None,
    answered_only: bool = False,
) -> pd.DataFrame:
    """Answers of an answer database as a long or wide table.

    Parameters
    ----------
    db
        The answer database (opened read-only).
    shape
        ``"long"`` or ``"wide"``.
    couple, wave
        Restrict to one couple and/or one wave.
    answered_only
        Long shape: keep only answered items (default: every item of the battery).

    Returns
    -------
    pandas.DataFrame
        See the module docstring; ``value`` and item columns are nullable integers.

    Examples
    --------
    >>> import os, tempfile
    >>> from dyadscore.administer.store import AnswerStore
    >>> db = os.path.join(tempfile.mkdtemp(), "answers.db")
    >>> s = AnswerStore(db).start_session("c01", "A", battery=["felt-dependence"])
    >>> AnswerStore(db).save_answer(s.id, "felt-dependence", "fd1", 5)
    >>> export_answers(db, "wide")[["person", "role", "wave", "fd1", "fd2"]]
      person role  wave  fd1  fd2
    0  c01_A    A     1    5  NaN
    """
    if shape not in SHAPES:
        raise InputError(f"shape {shape!r}: expected one of {', '.join(SHAPES)}")
    store = AnswerStore(db, create=False, readonly=True)
    sessions = store.sessions(couple)
    if couple is not None and not sessions:
        raise InputError(f"{db}: no couple {couple!r} in this answer database; check the code")
    if wave is not None and not any(s.wave == int(wave) for s in sessions):
        have = sorted({s.wave for s in sessions})
        raise InputError(
            f"{db}: no wave {wave}"
            + (f" for couple {couple!r}" if couple is not None else "")
            + " in this answer database; waves present: "
            + (", ".join(map(str, have)) or "none")
        )
    rows = store.answer_rows(couple=couple, wave=wave)
    long = pd.DataFrame(
        rows, columns=["person", "couple", "role", "wave", "instrument", "item", "value"]
    )
    long["wave"] = long["wave"].astype("int64")
    long["value"] = long["value"].astype("Int64")
    long = long.drop(columns="instrument")
    if shape == "long" and answered_only:
        return long.reset_index(drop=True)
    wide = long.pivot(index=ID_COLUMNS, columns="item", values="value")
    order = _item_order(store, couple)
    cols = order + [c for c in wide.columns if c not in order]
    persons = pd.DataFrame(
        [(s.person, s.couple, s.role, s.wave) for s in store.sessions(couple)],
        columns=ID_COLUMNS,
    )
    if wave is not None:
        persons = persons[persons["wave"] == int(wave)]
    wide = wide.reindex(columns=cols)
    wide.columns.name = None
    out = persons.merge(wide.reset_index(), on=ID_COLUMNS, how="left")
    out = out.sort_values(["couple", "wave", "role"], kind="stable").reset_index(drop=True)
    if shape == "wide":
        return out
    long = out.melt(id_vars=ID_COLUMNS, var_name="item", value_name="value")
    long["value"] = long["value"].astype("Int64")
    long["_order"] = long.index % len(out)  # keep person-wave order, items in battery order
    return long.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
