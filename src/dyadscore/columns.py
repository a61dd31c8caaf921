"""The one vocabulary of id columns, and which shipped instruments a table holds.

Every module that has to tell id columns from item columns, or guess the person-id column,
uses these names (the lowest layer, beside :mod:`dyadscore.errors`).

* :data:`PERSON_CANDIDATES`: person-id columns, in the order they are tried;
* :data:`DYAD_CANDIDATES`: couple (dyad) id columns, in the order they are tried;
* :data:`ROLE`, :data:`WAVE`, :data:`TIME`: the default role, wave and time columns;
* :data:`ID_CANDIDATES`: the other id columns a score table carries along
  (couple/dyad, role, gender, partner, wave);
* :data:`RESPONSE_KEYS`: the key of the long response table (``person, couple, role, wave``);
* :data:`ID_COLUMNS`: every name above: columns that are never items;
* :func:`person_column`: the person-id column of a table, found the one way;
* :func:`present_instruments`: the shipped instruments whose items are all in a table.

Examples
--------
>>> "respondent" in PERSON_CANDIDATES, is_id_column("couple"), is_id_column("sat1")
(True, True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "PERSON_CANDIDATES",
    "DYAD_CANDIDATES",
    "ROLE",
    "WAVE",
    "TIME",
    "ID_CANDIDATES",
    "RESPONSE_KEYS",
    "ID_COLUMNS",
    "is_id_column",
    "person_column",
    "present_instruments",
]

#: Person-id columns, tried in this order when ``person`` is not given.
PERSON_CANDIDATES: tuple[str, ...] = ("person", "person_id", "id", "respondent", "participant")
#: Couple (dyad) id columns, tried in this order when the couple column is not given.
DYAD_CANDIDATES: tuple[str, ...] = ("couple", "couple_id", "couple_code")
#: Default role, wave and time (diary day) columns.
ROLE, WAVE, TIME = "role", "wave", "time"
#: The other id columns a score table carries along with the person id.
ID_CANDIDATES: tuple[str, ...] = ("couple", "dyad", "role", "gender", "partner", "wave")
#: Key of the long response table (``person, couple, role, wave, item, value``).
RESPONSE_KEYS: tuple[str, ...] = ("person", "couple", "role", "wave")
#: Every id column name: columns that are never items.
ID_COLUMNS: frozenset[str] = frozenset(
    (*PERSON_CANDIDATES, *DYAD_CANDIDATES, *ID_CANDIDATES, *RESPONSE_KEYS, TIME)
)


def is_id_column(name: Any) -> bool:
    """True when ``name`` is one of the id column names (:data:`ID_COLUMNS`).

    Parameters
    ----------
    name : str
        A column name.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_id_column("person_id"), is_id_column("pa1")
    (True, False)
    """
    return isinstance(name, str) and name in ID_COLUMNS


def person_column(columns: Any, taken: Any = ()) -> str | None:
    """The person-id column among ``columns``: the first of :data:`PERSON_CANDIDATES`
    present, else the first present in another case (SPSS and Stata names are
    case-insensitive: ``ID``, ``Person``), skipping the names in ``taken``.

    Parameters
    ----------
    columns : iterable of str
        The column names of a table (``df.columns``).
    taken : iterable of str, optional
        Columns already used for something else (the couple, role or wave column).

    Returns
    -------
    str or None
        The column name as the table spells it, or None when there is none.

    Examples
    --------
    >>> person_column(["couple", "respondent", "sat1"])
    'respondent'
    >>> person_column(["ID", "sat1"]), person_column(["couple", "sat1"])
    ('ID', None)
    >>> person_column(["id", "person"], taken=["person"])
    'id'
    """
    taken = set(taken)
    names = [c for c in columns if isinstance(c, str) and c not in taken]
    for cand in PERSON_CANDIDATES:
        if cand in names:
            return cand
    lower = {}
    for c in names:
        lower.setdefault(c.lower(), c)
    return next((lower[c] for c in PERSON_CANDIDATES if c in lower), None)


def present_instruments(
    data: Any, mapping: Mapping[str, str] | None = None, *, partial: bool = False
) -> list[str]:
    """Which shipped instruments have all their items in ``data``.

    Parameters
    ----------
    data : DataFrame or iterable of str
        A wide table (items are columns), a long table with ``item``/``value`` columns
        (items are the values of ``item``), or the column names themselves.
    mapping : dict, optional
        ``{export column: item id}``: columns are renamed by it before the check.
    partial : bool, default False
        List an instrument when *any* of its items is present (not all of them).

    Returns
    -------
    list of str
        Instrument ids, in the order of :func:`dyadscore.list_instruments`.

    Examples
    --------
    >>> import pandas as pd
    >>> present_instruments(pd.DataFrame(columns=["person", "sat1", "sat2", "sat3", "sat4",
    ...                                            "sat5"]))
    ['relationship-satisfaction']
    >>> present_instruments(["x1", "Q1"], mapping={"Q1": "sat1"}, partial=True)
    ['relationship-satisfaction']
    """
    from .instruments import list_instruments, load_instrument  # higher layer: lazy

    mapping = dict(mapping or {})
    columns = list(getattr(data, "columns", data))
    cols = {mapping.get(c, c) for c in columns}
    if {"item", "value"} <= cols and hasattr(data, "columns"):  # long table: items are rows
        cols |= set(data["item"].dropna().astype(str))
    out = []
    for inst_id in list_instruments():
        items = set(load_instrument(inst_id).item_ids)
        if (items & cols) if partial else (items <= cols):
            out.append(inst_id)
    return out
