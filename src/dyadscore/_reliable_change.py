"""Reliable change: the standard error of measurement and the reliable change index.

The public names are re-exported by :mod:`dyadscore.psychometrics` (and the package).
:func:`reliable_change` is the index of Jacobson & Truax (1991) or Maassen (2004) for two
scores per person; :func:`reliable_change_between_waves` scores every subscale at two
waves and applies it with each subscale's first-wave alpha and SD (per group with
``by``); :func:`reliable_change_summary` counts the change categories.

Examples
--------
>>> reliable_change([20, 20], [30, 22], reliability=0.8, sd=5.0)["category"].tolist()
['reliable improvement', 'no reliable change']
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._reliability import ALL_GROUP, _n_persons
from .errors import InputError, _file_name_as_source, input_name, reading
from .results import format_number

__all__ = [
    "CHANGE_CATEGORIES",
    "reliable_change",
    "reliable_change_between_waves",
    "reliable_change_summary",
    "sem",
]


def sem(sd: Any, reliability: Any) -> Any:
    """Standard error of measurement, ``SD * sqrt(1 - reliability)``.

    Parameters
    ----------
    sd : float or array-like
        Standard deviation of the score.
    reliability : float or array-like
        Its reliability (0-1).

    Returns
    -------
    float or array
        The standard error of measurement.

    Notes
    -----
    In R: `sd * sqrt(1 - reliability)` (no package needed).

    Examples
    --------
    >>> round(sem(10.0, 0.91), 6)
    3.0
    """
    rel = np.asarray(reliability, dtype=float)
    if np.any((rel < 0) | (rel > 1)):
        raise InputError(f"reliability {reliability!r}: expected a value between 0 and 1")
    out = np.asarray(sd, dtype=float) * np.sqrt(1 - rel)
    return float(out) if out.ndim == 0 else out


def reliable_change(
    score_t1: Any,
    score_t2: Any,
    *,
    reliability: float,
    sd: float | None = None,
    sd_t2: float | None = None,
    method: str = "jt",
    z: float = 1.96,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Reliable change index per person (Jacobson & Truax 1991; Maassen 2004).

    ``jt``: ``S_diff = sqrt(2) * SD1 * sqrt(1 - r)``; ``maassen``:
    ``S_diff = sqrt((SD1^2 + SD2^2) (1 - r))``. ``RCI = (t2 - t1) / S_diff``; change is
    reliable when ``|RCI| > z`` (1.96: two-sided 5 %; 1.645: one-sided 5 %).

    Parameters
    ----------
    score_t1, score_t2 : array-like or Series
        Scores of the same persons at two occasions (same length / index).
    reliability : float
        Reliability of the score (test-retest r or alpha), 0-1.
    sd : float, optional
        Pretest (or normative) SD; default the sample SD of ``score_t1``.
    sd_t2 : float, optional
        Posttest SD for ``method="maassen"``; default the sample SD of ``score_t2``.
    method : {"jt", "maassen"}
    z : float
        Critical value.
    higher_is_better : bool
        Whether an increase is an improvement.

    Returns
    -------
    DataFrame
        ``t1, t2, diff, s_diff, rci, category`` with category ``'reliable improvement'``,
        ``'reliable deterioration'``, ``'no reliable change'`` or ``'missing'``.

    Notes
    -----
    In R: `rci <- (t2 - t1) / (sqrt(2) * sd(t1) * sqrt(1 - r))` (no package needed).

    Examples
    --------
    >>> out = reliable_change([20, 20], [30, 22], reliability=0.8, sd=5.0)
    >>> out["rci"].round(4).tolist()
    [3.1623, 0.6325]
    >>> out["category"].tolist()
    ['reliable improvement', 'no reliable change']
    """
    t1 = score_t1 if isinstance(score_t1, pd.Series) else pd.Series(np.asarray(score_t1, float))
    t2 = score_t2 if isinstance(score_t2, pd.Series) else pd.Series(np.asarray(score_t2, float))
    if len(t1) != len(t2):
        raise InputError(f"reliable_change: t1 has {len(t1)} scores but t2 has {len(t2)}")
    t2 = pd.Series(t2.to_numpy(dtype=float), index=t1.index)
    t1 = t1.astype(float)
    if method not in ("jt", "maassen"):
        raise InputError(f"method={method!r}: expected 'jt' or 'maassen'")
    if reliability is None or not (0 <= reliability < 1):
        raise InputError(f"reliability {reliability!r}: expected a value in [0, 1)")
    if z <= 0:
        raise InputError(f"--z {z:g}: expected a positive critical value")
    sd1 = float(t1.std()) if sd is None else float(sd)
    if method == "jt":
        s_diff = math.sqrt(2) * sd1 * math.sqrt(1 - reliability)
    else:
        sd2 = float(t2.std()) if sd_t2 is None else float(sd_t2)
        s_diff = math.sqrt((sd1**2 + sd2**2) * (1 - reliability))
    if not s_diff > 0:
        raise InputError(f"reliable_change: SD {sd1!r} gives no spread; expected SD > 0")
    diff = t2 - t1
    rci = diff / s_diff
    good = rci if higher_is_better else -rci
    category = np.select(
        [rci.isna(), good > z, good < -z],
        ["missing", "reliable improvement", "reliable deterioration"],
        "no reliable change",
    )
    return pd.DataFrame(
        {"t1": t1, "t2": t2, "diff": diff, "s_diff": s_diff, "rci": rci, "category": category},
        index=t1.index,
    )


CHANGE_CATEGORIES = (
    "reliable increase",
    "reliable decrease",
    "no reliable change",
    "missing",
    "not estimable",
)


@_file_name_as_source
def reliable_change_between_waves(
    data: pd.DataFrame | str | os.PathLike,
    instruments: Any,
    *,
    waves: Sequence[Any] = (1, 2),
    person: str | None = None,
    wave: str = "wave",
    by: str | None = None,
    method: str = "jt",
    z: float = 1.96,
    mapping: Any = None,
) -> pd.DataFrame:
    """Reliable change index of every subscale between two waves of the same persons.

    Scores every subscale at both waves with :func:`dyadscore.score`, pairs each
    person's two waves and applies :func:`reliable_change` (Jacobson & Truax 1991, or
    Maassen 2004) with the reliability (Cronbach's alpha, pairwise) and SD of the
    FIRST wave: all persons with a first-wave row, per group when ``by`` is given (each
    partner role its own alpha and SD).

    Parameters
    ----------
    data : DataFrame or path
        Item data with a wave column, wide (one row per person and wave) or long.
    instruments : id, path, Instrument or a list of them
    waves : pair of wave values
        First (pretest) and second wave, matched to the wave column (``"1"`` matches 1).
    person : str, optional
        Person-id column; default the first of ``person, person_id, id, respondent,
        participant`` (as :func:`dyadscore.score`).
    wave : str
        Wave column.
    by : str, optional
        Group column (e.g. ``"role"``); a person's group is taken from the first wave
        (the second if the first is absent).
    method : {"jt", "maassen"}
        ``jt``: ``S_diff = sqrt(2) SD1 sqrt(1 - alpha)``; ``maassen``:
        ``S_diff = sqrt((SD1^2 + SD2^2)(1 - alpha))``, SD2 from the second wave.
    z : float
        Critical value (1.96 two-sided 5 %, 1.645 one-sided 5 %).
    mapping : dict or path, optional
        ``{export column: item id}``.

    Returns
    -------
    DataFrame
        One row per person x subscale: ``<person>, [<by>], instrument, subscale,
        score_t1, score_t2, diff, s_diff, rci, category, alpha, sd`` (and ``sd_t2`` for
        ``maassen``); ``subscale`` is the score column name :func:`dyadscore.score`
        gives. ``category`` is ``'reliable increase'``, ``'reliable decrease'`` (``|RCI| >
        z``), ``'no reliable change'``, ``'missing'`` (a wave or a score is missing) or
        ``'not estimable'`` (alpha outside [0, 1) or no SD in the group; see
        ``attrs["warnings"]``). ``attrs["settings"]`` holds waves, method, z and by.

    Notes
    -----
    In R: `a <- psych::alpha(items_wave1)$total$raw_alpha`, then
    `(t2 - t1) / (sqrt(2) * sd(t1) * sqrt(1 - a))` per person.

    Examples
    --------
    >>> import pandas as pd
    >>> w1 = pd.DataFrame({"person": list("abcd"), "wave": 1, "sat1": [1, 2, 4, 5],
    ...                    "sat2": [2, 2, 4, 5], "sat3": [5, 4, 2, 1], "sat4": [1, 3, 4, 4],
    ...                    "sat5": [2, 2, 5, 5]})
    >>> w2 = w1.assign(wave=2, sat1=[4, 2, 4, 5], sat2=[5, 2, 4, 5], sat3=[2, 4, 2, 1],
    ...                sat4=[4, 3, 4, 4], sat5=[5, 2, 5, 5])
    >>> rc = reliable_change_between_waves(pd.concat([w1, w2]), "relationship-satisfaction")
    >>> rc["category"].tolist()
    ['reliable increase', 'no reliable change', 'no reliable change', 'no reliable change']
    >>> rc[["alpha", "rci"]].iloc[0].round(4).tolist()
    [0.982, 9.8198]
    """
    from .instruments import load_instruments
    from .scoring import find_person_column, keyed_items, response_table, score

    if method not in ("jt", "maassen"):
        raise InputError(f"method={method!r}: expected 'jt' or 'maassen'")
    if not (isinstance(z, int | float) and z > 0):
        raise InputError(f"--z {z:g}: expected a positive critical value")
    waves = list(waves) if not isinstance(waves, str) else [waves]
    if len(waves) != 2 or str(waves[0]).strip() == str(waves[1]).strip():
        raise InputError(
            f"--waves {' '.join(map(str, waves))}: expected two different waves, e.g. 1 2"
        )
    extra = [wave] + ([by] if by is not None else [])
    df, found = response_table(data, mapping=mapping, person=person, extra_ids=extra)
    with reading(found):  # error messages name the file
        name = input_name("data")
        for col, what in ((wave, "wave"), (by, "group (by)")):
            if col is not None and col not in df.columns:
                raise InputError(
                    f"{name}: column {col!r} not found; expected the {what} column; columns are "
                    f"{', '.join(map(str, df.columns[:12]))}"
                )
        pid = find_person_column(df, person)
        if by in (pid, wave):
            raise InputError(f"--by {by!r}: expected a group column other than the person and wave")
        insts = load_instruments(instruments)
        rows = [df[_wave_rows(df[wave], w, wave, name)] for w in waves]
        keep = [pid] + ([by] if by is not None else [])
        scored = [score(r, insts, person=pid, keep=keep) for r in rows]

        # persons: first wave's order, then those only in the second wave
        ids1, ids2 = scored[0][pid], scored[1][pid]
        persons = pd.Index(pd.concat([ids1, ids2[~ids2.isin(ids1)]], ignore_index=True), name=pid)
        groups = _person_groups(scored, pid, by, persons, name)
        records = scored[0].attrs["codebook"]
        settings = {"waves": waves, "method": method, "z": z, "by": by}
        frames, warns = [], []
        keyed = {inst.id: keyed_items(rows[0], inst, person=pid) for inst in insts}
        g1 = rows[0][by].to_numpy() if by is not None else None  # group of first-wave rows
        for rec in records:
            var, inst_id, items = rec["variable"], rec["instrument"], rec["items"].split()
            t1 = pd.Series(scored[0][var].to_numpy(), index=ids1.to_numpy()).reindex(persons)
            t2 = pd.Series(scored[1][var].to_numpy(), index=ids2.to_numpy()).reindex(persons)
            for gname, in_group in _group_masks(groups):
                x = keyed[inst_id][items].loc[g1 == gname if by is not None else slice(None)]
                label = f"{inst_id}/{var}" + ("" if by is None else f" [{by}={gname}]")
                out, warn = _change_block(
                    t1[in_group], t2[in_group], x, method=method, z=z, label=label
                )
                warns += warn
                ids = {"instrument": inst_id, "subscale": var}
                if by is not None:
                    ids = {by: groups[in_group].to_numpy(), **ids}
                frames.append(out.assign(**ids).reset_index())
        cols = [pid] + ([by] if by is not None else []) + [
            "instrument", "subscale", "score_t1", "score_t2", "diff", "s_diff", "rci", "category",
            "alpha", "sd",
        ] + (["sd_t2"] if method == "maassen" else [])  # fmt: skip
        table = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
        table.attrs = {"settings": settings, "warnings": list(dict.fromkeys(warns))}
        return table


def _wave_rows(col: pd.Series, value: Any, wave: str, name: str) -> np.ndarray:
    """Rows of one wave; ``"1"`` matches a numeric 1 (command-line values are text)."""
    if pd.api.types.is_numeric_dtype(col.dtype):
        try:
            mask = col.to_numpy(dtype=float, na_value=np.nan) == float(value)
        except (TypeError, ValueError):
            mask = np.zeros(len(col), dtype=bool)
    else:
        text = col.astype("string").str.strip()
        mask = (text == str(value).strip()).fillna(False).to_numpy(dtype=bool)
    if not mask.any():
        present = sorted({f"{v:g}" if isinstance(v, float) else str(v) for v in col.dropna()})
        raise InputError(
            f"{name}: column {wave!r}: wave {value!r} not found; waves present: "
            f"{', '.join(present[:12]) or 'none'}"
        )
    return mask


def _person_groups(
    scored: list[pd.DataFrame], pid: str, by: str | None, persons: pd.Index, name: str
) -> pd.Series:
    """Group of every person (first wave, else second); all ``"all"`` without ``by``."""
    if by is None:
        return pd.Series(ALL_GROUP, index=persons)
    g = [pd.Series(s[by].to_numpy(), index=s[pid].to_numpy()).reindex(persons) for s in scored]
    groups = g[0].combine_first(g[1])
    if groups.isna().any():
        who = groups.index[groups.isna().to_numpy()][0]
        raise InputError(
            f"{name}: column {by!r}, person {who!r}: no value; expected a group (--by) for "
            "every person"
        )
    return groups


def _group_masks(groups: pd.Series) -> list[tuple[Any, np.ndarray]]:
    values = sorted(groups.unique(), key=lambda v: (str(type(v)), v))
    return [(v, (groups == v).to_numpy()) for v in values]


def _change_block(
    t1: pd.Series, t2: pd.Series, x: pd.DataFrame, *, method: str, z: float, label: str
) -> tuple[pd.DataFrame, list[str]]:
    """RCI of one subscale in one group: alpha of the first-wave items ``x``, SDs of t1/t2."""
    alpha = _raw_alpha(x)
    sd1, sd2 = float(t1.std()), float(t2.std())
    warns = []
    if not (np.isfinite(alpha) and 0 <= alpha < 1):
        warns.append(
            f"{label}: alpha at the first wave is {format_number(alpha, 2)}; expected 0 to <1 "
            "(2+ items, 3+ persons), RCI not estimable"
        )
    elif not (sd1 > 0 and (method == "jt" or sd2 > 0)):
        warns.append(f"{label}: scores do not vary (SD {format_number(sd1, 2)}); RCI not estimable")
    if warns:
        out = pd.DataFrame({"t1": t1, "t2": t2, "diff": t2 - t1, "s_diff": np.nan, "rci": np.nan})
        both = t1.notna() & t2.notna()
        out["category"] = np.where(both, "not estimable", "missing")
    else:
        out = reliable_change(t1, t2, reliability=alpha, sd=sd1, sd_t2=sd2, method=method, z=z)
        out["category"] = out["category"].replace(
            {
                "reliable improvement": "reliable increase",
                "reliable deterioration": "reliable decrease",
            }
        )
    out = out.rename(columns={"t1": "score_t1", "t2": "score_t2"}).assign(alpha=alpha, sd=sd1)
    if method == "maassen":
        out["sd_t2"] = sd2
    return out, warns


def _raw_alpha(x: pd.DataFrame) -> float:
    """Raw alpha from pairwise covariances (``cronbach_alpha``'s value without its extras)."""
    c = x.astype(float).cov().to_numpy()
    k = c.shape[0]
    if k < 2 or _n_persons(x) < 3 or not np.all(np.isfinite(c)) or not c.sum() > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(c) / c.sum()))


def reliable_change_summary(table: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Counts of each change category per subscale (and group), with alpha, SD and S_diff.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`reliable_change_between_waves`.
    by : str, optional
        Its group column; default the ``by`` it was computed with.

    Returns
    -------
    DataFrame
        ``instrument, subscale, [by], n`` (persons), one count column per category that
        occurs, ``alpha, sd, s_diff`` and ``min_change`` (``z * s_diff``: the smallest
        reliable raw change).

    Examples
    --------
    >>> import pandas as pd
    >>> rc = pd.DataFrame({"instrument": "x", "subscale": "s", "alpha": 0.8, "sd": 1.0,
    ...                    "s_diff": 0.63, "category": ["no reliable change", "missing"]})
    >>> reliable_change_summary(rc)[["n", "no reliable change", "missing"]].to_numpy().tolist()
    [[2, 1, 1]]
    """
    settings = table.attrs.get("settings", {})
    by = by if by is not None else settings.get("by")
    z = settings.get("z", 1.96)
    keys = ["instrument", "subscale"] + ([by] if by is not None else [])
    grouped = table.groupby(keys, sort=False, dropna=False)
    counts = grouped["category"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=[c for c in CHANGE_CATEGORIES if c in counts.columns])
    out = pd.concat(
        [grouped.size().rename("n"), counts, grouped[["alpha", "sd", "s_diff"]].first()], axis=1
    )
    out["min_change"] = z * out["s_diff"]
    out.columns.name = None
    return out.reset_index()
