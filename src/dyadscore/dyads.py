"""Couple data shapes, pairing checks, nonindependence, discrepancy and profile similarity.

Three shapes (Kenny, Kashy & Cook 2006):

* **individual**: one row per person, with a dyad id, optionally a role (distinguishable
  dyads), a person id and a wave;
* **dyad**: one row per couple (per wave), each variable twice (``v_<role>`` or ``v_1``/``v_2``);
* **pairwise** (double entry): one row per person carrying ``v_actor`` (own value) and
  ``v_partner`` (the partner's value).

Pairing is strict: a dyad with more than two members, a person without a partner (unless
``drop_singles=True``; the number dropped is stored in ``out.attrs["n_singles_dropped"]``),
two members with the same role in distinguishable dyads, and a person listed in two dyads
(within a wave) all raise :class:`~dyadscore.errors.PairingError` naming the dyad.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"couple": [1, 1, 2, 2], "role": ["w", "m", "m", "w"],
...                    "sat": [4.0, 5.0, 3.0, 2.0]})
>>> to_pairwise(df, "sat", dyad="couple", role="role")[["couple", "role", "sat_actor",
...                                                       "sat_partner"]]
   couple role  sat_actor  sat_partner
0       1    m        5.0          4.0
1       1    w        4.0          5.0
2       2    m        3.0          2.0
3       2    w        2.0          3.0
"""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import stats

from .columns import PERSON_CANDIDATES, person_column
from .errors import InputError, PairingError, _file_name_as_source, input_name

__all__ = [
    "Pairing",
    "pair_members",
    "to_pairwise",
    "to_dyad",
    "to_individual",
    "nonindependence",
    "discrepancy",
    "profile_similarity",
    "SUSPECT_CODES",
    "check_missing_codes",
    "replace_missing_codes",
]

#: Values that survey and statistics packages use for "no answer" (SPSS, Stata, SAS habits).
SUSPECT_CODES: tuple[float, ...] = (-9999.0, -999.0, -99.0, 99.0, 999.0, 9999.0)
#: Cell text that often marks a missing value in exports (SAS and Stata write ``.``).
MISSING_TEXT: tuple[str, ...] = (".", "-", "--", "?", "na", "n/a", "nan", "missing", "none")


# --------------------------------------------------------------------------------------
# the shared arguments: their checks and their documentation, written once
# --------------------------------------------------------------------------------------

_F = TypeVar("_F", bound=Callable[..., Any])

#: numpydoc text of the arguments the dyadic functions share (the glossary of docs/api);
#: a docstring line ``%(name)s`` is replaced by it (:func:`_fill_doc`).
_DOC_PARAMS: dict[str, str] = {
    "dyad": """dyad : str, default "couple"
    Dyad (couple) id column.""",
    "role": """role : str, optional
    Role column; ``None`` means indistinguishable members (no role).""",
    "person": "person : str, optional\n"
    + textwrap.fill(
        "Person id column. It orders the two members of indistinguishable dyads (member 1 = "
        "lower id); when given, it is also checked (nobody in two dyads or listed twice) and "
        "carried into reshaped tables. Default: the first of "
        + ", ".join(f"``{c}``" for c in PERSON_CANDIDATES)
        + " in the data, used for the order only (a member number 1/2 serves too); row "
        "order when there is none.",
        88,
        initial_indent="    ",
        subsequent_indent="    ",
    ),
    "wave": """wave : str, optional
    Wave column: one set of dyads per wave (partners are paired within each wave).""",
    "roles": """roles : sequence of two labels, optional
    Role order; the first is the reference role (default: sorted role labels).""",
    "drop_singles": """drop_singles : bool, default False
    Drop persons whose partner has no row (their number is reported) instead of raising
    :class:`~dyadscore.errors.PairingError`.""",
}
_DOC_PARAMS["pairing"] = "\n".join(
    _DOC_PARAMS[k] for k in ("dyad", "role", "person", "wave", "roles", "drop_singles")
)
_DOC_LINE = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.M)


def _fill_doc(func: _F) -> _F:
    """Replace every docstring line ``%(name)s`` by ``_DOC_PARAMS[name]``, indented alike."""
    if func.__doc__:
        func.__doc__ = _DOC_LINE.sub(
            lambda m: textwrap.indent(_DOC_PARAMS[m.group(2)], m.group(1)), func.__doc__
        )
    return func


def _pair(data, dyad, role, person, wave, roles, drop_singles, *, taken=()) -> Pairing:
    """:func:`pair_members`, with the person column detected when ``person`` is None.

    A detected column (:func:`~dyadscore.columns.person_column`; not one of ``dyad, role,
    wave, *taken``) only
    orders the two members of indistinguishable dyads (member 1 = lower value); it is not
    checked nor copied into results, so a member number (1/2 within each couple) serves as
    well as a person id.
    """
    found = None if person is not None else person_column(data.columns, (dyad, role, wave, *taken))
    pairing = pair_members(
        data,
        dyad,
        role,
        person=person,
        wave=wave,
        roles=roles,
        drop_singles=drop_singles,
    )
    if person is None and found is not None and role is None and pairing.n_dyads:
        values = _trimmed(data[found])
        try:
            code = pd.factorize(values, sort=True)[0]
        except TypeError:  # numbers and text mixed: order as text
            code = pd.factorize(values.astype(str), sort=True)[0]
        swap = code[pairing.first] > code[pairing.second]
        first = np.where(swap, pairing.second, pairing.first)
        second = np.where(swap, pairing.first, pairing.second)
        pairing = Pairing(first, second, pairing.roles, pairing.singles)
    return pairing


def _paired(
    data, variables, dyad, role, person, wave, roles, drop_singles, *, codes=False
) -> tuple[list[str], Pairing]:
    """The checks every dyadic function makes, then the pairing (:func:`_pair`).

    The arguments are those of the public functions (:func:`to_pairwise` and the others).
    The variables (a name or a list) must exist and, with ``codes``, are searched for
    missing-value codes (a warning). Returns the variables as a list and the pairing.
    """
    variables = _as_list(variables)
    _require_columns(data, variables)
    if codes:
        _warn_codes(data, variables)
    pairing = _pair(data, dyad, role, person, wave, roles, drop_singles, taken=variables)
    return variables, pairing


# --------------------------------------------------------------------------------------
# pairing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """Positions (0-based, into the input rows) of the two members of every complete dyad.

    ``first[i]`` and ``second[i]`` belong to the same dyad; in distinguishable dyads
    ``first`` has role ``roles[0]`` and ``second`` role ``roles[1]``; in indistinguishable
    dyads the order follows the person id (if given) or the row order. Dyads are sorted by
    dyad id (and wave). ``singles`` are the positions of persons without a partner
    (only when ``drop_singles=True``).

    Attributes
    ----------
    first, second : numpy.ndarray
        Row positions of the two members.
    roles : tuple of str or None
        Role labels (distinguishable dyads).
    singles : numpy.ndarray
        Row positions of persons without a partner.

    Examples
    --------
    >>> import pandas as pd
    >>> pair_members(pd.DataFrame({"d": [1, 1, 2, 2]}), "d").n_dyads
    2
    """

    first: np.ndarray
    second: np.ndarray
    roles: tuple[str, str] | None
    singles: np.ndarray

    @property
    def n_dyads(self) -> int:
        return int(self.first.size)


def _label(value: object) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _require_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{input_name('input')}: expected a pandas DataFrame, got {type(data)!r}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        have = ", ".join(map(str, list(data.columns)[:12]))
        raise InputError(
            f"{input_name('input')}: column {missing[0]!r} not found (columns: {have})"
        )


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _role_order(values: pd.Series, roles: Sequence[str] | None) -> list:
    """Role labels, reference role first; ``[]`` for no rows (unless ``roles`` or a
    categorical dtype names them)."""
    present = pd.unique(values.dropna())
    if not len(present) and isinstance(values.dtype, pd.CategoricalDtype):
        present = values.cat.categories
    if roles is not None:
        roles = list(roles)
        if len(roles) != 2:
            raise InputError(
                f"{input_name('input')}: roles must name exactly two roles, got {roles!r}"
            )
        extra = [r for r in present if r not in roles]
        if extra:
            raise InputError(
                f"{input_name('input')}: role {_label(extra[0])} is not one of {roles!r}"
            )
        return roles
    ordered = sorted(present, key=lambda v: str(v))
    if len(ordered) > 2:
        raise InputError(
            f"{input_name('input')}: column {values.name!r} has {len(ordered)} values "
            f"({', '.join(map(str, ordered[:5]))}); distinguishable dyads need exactly two roles"
        )
    return ordered


@_file_name_as_source
@_fill_doc
def pair_members(
    data: pd.DataFrame,
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    wave: str | None = None,
    roles: Sequence[str] | None = None,
    drop_singles: bool = False,
) -> Pairing:
    """Find the two members of every dyad and check the pairing.

    Parameters
    ----------
    data : DataFrame
        Individual shape: one row per person (per wave).
    %(pairing)s

    Returns
    -------
    Pairing

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"d": [7, 7, 3, 3], "r": ["b", "a", "a", "b"]})
    >>> p = pair_members(df, "d", "r")
    >>> p.first.tolist(), p.second.tolist(), p.roles
    ([2, 1], [3, 0], ('a', 'b'))
    """
    cols = [dyad] + [c for c in (role, person, wave) if c is not None]
    _require_columns(data, cols)
    src = input_name("input")
    n = len(data)
    dyad_vals = _trimmed(data[dyad])
    if dyad_vals.isna().any():
        pos = int(np.flatnonzero(dyad_vals.isna().to_numpy())[0])
        raise InputError(f"{src}: row {pos + 1}, column {dyad!r}: dyad id is missing")
    keys = [dyad_vals] if wave is None else [data[wave], dyad_vals]
    if wave is not None and data[wave].isna().any():
        pos = int(np.flatnonzero(data[wave].isna().to_numpy())[0])
        raise InputError(f"{src}: row {pos + 1}, column {wave!r}: wave is missing")
    key_frame = pd.DataFrame({f"k{i}": k.to_numpy() for i, k in enumerate(keys)})
    # dyad groups sorted by (wave, dyad) value
    group = key_frame.groupby(list(key_frame.columns), sort=True).ngroup().to_numpy()
    sizes = np.bincount(group, minlength=group.max() + 1 if n else 0)
    where_wave = "" if wave is None else " in wave {w}"

    def dyad_name(pos: int) -> str:
        text = f"dyad {_label(dyad_vals.iloc[pos])}"
        if wave is not None:
            text += where_wave.format(w=_label(data[wave].iloc[pos]))
        return text

    big = np.flatnonzero(sizes[group] > 2)
    if big.size:
        pos = int(big[0])
        waves = [c for c in ("wave", "time", "day") if c in data.columns]
        hint = (
            f"; the data have a {waves[0]!r} column: analyse one wave at a time (or pass the "
            "wave column where the command takes one)"
            if wave is None and waves
            else ""
        )
        raise PairingError(
            f"{src}: {dyad_name(pos)} has {int(sizes[group[pos]])} members; a dyad has exactly two"
            + hint
        )
    if person is not None:
        pid = _trimmed(data[person])
        if pid.isna().any():
            pos = int(np.flatnonzero(pid.isna().to_numpy())[0])
            raise InputError(f"{src}: row {pos + 1}, column {person!r}: person id is missing")
        pkeys = [pid] if wave is None else [data[wave], pid]
        pframe = pd.DataFrame({f"k{i}": k.to_numpy() for i, k in enumerate(pkeys)})
        pframe["g"] = group
        n_dyads_per_person = pframe.groupby(list(pframe.columns[:-1]))["g"].transform("nunique")
        two = np.flatnonzero(n_dyads_per_person.to_numpy() > 1)
        if two.size:
            pos = int(two[0])
            others = pd.unique(dyad_vals[(pid == pid.iloc[pos]).to_numpy()])
            raise PairingError(
                f"{src}: person {_label(pid.iloc[pos])} is in two dyads "
                f"({', '.join(map(str, others[:3]))}); a person belongs to one dyad"
            )
        dup = pframe.duplicated(list(pframe.columns[:-1])).to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            raise PairingError(
                f"{src}: person {_label(pid.iloc[pos])} is listed twice in {dyad_name(pos)}"
            )

    single_mask = sizes[group] == 1
    if single_mask.any() and not drop_singles:
        pos = int(np.flatnonzero(single_mask)[0])
        raise PairingError(
            f"{src}: {dyad_name(pos)} has only one member "
            f"({int(single_mask.sum())} such persons); to drop them pass --drop-singles "
            "(Python: drop_singles)"
        )

    role_labels: tuple | None = None
    if role is not None:
        rvals = _trimmed(data[role])
        if rvals.isna().any():
            pos = int(np.flatnonzero(rvals.isna().to_numpy())[0])
            raise InputError(f"{src}: row {pos + 1}, column {role!r}: role is missing")
        order = _role_order(rvals, roles)
        role_code = pd.Categorical(rvals, categories=order).codes.astype(np.int64)
        if len(order) == 2:
            role_labels = tuple(order)
        elif order:
            role_labels = (order[0], None)
        secondary = role_code
    elif person is not None:
        secondary = pd.factorize(data[person], sort=True)[0]
    else:
        secondary = np.arange(n)
    paired = np.flatnonzero(~single_mask)
    order_idx = paired[np.lexsort((secondary[paired], group[paired]))]
    first, second = order_idx[0::2], order_idx[1::2]
    if role is not None:
        same = np.flatnonzero(role_code[first] == role_code[second])
        if same.size:
            pos = int(first[same[0]])
            raise PairingError(
                f"{src}: {dyad_name(pos)} has two members with role "
                f"{_label(rvals.iloc[pos])}; distinguishable dyads need one of each role"
            )
        if role_labels is not None and role_labels[1] is None:  # pragma: no cover - guarded above
            raise PairingError(f"{src}: only one role present")
    return Pairing(
        first=first.astype(np.int64),
        second=second.astype(np.int64),
        roles=None if role_labels is None else (str(role_labels[0]), str(role_labels[1])),
        singles=np.flatnonzero(single_mask),
    )


def _trimmed(values: pd.Series) -> pd.Series:
    """Text labels without surrounding spaces (``"man "`` is ``"man"``); others unchanged."""
    if pd.api.types.is_numeric_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype):
        return values
    lookup = {}  # one entry per distinct label: a couple file has few, however long
    for label in pd.unique(values.dropna()):
        text = label.strip() if isinstance(label, str) else label
        lookup[label] = np.nan if isinstance(text, str) and text == "" else text
    out = values.map(lookup)
    return out.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else out


def _numeric(data: pd.DataFrame, columns: Sequence[str], *, warn: bool = True) -> np.ndarray:
    """Float matrix of the columns; text, ``inf`` and ``-inf`` are InputErrors naming the cell.

    Values that look like missing-value codes (see :func:`check_missing_codes`) give a
    warning naming the column and the count.
    """
    out = np.empty((len(data), len(columns)))
    src = input_name("input")
    for j, col in enumerate(columns):
        s = data[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            raise InputError(f"{src}: column {col!r}: true/false values; expected numbers")
        vals = pd.to_numeric(s, errors="coerce")
        bad = vals.isna().to_numpy() & s.notna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(f"{src}: row {pos + 1}, column {col!r}: {_not_number(s.iloc[pos])}")
        arr = vals.to_numpy(dtype=float, na_value=np.nan)
        inf = np.isinf(arr)
        if inf.any():
            pos = int(np.flatnonzero(inf)[0])
            raise InputError(
                f"{src}: row {pos + 1}, column {col!r}: value {arr[pos]:g} is not a finite "
                "number; expected a number or an empty cell"
            )
        out[:, j] = arr
    if warn:
        first = {c: j for j, c in reversed(list(enumerate(columns)))}  # a name used twice
        check_missing_codes(pd.DataFrame({c: out[:, j] for c, j in first.items()}))
    return out


def _warn_codes(data: pd.DataFrame, variables: Sequence[str]) -> None:
    """Missing-value codes in the numeric variables a reshape carries (see check_missing_codes)."""
    numeric = [v for v in dict.fromkeys(variables) if pd.api.types.is_numeric_dtype(data[v].dtype)]
    check_missing_codes(data, numeric)


def _not_number(value: object) -> str:
    text = str(value).strip()
    if text.casefold() in MISSING_TEXT:
        return (
            f"value {text!r} is not a number; if it marks a missing answer, leave the cell "
            f"empty or declare it with --missing-codes {text} (Python: "
            f"replace_missing_codes)"
        )
    return f"value {text!r} is not a number; expected a number or an empty cell"


@_file_name_as_source
def check_missing_codes(
    data: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    codes: Sequence[float] = SUSPECT_CODES,
    warn: bool = True,
) -> dict[str, tuple[float, int]]:
    """Find values that look like missing-value codes (-99, -999, 99, 999, ...) in score columns.

    A value of ``codes`` is suspect in a column when it lies far outside the column's other
    values: more than three times their range beyond their minimum or maximum (so 99 among
    scores of 1-7 is suspect; 99 among ages of 20-80 is not). Such codes analysed as numbers
    bias every estimate, so each suspect column gives a :class:`~dyadscore.errors.DataWarning`
    naming the column, the code and the count, and how to declare it (``--missing-codes`` or
    a mapping's ``missing:``; :func:`replace_missing_codes` in Python).

    Parameters
    ----------
    data : DataFrame
    columns : list of str, optional
        Columns to check (default: every numeric column).
    codes : sequence of float
        Candidate codes.
    warn : bool
        Issue the warnings (else only return what was found).

    Returns
    -------
    dict
        ``{column: (code, count)}`` for the most frequent suspect code of each column.

    Examples
    --------
    >>> import warnings
    >>> df = pd.DataFrame({"sat": [4.2, 5.0, -99, 3.4, -99]})
    >>> check_missing_codes(df, warn=False)
    {'sat': (-99.0, 2)}
    >>> check_missing_codes(pd.DataFrame({"age": [25, 99, 60]}), warn=False)
    {}
    """
    from .errors import DataWarning

    if columns is None:
        columns = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c].dtype)]
    codes_arr = np.asarray(codes, dtype=float)
    found: dict[str, tuple[float, int]] = {}
    for col in columns:
        vals = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        vals = vals[np.isfinite(vals)]
        is_code = np.isin(vals, codes_arr)
        if not is_code.any() or is_code.all():
            continue
        other = vals[~is_code]
        lo, hi = other.min(), other.max()
        span = max(hi - lo, 1.0)
        far = is_code & ((vals > hi + 3 * span) | (vals < lo - 3 * span))
        if not far.any():
            continue
        code_vals, counts = np.unique(vals[far], return_counts=True)
        k = int(np.argmax(counts))
        found[str(col)] = (float(code_vals[k]), int(far.sum()))
    if warn:
        for col, (code, count) in found.items():
            warnings.warn(
                f"{input_name('input')}: column {col!r}: {count} value(s) of {code:g} far outside "
                f"the other values look like a missing-value code and are analysed as numbers; "
                f"declare it with --missing-codes {code:g} or 'missing: [{code:g}]' in a "
                "mapping (Python: replace_missing_codes)",
                DataWarning,
                stacklevel=3,
            )
    return found


def replace_missing_codes(
    data: pd.DataFrame,
    codes: Sequence[float | str],
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Set cells holding a declared missing-value code to missing (a copy; ``data`` unchanged).

    Numeric codes match numerically (``-99`` matches ``-99.0`` and the text ``"-99"``);
    text codes such as ``"."`` match cell text after trimming spaces.

    Parameters
    ----------
    data : DataFrame
    codes : sequence of numbers or text
    columns : list of str, optional
        Columns to clean (default: every column).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> df = pd.DataFrame({"sat": [4.0, -99.0], "note": ["ok", "."]})
    >>> replace_missing_codes(df, [-99, "."]).isna().sum().tolist()
    [1, 1]
    """
    nums, texts = [], []
    for c in codes:
        try:
            nums.append(float(c))
        except (TypeError, ValueError):
            texts.append(str(c).strip())
    out = data.copy()
    for col in columns if columns is not None else data.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            hit = s.isin(nums).to_numpy(dtype=bool)
        else:
            text = s.map(lambda v: v.strip() if isinstance(v, str) else v)
            num = pd.to_numeric(text, errors="coerce")
            hit = (num.isin(nums) | text.isin(texts)).to_numpy(dtype=bool)
            if hit.any():
                s = text.mask(hit)
                rest = pd.to_numeric(s, errors="coerce")
                if rest.notna().sum() == s.notna().sum():  # all numbers now: a numeric column
                    s = rest
                out[col] = s
                continue
        if hit.any():
            out[col] = s.mask(hit)
    return out


def _id_columns(
    data: pd.DataFrame, rows: np.ndarray, dyad: str, wave: str | None, extra: Sequence[str]
) -> pd.DataFrame:
    cols = [dyad] + ([wave] if wave else []) + [c for c in extra if c]
    out = data.iloc[rows][cols].reset_index(drop=True)
    for c in cols:  # labels as the pairing read them (trimmed)
        out[c] = _trimmed(out[c])
    return out


# --------------------------------------------------------------------------------------
# shapes
# --------------------------------------------------------------------------------------


@_file_name_as_source
@_fill_doc
def to_pairwise(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    wave: str | None = None,
    roles: Sequence[str] | None = None,
    drop_singles: bool = False,
    actor_suffix: str = "_actor",
    partner_suffix: str = "_partner",
) -> pd.DataFrame:
    """Individual -> pairwise (double-entry) shape.

    Each person of a complete dyad gets one row with ``<v>_actor`` (own value) and
    ``<v>_partner`` (partner's value) for every variable. Rows are sorted by (wave,) dyad
    and role (or person / row order).

    Parameters
    ----------
    data : DataFrame
        Individual shape: one row per person (per wave).
    variables : str or list of str
        Columns to carry as actor and partner values.
    %(pairing)s
    actor_suffix, partner_suffix : str
        Suffixes of the own and the partner's value columns.

    Returns
    -------
    DataFrame
        Id columns (``dyad``, ``person``, ``role``, ``wave`` when given), then
        ``<v><actor_suffix>`` and ``<v><partner_suffix>`` for every variable; two rows per
        complete dyad.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"d": [1, 1], "x": [2.0, 5.0]})
    >>> to_pairwise(df, "x", "d")
       d  x_actor  x_partner
    0  1      2.0        5.0
    1  1      5.0        2.0
    """
    variables, pairing = _paired(
        data, variables, dyad, role, person, wave, roles, drop_singles, codes=True
    )
    own = np.column_stack([pairing.first, pairing.second]).ravel()
    other = np.column_stack([pairing.second, pairing.first]).ravel()
    out = _id_columns(data, own, dyad, wave, [person, role])
    for v in variables:
        vals = data[v].to_numpy()
        out[f"{v}{actor_suffix}"] = vals[own]
        out[f"{v}{partner_suffix}"] = vals[other]
    out.attrs["n_singles_dropped"] = int(pairing.singles.size)
    return out


@_file_name_as_source
@_fill_doc
def to_dyad(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    wave: str | None = None,
    roles: Sequence[str] | None = None,
    drop_singles: bool = False,
    suffixes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Individual -> dyad shape (one row per dyad, or per dyad and wave).

    Columns are ``<v><suffix>``: suffixes default to ``_<role label>`` for distinguishable
    dyads and ``_1``/``_2`` for indistinguishable ones (member 1 = lower person id, or first row).

    Parameters
    ----------
    data : DataFrame
        Individual shape: one row per person (per wave).
    variables : str or list of str
        Columns to spread over the two members.
    %(pairing)s
    suffixes : two strings, optional
        Column suffixes of the two members (default ``_<role label>`` or ``_1``/``_2``).

    Returns
    -------
    DataFrame
        ``dyad`` (and ``wave``), ``<person><suffix>`` when ``person`` is given, then
        ``<v><suffix>`` for every variable and member.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"d": [1, 1, 2, 2], "r": ["m", "f", "f", "m"], "x": [1., 2., 3., 4.]})
    >>> to_dyad(df, "x", "d", "r")
       d  x_f  x_m
    0  1  2.0  1.0
    1  2  3.0  4.0
    """
    variables, pairing = _paired(
        data, variables, dyad, role, person, wave, roles, drop_singles, codes=True
    )
    if suffixes is None and role is not None and pairing.roles is None:
        raise InputError(
            f"{input_name('input')}: no rows, so the role labels that name the columns are "
            "unknown; pass roles=(first, second) or suffixes=(...)"
        )
    if suffixes is None:
        suffixes = [f"_{r}" for r in pairing.roles] if pairing.roles else ["_1", "_2"]
    if len(suffixes) != 2:
        raise InputError(f"{input_name('input')}: suffixes must be two strings, got {suffixes!r}")
    out = _id_columns(data, pairing.first, dyad, wave, [])
    if person is not None:
        pid = data[person].to_numpy()
        out[f"{person}{suffixes[0]}"] = pid[pairing.first]
        out[f"{person}{suffixes[1]}"] = pid[pairing.second]
    for v in variables:
        vals = data[v].to_numpy()
        out[f"{v}{suffixes[0]}"] = vals[pairing.first]
        out[f"{v}{suffixes[1]}"] = vals[pairing.second]
    out.attrs["n_singles_dropped"] = int(pairing.singles.size)
    return out


@_file_name_as_source
@_fill_doc
def to_individual(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    dyad: str = "couple",
    *,
    suffixes: Sequence[str] = ("_1", "_2"),
    role: str = "role",
    roles: Sequence[str] | None = None,
    wave: str | None = None,
) -> pd.DataFrame:
    """Dyad shape -> individual shape (two rows per dyad).

    Parameters
    ----------
    data : DataFrame
        Dyad shape: one row per dyad (per wave).
    variables : str or list of str
        Variable stems; the columns read are ``<stem><suffix>``.
    suffixes : two strings
        Column suffixes of the two members (e.g. ``("_female", "_male")``).
    role : str
        Name of the role column created; its labels are ``roles`` or the suffixes
        without a leading underscore.
    %(dyad)s
    roles : two labels, optional
        Role labels of the two members in ``suffixes`` order.
    %(wave)s

    Returns
    -------
    DataFrame
        ``dyad`` (and ``wave``), ``role`` and one column per variable stem; two rows per
        dyad.

    Examples
    --------
    >>> import pandas as pd
    >>> w = pd.DataFrame({"d": [1], "x_f": [2.0], "x_m": [1.0]})
    >>> to_individual(w, "x", "d", suffixes=("_f", "_m"))
       d role    x
    0  1    f  2.0
    1  1    m  1.0
    """
    variables = _as_list(variables)
    suffixes = list(suffixes)
    cols = [f"{v}{s}" for v in variables for s in suffixes]
    _require_columns(data, [dyad] + ([wave] if wave else []) + cols)
    labels = list(roles) if roles is not None else [s.lstrip("_") for s in suffixes]
    n, m = len(data), len(suffixes)
    rows = np.repeat(np.arange(n), m)
    out = _id_columns(data, rows, dyad, wave, [])
    out[role] = np.tile(np.array(labels, dtype=object), n)
    for v in variables:
        block = np.column_stack([data[f"{v}{s}"].to_numpy() for s in suffixes])
        out[v] = block.ravel()
    return out


# --------------------------------------------------------------------------------------
# nonindependence
# --------------------------------------------------------------------------------------


def _pearson_block(v1: np.ndarray, v2: np.ndarray, ci: float) -> dict:
    n = v1.size
    r = float(np.corrcoef(v1, v2)[0, 1]) if n > 2 else np.nan
    df = n - 2
    t = r * np.sqrt(df / (1 - r * r)) if n > 2 else np.nan
    p = 2 * stats.t.sf(abs(t), df) if n > 2 else np.nan
    if n > 3:
        zc = stats.norm.ppf(0.5 + ci / 2) / np.sqrt(n - 3)
        lo, hi = np.tanh(np.arctanh(r) - zc), np.tanh(np.arctanh(r) + zc)
    else:
        lo = hi = np.nan
    return {
        "method": "pearson",
        "n_dyads": n,
        "r": r,
        "ci_low": lo,
        "ci_high": hi,
        "statistic": t,
        "df1": float(df),
        "df2": np.nan,
        "p": p,
    }


def _icc_blocks(v1: np.ndarray, v2: np.ndarray) -> list[dict]:
    n = v1.size
    a = np.concatenate([v1, v2])
    b = np.concatenate([v2, v1])
    grand = a.mean()
    dev_a = a - grand
    r_p = float(np.sum(dev_a * (b - grand)) / np.sum(dev_a**2))
    z = r_p * np.sqrt(n)
    pairwise = {
        "method": "pairwise_icc",
        "n_dyads": n,
        "r": r_p,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "statistic": z,
        "df1": np.nan,
        "df2": np.nan,
        "p": float(2 * stats.norm.sf(abs(z))),
    }
    m = (v1 + v2) / 2
    msb = 2 * np.sum((m - grand) ** 2) / (n - 1)
    msw = np.sum((v1 - v2) ** 2) / (2 * n)
    f = msb / msw
    p_two = min(1.0, 2 * min(stats.f.sf(f, n - 1, n), stats.f.cdf(f, n - 1, n)))
    anova = {
        "method": "anova_icc",
        "n_dyads": n,
        "r": float((msb - msw) / (msb + msw)),
        "ci_low": np.nan,
        "ci_high": np.nan,
        "statistic": float(f),
        "df1": float(n - 1),
        "df2": float(n),
        "p": float(p_two),
    }
    return [pairwise, anova]


@_file_name_as_source
@_fill_doc
def nonindependence(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    roles: Sequence[str] | None = None,
    ci: float = 0.95,
    drop_singles: bool = False,
) -> pd.DataFrame:
    """Dependence between partners' scores, one or more rows per variable.

    Distinguishable dyads (``role`` given): Pearson r between the two roles' scores, t test on
    n - 2 df and a Fisher-z confidence interval (``method="pearson"``). Indistinguishable dyads:
    the pairwise (double-entry) intraclass correlation with z = r·sqrt(n)
    (``method="pairwise_icc"``; Griffin & Gonzalez 1995) and the ANOVA intraclass correlation
    (MS_B - MS_W)/(MS_B + MS_W) with F = MS_B/MS_W on (n - 1, n) df, two-sided p = twice the
    smaller tail (``method="anova_icc"``; Kenny, Kashy & Cook 2006, pp. 34-35). Dyads with a
    missing score on a variable are left out for that variable (``n_dyads``).

    Parameters
    ----------
    data : DataFrame
        Individual shape: one row per person (per wave).
    variables : str or list of str
        Columns to test (numeric scores).
    %(dyad)s
    %(role)s
    %(person)s
    %(roles)s
    ci : float
        Level of the confidence interval of r.
    %(drop_singles)s

    Returns
    -------
    DataFrame
        Columns variable, method, n_dyads, r, ci_low, ci_high, statistic, df1, df2, p.

    Notes
    -----
    In R: `cor.test(d$x_woman, d$x_man)` (distinguishable, dyad shape); the ANOVA ICC
    from the mean squares of `anova(lm(x ~ factor(dyad), data = d))`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"d": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    ...                    "x": [8, 6, 5, 3, 7, 2, 8, 5, 8, 7, 5, 6]})
    >>> float(round(nonindependence(df, "x", "d").set_index("method").loc["anova_icc", "r"], 3))
    0.035
    """
    variables, pairing = _paired(data, variables, dyad, role, person, None, roles, drop_singles)
    values = _numeric(data, variables)
    rows = []
    for j, v in enumerate(variables):
        v1, v2 = values[pairing.first, j], values[pairing.second, j]
        ok = np.isfinite(v1) & np.isfinite(v2)
        v1, v2 = v1[ok], v2[ok]
        if v1.size < 3:
            raise InputError(
                f"{input_name('input')}: column {v!r}: {v1.size} complete dyads; need at least 3"
            )
        flat = [
            lab
            for lab, vv in zip(_member_labels(pairing), (v1, v2), strict=True)
            if np.ptp(vv) == 0
        ]
        if role is None and np.ptp(np.concatenate([v1, v2])) == 0:
            raise InputError(
                f"{input_name('input')}: column {v!r}: every score is {v1[0]:g}; "
                "nonindependence is undefined for a constant"
            )
        if role is not None and flat:
            raise InputError(
                f"{input_name('input')}: column {v!r}: every score of role {flat[0]!r} is equal; "
                "the partner correlation is undefined for a constant"
            )
        blocks = [_pearson_block(v1, v2, ci)] if role is not None else _icc_blocks(v1, v2)
        rows += [{"variable": v, **b} for b in blocks]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# discrepancy and profile similarity
# --------------------------------------------------------------------------------------


def _member_labels(pairing: Pairing) -> tuple[str, str]:
    return pairing.roles if pairing.roles else ("member_1", "member_2")


@_file_name_as_source
@_fill_doc
def discrepancy(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    wave: str | None = None,
    roles: Sequence[str] | None = None,
    drop_singles: bool = False,
) -> pd.DataFrame:
    """Per dyad and variable: both scores, signed and absolute difference, who is higher.

    ``difference`` = score of ``first`` minus score of ``second`` (the first role, or member 1
    of an indistinguishable dyad = lower person id / first row); ``higher`` names the member
    with the higher score (``"equal"`` on ties, missing if either score is missing).

    Parameters
    ----------
    data : DataFrame
        Individual shape: one row per person (per wave).
    variables : str or list of str
        Columns to compare (numeric scores).
    %(pairing)s

    Returns
    -------
    DataFrame
        One row per dyad (per wave) and variable: ``dyad`` (``wave``), ``variable``,
        ``first``, ``second`` (member labels), ``value_first``, ``value_second``,
        ``difference``, ``absolute``, ``higher``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"d": [1, 1], "r": ["w", "m"], "sat": [4.0, 5.5]})
    >>> discrepancy(df, "sat", "d", "r")[["first", "second", "difference", "absolute", "higher"]]
      first second  difference  absolute higher
    0     m      w         1.5       1.5      m
    """
    variables, pairing = _paired(data, variables, dyad, role, person, wave, roles, drop_singles)
    values = _numeric(data, variables)
    lab1, lab2 = _member_labels(pairing)
    ids = _id_columns(data, pairing.first, dyad, wave, [])
    frames = []
    for j, v in enumerate(variables):
        a, b = values[pairing.first, j], values[pairing.second, j]
        d = a - b
        higher = np.where(d > 0, lab1, np.where(d < 0, lab2, "equal")).astype(object)
        higher[~np.isfinite(d)] = None
        f = ids.copy()
        f["variable"] = v
        f["first"], f["second"] = lab1, lab2
        f["value_first"], f["value_second"] = a, b
        f["difference"], f["absolute"], f["higher"] = d, np.abs(d), higher
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["n_singles_dropped"] = int(pairing.singles.size)
    return out


def _rowwise_corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Correlation across columns for every row, using columns where both are finite."""
    ok = np.isfinite(a) & np.isfinite(b)
    k = ok.sum(axis=1)
    a0, b0 = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma, mb = a0.sum(1) / k, b0.sum(1) / k
        da = np.where(ok, a0 - ma[:, None], 0.0)
        db = np.where(ok, b0 - mb[:, None], 0.0)
        r = (da * db).sum(1) / np.sqrt((da**2).sum(1) * (db**2).sum(1))
    r[k < 3] = np.nan
    return r


@_file_name_as_source
@_fill_doc
def profile_similarity(
    data: pd.DataFrame,
    variables: Sequence[str],
    dyad: str = "couple",
    role: str | None = None,
    *,
    normative: str = "role",
    person: str | None = None,
    wave: str | None = None,
    roles: Sequence[str] | None = None,
    drop_singles: bool = False,
) -> pd.DataFrame:
    """Profile similarity of the two partners across a set of variables (Furr 2008).

    * ``raw_r``: correlation of the two partners' profiles across the variables;
    * ``distinctive_r``: correlation of the distinctive profiles, each profile minus the
      normative profile (the sample mean of each variable; computed per role when
      ``normative="role"`` and roles are given, else pooled over all paired persons);
    * ``normativeness_<member>``: correlation of each person's raw profile with the
      normative profile that person's distinctive profile was formed with;
    * ``d2``: squared Euclidean distance (Cronbach & Gleser 1953);
    * ``n_variables``: variables with both scores present (correlations need >= 3).

    Parameters
    ----------
    data : DataFrame
        Individual shape: one row per person (per wave).
    variables : str or list of str
        Columns to form the profile (at least 3).
    %(pairing)s
    normative : {"role", "pooled"}
        Normative profile per role (with ``role``) or pooled over all paired persons.

    Returns
    -------
    DataFrame
        One row per dyad (per wave): ``n_variables``, ``raw_r``, ``distinctive_r``,
        ``normativeness_<member>`` (two columns) and ``d2``.

    Notes
    -----
    In R: `cor(profile_1, profile_2)` per dyad for ``raw_r``, on profiles minus
    `colMeans()` of the sample for ``distinctive_r``; ``d2`` is `sum((profile_1 - profile_2)^2)`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"d": [1, 1], "a": [1., 2.], "b": [3., 3.], "c": [5., 6.]})
    >>> round(float(profile_similarity(df, ["a", "b", "c"], "d", normative="pooled")
    ...             ["raw_r"].iloc[0]), 3)
    0.961
    """
    if len(_as_list(variables)) < 3:
        raise InputError(f"{input_name('input')}: profile similarity needs at least 3 variables")
    if normative not in ("role", "pooled"):
        raise InputError(f"normative must be 'role' or 'pooled', got {normative!r}")
    variables, pairing = _paired(data, variables, dyad, role, person, wave, roles, drop_singles)
    values = _numeric(data, variables)
    a, b = values[pairing.first], values[pairing.second]
    with warnings.catch_warnings():  # a variable nobody answered gets a NaN norm, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        if normative == "role" and pairing.roles is not None:
            norm_a, norm_b = np.nanmean(a, axis=0), np.nanmean(b, axis=0)
        else:
            norm_a = norm_b = np.nanmean(np.vstack([a, b]), axis=0)
    lab1, lab2 = _member_labels(pairing)
    out = _id_columns(data, pairing.first, dyad, wave, [])
    ok = np.isfinite(a) & np.isfinite(b)
    out["n_variables"] = ok.sum(axis=1)
    out["raw_r"] = _rowwise_corr(a, b)
    out["distinctive_r"] = _rowwise_corr(a - norm_a, b - norm_b)
    out[f"normativeness_{lab1}"] = _rowwise_corr(a, np.broadcast_to(norm_a, a.shape))
    out[f"normativeness_{lab2}"] = _rowwise_corr(b, np.broadcast_to(norm_b, b.shape))
    out["d2"] = np.where(ok, (a - b) ** 2, 0.0).sum(axis=1)
    out.attrs["normative_profile"] = {
        lab1: dict(zip(variables, map(float, norm_a), strict=True)),
        lab2: dict(zip(variables, map(float, norm_b), strict=True)),
    }
    out.attrs["n_singles_dropped"] = int(pairing.singles.size)
    return out


# -------------------------------------------------------------- reshaping by wave
# Reshaping helpers of the person table: long by wave (one row per person per wave) -> one
# row per person with ``<col>_w<wave>`` columns, the shape the paradox hypotheses name.
__all__ += ["wave_numbers", "wide_by_wave", "prepare", "unscored_instruments"]


def _wave_value(value: object) -> int | None:
    """A wave value as a number: 1, 1.0, "1", "T1", "t1", "w1", "wave 1", "W1" -> 1."""
    import re

    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if np.isfinite(value) and float(value).is_integer() else None
    m = re.fullmatch(r"\s*(?:t|w|wave|time)?\s*(\d+)(?:\.0+)?\s*", str(value), re.IGNORECASE)
    return int(m.group(1)) if m else None


def wave_numbers(values: pd.Series, name: str | None = None, column: str = "wave") -> pd.Series:
    """Wave values (``1``, ``"T1"``, ``"w2"``, ``"wave 3"``) as integers; one-line error otherwise.

    Parameters
    ----------
    values : Series
        The wave column.
    name : str, optional
        The input's name in error messages; default the name set by
        :func:`dyadscore.errors.reading`, else ``data``.
    column : str
        Column name used in error messages.

    Returns
    -------
    Series of int
        The wave numbers, aligned with ``values``.

    Examples
    --------
    >>> wave_numbers(pd.Series(["T1", "T2", "t1"])).tolist()
    [1, 2, 1]
    """
    src = name or input_name("data")
    uniq = pd.unique(values.dropna())
    mapping = {v: _wave_value(v) for v in uniq}
    bad = [v for v, w in mapping.items() if w is None]
    if bad:
        pos = int(np.flatnonzero((values == bad[0]).to_numpy())[0])
        raise InputError(
            f"{src}: row {pos + 1}, column {column!r}, value {str(bad[0])!r}: expected a wave "
            "number like 1, 2 or T1, T2"
        )
    if values.isna().any():
        pos = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise InputError(f"{src}: row {pos + 1}, column {column!r}: empty; expected a wave number")
    return values.map(mapping).astype(int)


@_file_name_as_source
def wide_by_wave(
    scores: pd.DataFrame,
    waves: Sequence[object] = (1, 2),
    *,
    person: str | None = None,
    wave: str = "wave",
    columns: Sequence[str] | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Long-by-wave scores (one row per person per wave) -> one row per person, ``<col>_w<wave>``.

    Id columns (couple/dyad, role, gender, partner: the :mod:`dyadscore.columns` vocabulary,
    and ``keep``) are carried; they must not change between waves. A person absent at a
    wave gets missing values there. Wave values may be numbers or labels such as ``T1``,
    ``w2`` or ``wave 3`` (the number is used).

    Parameters
    ----------
    scores : DataFrame
        One row per person per wave (for example :func:`dyadscore.score` output).
    waves : sequence
        The waves to keep, in column order.
    person : str, optional
        Person id column; default the first of the usual names present (``person``,
        ``person_id``, ``id``, ...).
    wave : str
        Wave column.
    columns : list of str, optional
        Columns to spread over the waves; default every column but the ids and the
        ``<sub>_n``/``<sub>_flag`` bookkeeping of :func:`dyadscore.score`.
    keep : list of str
        Further id columns to carry (for example a couple id named ``pair``).

    Returns
    -------
    DataFrame
        One row per person: the id columns, then ``<col>_w<wave>`` for each column and wave.

    Examples
    --------
    >>> long = pd.DataFrame({"person": [1, 1, 2], "couple": [1, 1, 1], "wave": ["T1", "T2", "T1"],
    ...                      "sat": [3.0, 4.0, 5.0]})
    >>> wide_by_wave(long).to_dict("list")
    {'person': [1, 2], 'couple': [1, 1], 'sat_w1': [3.0, 5.0], 'sat_w2': [4.0, nan]}
    """
    from .columns import DYAD_CANDIDATES, ID_CANDIDATES

    src = input_name("scores")
    if not isinstance(scores, pd.DataFrame):
        raise InputError(f"{src}: expected a table with one row per person per wave")
    person = person or person_column(scores.columns) or "person"
    for col in (person, wave):
        if col not in scores.columns:
            raise InputError(f"{src}: no column {col!r}; expected one row per {person} per {wave}")
    carried = dict.fromkeys((*DYAD_CANDIDATES, *ID_CANDIDATES, *keep))
    ids = [c for c in carried if c in scores.columns and c not in (person, wave)]
    if columns is None:
        names = set(scores.columns)
        columns = [
            c
            for c in scores.columns
            if c not in (person, wave, *ids)
            and not (c.endswith("_n") and c[:-2] in names)
            and not (c.endswith("_flag") and c[:-5] in names)
        ]
    else:
        absent = [c for c in columns if c not in scores.columns]
        if absent:
            raise InputError(f"{src}: no column {absent[0]!r}")
    wv = wave_numbers(scores[wave], src, wave)
    want = []
    for w in waves:
        num = _wave_value(w)
        if num is None:
            raise InputError(f"waves: {w!r} is not a wave number; expected numbers like 1, 2")
        want.append(num)
    dup = pd.Series(list(zip(scores[person], wv, strict=True))).duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        row = scores.iloc[pos]
        raise InputError(
            f"{src}: row {pos + 1}, {person} {_label(row[person])} appears twice at {wave} "
            f"{_label(row[wave])}; expected one row per {person} per {wave}"
        )
    keep_rows = wv.isin(want).to_numpy()
    sub = scores[keep_rows]
    if sub.empty:
        found = ", ".join(str(v) for v in sorted(pd.unique(wv))[:5])
        raise InputError(
            f"{src}: column {wave!r}: no rows at {wave} {', '.join(map(str, want))}; found {found}"
        )
    if ids:
        n_ids = sub.groupby(person, sort=False)[ids].nunique(dropna=False)
        bad = n_ids[(n_ids > 1).any(axis=1)]
        if len(bad):
            col = bad.columns[(bad.iloc[0] > 1).to_numpy()][0]
            raise InputError(
                f"{src}: {person} {_label(bad.index[0])}, column {col!r}: different values at "
                "different waves; expected the same value at every wave"
            )
    base = sub.drop_duplicates(person)[[person, *ids]].reset_index(drop=True)
    wide = sub.assign(**{wave: wv[keep_rows].to_numpy()}).pivot(
        index=person, columns=wave, values=list(columns)
    )
    wide = wide.reindex(columns=pd.MultiIndex.from_product([list(columns), want]))
    wide.columns = [f"{c}_w{w}" for c, w in wide.columns]
    return base.merge(wide.reset_index(), on=person, how="left")


def unscored_instruments(data: pd.DataFrame) -> list[str]:
    """The shipped instruments whose item responses ``data`` hold, when ``data`` hold no scores.

    ``data`` hold scores when a column is named like a subscale of a shipped instrument
    (``goal_progress``, ``satisfaction``, ...); then nothing is listed.

    Parameters
    ----------
    data : DataFrame
        A response or score table.

    Returns
    -------
    list of str
        Instrument ids to score (see :func:`dyadscore.score`); empty for scores.

    Examples
    --------
    >>> items = pd.DataFrame({"person": [1], **{f"sat{i}": [4] for i in range(1, 6)}})
    >>> unscored_instruments(items), unscored_instruments(pd.DataFrame({"satisfaction": [4.0]}))
    (['relationship-satisfaction'], [])
    """
    from .columns import present_instruments
    from .instruments import list_instruments, load_instrument  # higher layer: lazy

    subscales = {n for i in list_instruments() for n in load_instrument(i).subscales}
    return [] if subscales & set(data.columns) else present_instruments(data)


def _require_scores(data: pd.DataFrame, src: str) -> None:
    """One-line error when ``data`` hold item responses instead of scores."""
    todo = unscored_instruments(data)
    if todo:
        more = f" and {len(todo) - 1} more instruments" if len(todo) > 1 else ""
        raise InputError(
            f"{src}: item responses of {todo[0]}{more}, not scores; score them first: "
            "ds.score(data, ds.present_instruments(data)) (the dyadscore command scores item "
            "files itself)"
        )


@_file_name_as_source
def prepare(
    data: pd.DataFrame,
    waves: Sequence[object] | None = None,
    *,
    person: str | None = None,
    wave: str = "wave",
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Make the person table (one row per person, ``<col>_w<wave>`` columns) from scores.

    * one row per person (no ``wave`` column): returned unchanged;
    * one row per person per wave (a ``wave`` column, values ``1``/``2`` or ``T1``/``T2``)
      with scores: reshaped with :func:`wide_by_wave` over every wave present.

    Item responses are not scored here: score them first with :func:`dyadscore.score`
    (an :class:`~dyadscore.errors.InputError` says so).

    Parameters
    ----------
    data : DataFrame
        Scores, wide or long by wave.
    waves : sequence, optional
        Waves to keep; default every wave present.
    person : str, optional
        Person id column; default the first of the usual names present.
    wave : str
        Wave column of long data.
    keep : list of str
        Further id columns to carry (see :func:`wide_by_wave`).

    Returns
    -------
    DataFrame
        One row per person.

    Examples
    --------
    >>> from dyadscore.simulate import simulate_paradox
    >>> prepare(simulate_paradox(5, seed=1)).filter(like="goal_progress").columns.tolist()
    ['goal_progress_w1', 'goal_progress_w2']
    """
    src = input_name("data")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a table")
    if wave not in data.columns:
        return data
    _require_scores(data, src)
    waves = waves or sorted(pd.unique(wave_numbers(data[wave], src, wave)))
    return wide_by_wave(data, waves, person=person, wave=wave, keep=keep)
