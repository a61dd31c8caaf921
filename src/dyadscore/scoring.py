"""Vectorised scoring of questionnaire items into subscale scores.

:func:`score` takes a wide table (one row per person or person-wave, item columns
named by item id) or a long table (``person, item, value`` plus id columns) and one
or more instruments, and returns one row per person with, for every subscale, the
score, the number of items answered and a flag (``ok``, ``prorated`` or ``missing``).
Reverse-keyed items are scored ``min + max - x``. The instrument's missing rule
decides when a score is prorated or set missing. Every value is checked against the
response scale first: a value off the scale or a non-numeric cell is an
:class:`~dyadscore.errors.InputError` naming the person, column and value.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"person": ["p1", "p2"],
...                    "sat1": [5, 4], "sat2": [4, None], "sat3": [1, 2],
...                    "sat4": [5, 4], "sat5": [4, 4]})
>>> out = score(df, "relationship-satisfaction")
>>> out[["person", "satisfaction", "satisfaction_n", "satisfaction_flag"]].to_string(index=False)
'person  satisfaction  satisfaction_n satisfaction_flag\\n    p1           4.6               5                ok\\n    p2           4.0               4          prorated'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .columns import ID_CANDIDATES, PERSON_CANDIDATES, person_column
from .errors import InputError, _file_name_as_source, input_name, reading, where
from .instruments import Instrument, load_instrument, load_instruments
from .io import one_column_hint, read_table

if TYPE_CHECKING:
    from numpy.typing import NDArray

FLAGS = ("ok", "prorated", "missing")

InstrumentSpec = str | os.PathLike | Instrument


class ReadOnlyRecords(list):
    """A list of metadata records that pandas shares instead of deep-copying.

    pandas deep-copies ``DataFrame.attrs`` on every operation (each column access
    included); provenance and codebook records are never changed after scoring, so
    copies share them. Treat them as read-only.

    Parameters
    ----------
    iterable : iterable of dict
        The records.

    Examples
    --------
    >>> import copy
    >>> recs = ReadOnlyRecords([{"instrument": "felt-dependence"}])
    >>> copy.deepcopy(recs) is recs
    True
    """

    def __deepcopy__(self, memo: dict) -> ReadOnlyRecords:
        return self


# ----------------------------------------------------------------- input shape
def _as_frame(data: Any) -> tuple[pd.DataFrame, str | None]:
    if isinstance(data, pd.DataFrame):
        if isinstance(data.columns, pd.MultiIndex):
            raise InputError(
                "data: column names have several levels; flatten them first, e.g. "
                "df.columns = ['_'.join(map(str, c)) for c in df.columns]"
            )
        return data, data.attrs.get("file")
    if isinstance(data, str | os.PathLike):
        df = read_table(data)
        return df, str(data)
    raise InputError(f"expected a DataFrame or a path to a table, got {type(data).__name__}")


def _is_dask(data: Any) -> bool:
    return type(data).__module__.startswith("dask")


def _score_dask(data: Any, instruments: Any, **kw: Any) -> Any:
    """Score a Dask DataFrame partition by partition with :func:`score` (see docs/scale.md).

    Rows are independent people, so each partition is scored on its own; ``meta`` (the
    output's columns and dtypes) comes from scoring the empty frame Dask keeps.
    """
    import dask.dataframe as dd

    if not isinstance(data, dd.DataFrame):
        raise InputError(f"expected a Dask DataFrame, got {type(data).__name__}")
    if {"item", "value"} <= set(data.columns):
        raise InputError(
            "Dask: score a wide table (one row per person, item columns); pivot the long table "
            "first or score it with pandas"
        )
    meta = score(data._meta, instruments, **kw)
    # id columns keep the input's dtypes (an empty object column would infer no str dtype)
    meta = meta.astype({c: data._meta[c].dtype for c in meta.columns if c in data._meta.columns})
    return data.map_partitions(score, instruments, meta=meta, **kw)


def find_person_column(df: pd.DataFrame, person: str | None = None) -> str:
    """Name of the person-id column (``person`` or a common alternative).

    Parameters
    ----------
    df : DataFrame
        The response table.
    person : str, optional
        The column to use; checked to exist. Default: the first of the usual names present.

    Returns
    -------
    str
        The column name.

    Raises
    ------
    InputError
        The named column is absent, or no usual person-id column is present.

    Examples
    --------
    >>> find_person_column(pd.DataFrame({"respondent": [1], "sat1": [3]}))
    'respondent'
    """
    if person is not None:
        if person not in df.columns:
            have = ", ".join(map(str, list(df.columns)[:12]))
            raise InputError(
                f"{input_name('data')}: person id column {person!r} not found (columns: {have})"
            )
        return person
    found = person_column(df.columns)
    if found is not None:
        return found
    hint = ""
    if df.index.name in (person, *PERSON_CANDIDATES) and df.index.name is not None:
        hint = f" ({df.index.name!r} is the index: use df.reset_index())"
    if one_column_hint(list(map(str, df.columns))):
        raise InputError(f"{input_name('data')}: line 1: {one_column_hint(list(df.columns))}")
    raise InputError(
        f"{input_name('data')}: no person id column; expected one named 'person' (or name it "
        f"with --person; Python: person){hint}"
    )


def _id_columns(
    df: pd.DataFrame, person: str, keep: Sequence[str] | None, extra: Sequence[str] = ()
) -> list[str]:
    if keep is not None:
        missing = [c for c in keep if c not in df.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} to keep is not in the data")
        return [person, *[c for c in keep if c != person]]
    found = [c for c in (*ID_CANDIDATES, *extra) if c in df.columns and c != person]
    return [person, *dict.fromkeys(found)]


@_file_name_as_source
def response_table(
    data: Any,
    *,
    mapping: Any = None,
    person: str | None = None,
    keep: Sequence[str] | None = None,
    extra_ids: Sequence[str] = (),
) -> tuple[pd.DataFrame, str | None]:
    """Responses as a wide table (one row per person or person-wave), mapping applied.

    Accepts what :func:`score` accepts (a DataFrame or a path; wide or long) and
    returns ``(table, input name)``. A long table keeps the id columns (``keep``, or
    person, the usual id columns and ``extra_ids``) when it is pivoted.

    Parameters
    ----------
    data : DataFrame or path
        Wide or long responses.
    mapping : dict or path, optional
        ``{export column: item id}``.
    person : str, optional
        Person id column (default: auto-detected).
    keep : list of str, optional
        Id columns to keep when a long table is pivoted.
    extra_ids : list of str
        Further id columns to keep.

    Returns
    -------
    tuple of (DataFrame, str or None)
        The wide table and the input's name (a file name, or None).

    Examples
    --------
    >>> long = pd.DataFrame({"person": [1, 1], "item": ["a", "b"], "value": [3, 4]})
    >>> response_table(long)[0].to_dict("records")
    [{'person': 1, 'a': 3, 'b': 4}]
    """
    df, src = _as_frame(data)
    name = input_name(None) or src  # a name set by the caller wins over the frame's own
    with reading(name):
        df = rename_columns(df, mapping)
        dup = df.columns[df.columns.duplicated()]
        if len(dup):
            raise InputError(
                f"{where(None, None, dup[0])}: the column name occurs more than once; "
                "expected one column per item (check the header and the mapping)"
            )
        if {"item", "value"} <= set(df.columns):
            pid = find_person_column(df, person)
            df = drop_blank_rows(df, pid)
            id_cols = _id_columns(df, pid, keep, extra_ids)
            df = long_to_wide(df, person=pid, id_cols=id_cols)
    return df, name


def long_to_wide(df: pd.DataFrame, *, person: str, id_cols: list[str]) -> pd.DataFrame:
    """Pivot a long response table (``person, item, value`` + ids) to one row per person(-wave).

    Parameters
    ----------
    df : DataFrame
        Long responses: ``person, item, value`` and id columns.
    person : str
        Person id column.
    id_cols : list of str
        Id columns that identify a row of the result (person, and e.g. wave).

    Returns
    -------
    DataFrame
        One row per combination of ``id_cols``, one column per item.

    Examples
    --------
    >>> long = pd.DataFrame({"person": ["a", "a"], "item": ["x", "y"], "value": [1, 2]})
    >>> long_to_wide(long, person="person", id_cols=["person"]).to_dict("records")
    [{'person': 'a', 'x': 1, 'y': 2}]
    """
    keys = [c for c in id_cols if c in df.columns]
    dup = df.duplicated([*keys, "item"], keep=False)
    if dup.any():
        row = df[dup].iloc[0]
        raise InputError(
            f"{where(None, row[person], 'item')}: item {row['item']!r} appears twice for this "
            "person; expected one answer per person and item"
        )
    wide = df.pivot(index=keys, columns="item", values="value").reset_index()
    wide.columns.name = None
    return wide


def _lines(df: pd.DataFrame, rows: NDArray) -> NDArray:
    """File lines of positional ``rows``: row label + 2 (header, 1-based) for a file's table."""
    by_label = isinstance(df.index, pd.RangeIndex) or df.attrs.get("_labels_are_rows", False)
    return (df.index.to_numpy()[rows] if by_label else rows) + 2


def _blank(col: pd.Series) -> NDArray:
    """Cells that are empty: NA, or text that is empty or only spaces."""
    blank = col.isna().to_numpy(dtype=bool, copy=True)
    if not pd.api.types.is_numeric_dtype(col.dtype) and not blank.all():
        text = col.astype("string").str.strip()
        blank |= (text == "").fillna(True).to_numpy(dtype=bool)
    return blank


def drop_blank_rows(df: pd.DataFrame, person: str) -> pd.DataFrame:
    """Drop rows with every cell empty (spreadsheet exports end with ``;;;`` lines).

    A row with answers but no person id is an :class:`InputError` naming its line.

    Parameters
    ----------
    df : DataFrame
        The response table.
    person : str
        Person id column.

    Returns
    -------
    DataFrame
        ``df`` without its empty rows.

    Examples
    --------
    >>> df = pd.DataFrame({"person": ["p1", None], "sat1": [3, None]})
    >>> drop_blank_rows(df, "person")["person"].tolist()
    ['p1']
    """
    if df.columns.duplicated().any():
        return df  # reported by response_table, which names the column
    no_id = _blank(df[person])
    if not no_id.any():
        return df
    blank_row = no_id.copy()
    for col in df.columns:
        if col != person:
            blank_row[blank_row] &= _blank(df[col].iloc[np.flatnonzero(blank_row)])
    bad = no_id & ~blank_row
    if bad.any():
        r = np.flatnonzero(bad)[:1]
        at = (
            f"line {_lines(df, r)[0]}"
            if input_name(None)
            else f"the row at index {df.index[r[0]]!r}"
        )
        raise InputError(
            f"{where(None, None, person)}: {at} has answers but no person id; expected an id "
            "in every row"
        )
    out = df[~blank_row]
    out.attrs["_labels_are_rows"] = isinstance(df.index, pd.RangeIndex) or df.attrs.get(
        "_labels_are_rows", False
    )
    return out


def check_unique_people(df: pd.DataFrame, person: str) -> None:
    """One row per person (and wave): a repeated id is an error naming both lines.

    Parameters
    ----------
    df : DataFrame
        The response table, or its id columns (``wave`` included when present).
    person : str
        Person id column.

    Raises
    ------
    InputError
        The first id that occurs twice, with the two lines.

    Examples
    --------
    >>> from dyadscore.errors import reading
    >>> with reading("in.csv"):
    ...     check_unique_people(pd.DataFrame({"person": ["p1", "p2", "p1"]}), "person")
    Traceback (most recent call last):
    ...
    dyadscore.errors.InputError: in.csv: row 'p1', column 'person': person id 'p1' occurs more than once (lines 2 and 4); expected one row per person
    """
    keys = [person, "wave"] if "wave" in df.columns else [person]
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        first = df.loc[dup, person].iloc[0]
        rows = np.flatnonzero(dup.to_numpy())[:2]
        lines = _lines(df, rows)
        raise InputError(
            f"{where(None, first, person)}: person id {first!r} occurs more than once "
            f"(lines {lines[0]} and {lines[1]}); expected one row per person"
            + (" and wave" if "wave" in df.columns else "")
        )


# ------------------------------------------------------------ item validation
def _numeric_column(col: pd.Series, name: str, ids: pd.Series) -> NDArray:
    """Column as float64 with NaN for blanks; non-numeric text is an error."""
    if pd.api.types.is_bool_dtype(col.dtype):
        raise InputError(f"{where(None, None, name)}: true/false values; expected numbers")
    if isinstance(col.dtype, pd.ArrowDtype) and pd.api.types.is_numeric_dtype(col.dtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        # 4x faster than Series.to_numpy(na_value=...) for Arrow-backed columns
        arrow = pc.cast(col.array.__arrow_array__(), pa.float64())
        return pc.fill_null(arrow, np.nan).to_numpy()
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype="float64", na_value=np.nan)
    text = col.astype("string").str.strip()
    # decimal commas in an otherwise ','-separated file arrive as text "3,5"
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = numeric.isna() & text.notna() & (text != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where(None, ids.iloc[i], name)}: value {text.iloc[i]!r} is not a number; "
            "expected a number on the response scale or an empty cell"
        )
    return numeric.to_numpy(dtype="float64", na_value=np.nan)


def shift_hint(values: NDArray, lo: int, hi: int) -> str:
    """Describe a whole-scale shift (e.g. 0-6 answers for a 1-7 scale), or ''.

    The package's one shift detector (reliability and its warnings call it too). The
    answers look shifted down when some equal ``lo - 1`` and none exceed ``hi - 1`` (0-6
    for 1-7), up when some equal ``hi + 1`` and none are below ``lo + 1`` (2-8 for 1-7).

    Parameters
    ----------
    values : numpy.ndarray
        The answers found, any shape (NaN for missing).
    lo, hi : int
        The instrument's scale.

    Returns
    -------
    str
        A hint to add to an error message, or ``""`` when the answers do not look shifted.

    Examples
    --------
    >>> shift_hint(np.array([0., 3., 6.]), 1, 7)
    'the answers look shifted: 0-6 given for a 1-7 scale (recode by adding 1)'
    >>> shift_hint(np.array([2., 8.]), 1, 7), shift_hint(np.array([0., 7.]), 1, 7)
    ('the answers look shifted: 2-8 given for a 1-7 scale (recode by subtracting 1)', '')
    """
    v = values[~np.isnan(values)]
    if v.size == 0:
        return ""
    vmin, vmax = v.min(), v.max()
    if vmin == lo - 1 and vmax <= hi - 1:
        delta, fix = -1, "adding 1"
    elif vmax == hi + 1 and vmin >= lo + 1:
        delta, fix = 1, "subtracting 1"
    else:
        return ""
    return (
        f"the answers look shifted: {lo + delta:g}-{hi + delta:g} given for a {lo}-{hi} scale "
        f"(recode by {fix})"
    )


def _validated_matrix(
    df: pd.DataFrame,
    inst: Instrument,
    ids: pd.Series,
    *,
    keyed: bool = True,
    allow_between_points: bool = False,
) -> NDArray:
    """Items as a column-major float matrix, checked against the scale, optionally keyed."""
    missing = [i for i in inst.item_ids if i not in df.columns]
    if missing and one_column_hint(list(map(str, df.columns))):
        raise InputError(f"{input_name('data')}: line 1: {one_column_hint(list(df.columns))}")
    if missing:
        long_hint = (
            "; a long table needs the columns person, item and value"
            if "item" in df.columns and "value" not in df.columns
            else ""
        )
        raise InputError(
            f"{where(None, None, missing[0])}: item column of instrument {inst.id!r} not found "
            f"({len(missing)} of {len(inst.item_ids)} missing); expected columns named by item id "
            f"or a mapping (--map){long_hint}"
        )
    lo, hi = inst.scale_min, inst.scale_max
    # column-major: every step below works on contiguous item columns
    mat = np.empty((len(df), len(inst.item_ids)), dtype="float64", order="F")
    scratch = None
    for j, item in enumerate(inst.items):
        col = mat[:, j]
        col[:] = _numeric_column(df[item.id], item.id, ids)
        # fmin/fmax skip NaN in one pass without temporaries
        if col.size and (np.fmin.reduce(col) < lo or np.fmax.reduce(col) > hi):
            r = int(np.flatnonzero((col < lo) | (col > hi))[0])
            hint = shift_hint(mat[:, : j + 1], lo, hi)
            if not hint and col[r] in (-9999, -999, -99, -98, -9, 99, 999, 9999):
                hint = (
                    f"if {col[r]:g} means 'no answer', declare it in a mapping "
                    f"('missing: [{col[r]:g}]', --map) or leave the cell empty"
                )
            raise InputError(
                f"{where(None, ids.iloc[r], item.id)}: value {col[r]:g} is outside the "
                f"response scale {lo}-{hi} of {inst.id!r}" + (f"; {hint}" if hint else "")
            )
        if not allow_between_points:
            if scratch is None:
                scratch = np.empty(len(df))
            _check_points(col, df[item.id], inst, item.id, ids, scratch)
        if keyed and item.reverse:
            np.subtract(lo + hi, col, out=col)
    return mat


def _check_points(
    col: NDArray,
    raw: pd.Series,
    inst: Instrument,
    name: str,
    ids: pd.Series,
    scratch: NDArray,
) -> None:
    """Answers must be points of the response scale (whole numbers, or ``min + k * step``).

    ``scratch`` is a float buffer of the column's length, reused across items (allocating
    a fresh array per item costs more than the arithmetic on a million rows).
    """
    if pd.api.types.is_integer_dtype(raw.dtype):
        return  # whole numbers by type (also Arrow-backed integer columns with nulls)
    step = inst.response_scale.step or 1.0
    if step == 1.0:  # scale_min is a whole number: the grid is the whole numbers
        k = col
    else:
        k = np.subtract(col, inst.scale_min, out=np.empty_like(col))
        np.divide(k, step, out=k)
    np.rint(k, out=scratch)
    np.subtract(scratch, k, out=scratch)  # NaN (no answer) stays NaN, which fmax/fmin skip
    if not (
        np.fmax.reduce(scratch, initial=0.0) > 1e-6 or np.fmin.reduce(scratch, initial=0.0) < -1e-6
    ):
        return
    off = np.abs(scratch) > 1e-6
    r = int(np.flatnonzero(off)[0])
    text = raw.iloc[r]
    shown = f"{text.strip()!r}" if isinstance(text, str) else f"{col[r]:g}"
    points = (
        f"whole numbers {inst.scale_min}-{inst.scale_max}"
        if inst.response_scale.step is None
        else f"{inst.scale_min}-{inst.scale_max} in steps of {step:g}"
    )
    raise InputError(
        f"{where(None, ids.iloc[r], name)}: value {shown} lies between the points of the "
        f"response scale of {inst.id!r} ({points}); if such answers are valid, declare "
        "response_scale.step in the instrument or pass --allow-between-points (Python: "
        "allow_between_points)"
    )


def _renames(mapping: Any) -> tuple[dict[str, str], str]:
    """``({export column: item id}, name for messages)`` of a mapping (see formats.load_mapping)."""
    from .formats.mapping import load_mapping

    m = load_mapping(mapping)
    return m.columns, m.name


def rename_columns(df: pd.DataFrame, mapping: Any) -> pd.DataFrame:
    """Rename an export's columns to item ids as ``mapping`` says, checking both ways.

    Parameters
    ----------
    df : DataFrame
        The table as read.
    mapping : dict, path or Mapping
        ``{export column: item id}`` (see :func:`dyadscore.formats.load_mapping`).

    Returns
    -------
    DataFrame
        ``df`` with the mapped columns renamed.

    Raises
    ------
    InputError
        A mapped column that is absent, or two columns that would get the same name.

    Examples
    --------
    >>> rename_columns(pd.DataFrame({"Q1": [3]}), {"Q1": "sat1"}).columns.tolist()
    ['sat1']
    """
    cmap, name = _renames(mapping)
    if not cmap:
        return df
    absent = [k for k in cmap if k not in df.columns]
    if absent:
        raise InputError(
            f"{name}: names column {absent[0]!r}, which is not in {input_name('the data')}"
        )
    targets: dict[str, str] = {}
    for col in df.columns:
        new = cmap.get(col, col)
        if new in targets and (col in cmap or targets[new] in cmap):
            raise InputError(
                f"{name}: columns {targets[new]!r} and {col!r} of {input_name('the data')} would "
                f"both become {new!r}; expected one column per item"
            )
        targets[new] = col
    return df.rename(columns=cmap)


def _check_mapping_targets(df: pd.DataFrame, insts: list[Instrument], mapping: Any) -> None:
    """A mapping that names something that is no item, when an item has no column, is the
    likelier mistake to report (a typo in the mapping, not in the data)."""
    if not any(i not in df.columns for inst in insts for i in inst.item_ids):
        return
    items = {i for inst in insts for i in inst.item_ids}
    cmap, name = _renames(mapping)
    for col, target in cmap.items():
        if target not in items and target not in (*PERSON_CANDIDATES, *ID_CANDIDATES):
            ids = ", ".join(inst.id for inst in insts)
            raise InputError(
                f"{name}: column {col!r} is mapped to {target!r}, which is not an item of "
                f"{ids}; expected an item id such as {sorted(items)[0]!r}"
            )


@_file_name_as_source
def keyed_items(
    data: Any,
    instrument: InstrumentSpec,
    *,
    mapping: Any = None,
    person: str | None = None,
    allow_between_points: bool = False,
) -> pd.DataFrame:
    """Validated, reverse-keyed item values of one instrument (NaN for missing).

    Answers between the points of the response scale (3.5 on a 1-7 scale) are an
    :class:`InputError` unless the instrument declares ``response_scale.step`` or
    ``allow_between_points=True``.

    Parameters
    ----------
    data : DataFrame or path
        Item data as :func:`score` takes (wide or long).
    instrument : id, path or Instrument
        One instrument.
    mapping : dict or path, optional
        ``{export column: item id}``.
    person : str, optional
        Person id column used to name rows in error messages (default: auto-detected).
    allow_between_points : bool
        Accept answers between the scale points (otherwise an error).

    Returns
    -------
    DataFrame
        One float column per item (instrument order), same index as ``data``; reverse-keyed
        items as ``min + max - answer``; NaN where missing.

    Raises
    ------
    InputError
        A value off the instrument's scale or not a number, naming the row and column.

    Examples
    --------
    >>> df = pd.DataFrame({"person": ["p1"], "sat1": [5], "sat2": [4], "sat3": [1],
    ...                    "sat4": [5], "sat5": [4]})
    >>> keyed_items(df, "relationship-satisfaction")["sat3"].tolist()
    [5.0]
    """
    df, src = _as_frame(data)
    inst = load_instrument(instrument)
    with reading(input_name(None) or src):
        df = rename_columns(df, mapping)
        try:
            ids = df[find_person_column(df, person)]
        except InputError:
            ids = pd.Series(np.arange(2, len(df) + 2), index=df.index).map(lambda n: f"line {n}")
        mat = _validated_matrix(df, inst, ids, allow_between_points=allow_between_points)
    return pd.DataFrame(mat, index=df.index, columns=inst.item_ids)


# -------------------------------------------------------------------- scoring
def score_matrix(keyed: NDArray, inst: Instrument) -> dict[str, tuple[NDArray, NDArray, NDArray]]:
    """Score a keyed item matrix (columns in instrument order).

    Works column by column, so pass a column-major (``order="F"``) matrix for speed on
    large tables.

    Parameters
    ----------
    keyed : numpy.ndarray
        Keyed answers (see :func:`keyed_items`), one column per item in instrument order,
        NaN for missing.
    inst : Instrument
        The instrument.

    Returns
    -------
    dict
        ``{subscale: (score, n_answered, flag_code)}``; flag codes index :data:`FLAGS`.

    Examples
    --------
    >>> inst = load_instrument("relationship-satisfaction")
    >>> score_matrix(np.array([[5., 4., 5., np.nan, 4.]]), inst)["satisfaction"][2]
    array([1], dtype=int8)
    """
    col = {item: j for j, item in enumerate(inst.item_ids)}
    n_rows = keyed.shape[0]
    rule = inst.missing
    out = {}
    for name, sub in inst.subscales.items():
        k = len(sub.items)
        total = np.zeros(n_rows)
        n = np.zeros(n_rows, dtype="int64")
        for item in sub.items:
            values = keyed[:, col[item]]
            present = ~np.isnan(values)
            n += present
            np.add(total, values, out=total, where=present)
        if rule.rule == "complete":
            ok = n == k
        else:
            ok = (n > 0) & (n >= rule.min_answered * k - 1e-9)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = total / n
        if sub.method == "sum":
            value *= k
        value[~ok] = np.nan
        flag = np.where(ok, (n < k).astype("int8"), np.int8(2)).astype("int8")
        out[name] = (value, n, flag)
    return out


@_file_name_as_source
def score(
    data: Any,
    instruments: InstrumentSpec | Iterable[InstrumentSpec],
    *,
    person: str | None = None,
    keep: Sequence[str] | None = None,
    mapping: Any = None,
    allow_between_points: bool = False,
) -> pd.DataFrame:
    """Score one or more instruments for every person (row) in ``data``.

    Parameters
    ----------
    data : DataFrame or path
        Wide (one row per person or person-wave; item columns named by item id) or
        long (columns ``person, item, value`` plus optional ``couple, role, wave``).
    instruments : id, path, Instrument, or a list of them
    person : str, optional
        Person-id column; default the first of ``person, person_id, id, respondent``.
    keep : list of str, optional
        Id columns to carry into the output (default: person and any of
        ``couple, dyad, role, gender, partner, wave`` present).
    mapping : dict or path, optional
        ``{export column: item id}`` for exports whose columns are named differently.
    allow_between_points : bool
        Accept answers between the points of the response scale (3.5 on a 1-7 scale, or
        the text ``"4,5"``). By default they are an :class:`InputError` naming the person,
        item and value, unless the instrument declares ``response_scale.step``.

    Returns
    -------
    DataFrame
        Id columns, then per subscale ``<name>``, ``<name>_n`` and ``<name>_flag``.
        ``attrs["provenance"]`` traces each score to its instrument version and key hash.

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = pd.DataFrame({"person": ["p1"], "sat1": [5], "sat2": [4], "sat3": [1],
    ...                    "sat4": [5], "sat5": [4]})
    >>> ds.score(df, "relationship-satisfaction")["satisfaction"].tolist()
    [4.6]
    """
    if _is_dask(data):  # Dask DataFrame: the same function on every partition
        kw = {"person": person, "keep": keep, "mapping": mapping}
        kw["allow_between_points"] = allow_between_points
        return _score_dask(data, instruments, **kw)
    df, name = response_table(data, mapping=mapping, person=person, keep=keep)
    with reading(name):
        out = _score_table(df, data, instruments, person, keep, mapping, allow_between_points)
    if name:
        out.attrs["file"] = name
    return out


def _score_table(df, data, instruments, person, keep, mapping, allow_between_points):
    """:func:`score` after reading: the table, with the input's name set (``reading``)."""
    insts = load_instruments(instruments)
    if mapping is not None:
        _check_mapping_targets(df, insts, mapping)
    pid = find_person_column(df, person)
    df = drop_blank_rows(df, pid)
    id_cols = _id_columns(df, pid, keep)
    check_unique_people(df, pid)
    ids = df[pid]

    columns: dict[str, Any] = {c: df[c].to_numpy() for c in id_cols}
    names_seen: dict[str, str] = {}
    flag_categories = pd.CategoricalDtype(list(FLAGS))
    for inst in insts:
        mat = _validated_matrix(df, inst, ids, allow_between_points=allow_between_points)
        for name, (value, n, flag) in score_matrix(mat, inst).items():
            out_name = name
            if name in names_seen or name in columns:
                out_name = f"{inst.id.replace('-', '_')}_{name}"
            names_seen[out_name] = inst.id
            columns[out_name] = value
            columns[f"{out_name}_n"] = n
            columns[f"{out_name}_flag"] = pd.Categorical.from_codes(flag, dtype=flag_categories)
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(df)))
    out.attrs["provenance"] = ReadOnlyRecords(inst.provenance_record() for inst in insts)
    out.attrs["codebook"] = ReadOnlyRecords(codebook(insts, names=names_seen))
    renamed = getattr(data, "attrs", {}).get("renamed") or df.attrs.get("renamed")
    if renamed:  # repeated export names made unique on reading: the codebook says so
        out.attrs["renamed"] = dict(renamed)
    return out


def codebook(
    instruments: InstrumentSpec | Iterable[InstrumentSpec], names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One record per output score variable: label, instrument, version, key hash, rule.

    Parameters
    ----------
    instruments : id, path, Instrument or a list of them
        The instruments scored.
    names : dict, optional
        ``{output column: instrument id}``; default every subscale under its own name.

    Returns
    -------
    list of dict
        Per score variable: ``variable, label_en, label_nl, instrument, version, key_hash,
        method, items, reversed, scale, missing_rule``.

    Examples
    --------
    >>> codebook("relationship-satisfaction")[0]["variable"]
    'satisfaction'
    """
    insts = load_instruments(instruments)
    by_id = {i.id: i for i in insts}
    if names is None:
        names = {n: i.id for i in insts for n in i.subscales}
    records = []
    for out_name, inst_id in names.items():
        inst = by_id[inst_id]
        sub_name = next(n for n in inst.subscales if out_name.endswith(n))
        sub = inst.subscales[sub_name]
        label = sub.label or inst.title
        records.append(
            {
                "variable": out_name,
                "label_en": label.get("en", ""),
                "label_nl": label.get("nl", ""),
                "instrument": inst.id,
                "version": inst.version,
                "key_hash": inst.key_hash,
                "method": sub.method,
                "items": " ".join(sub.items),
                "reversed": " ".join(i for i in sub.items if inst.item(i).reverse),
                "scale": f"{inst.scale_min}-{inst.scale_max}",
                "missing_rule": (
                    "complete"
                    if inst.missing.rule == "complete"
                    else f"prorate if >= {inst.missing.min_answered:.0%} answered"
                ),
                "n_column": f"{out_name}_n",
                "flag_column": f"{out_name}_flag",
            }
        )
    return records
