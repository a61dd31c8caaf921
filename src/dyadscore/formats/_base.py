"""Helpers shared by the platform readers: raw CSV cells, type coercion, metadata.

Every platform reader returns a :class:`pandas.DataFrame` of the export as it is
(one row per response, the platform's own column names) with these ``attrs``:

``file``           the file name, for error messages (a frame attribute, not an argument)
``platform``       ``"qualtrics"``, ``"redcap"``, ...
``labels``         ``{column: question text}`` where the export carries it
``value_labels``   ``{column: {code: label}}`` (SPSS, Stata, REDCap dictionaries)
``missing_codes``  ``{column: [codes]}`` declared missing values (already set to NaN)
``defaults``       ``{"person": [...], "wave": [...], "meta": [...], "ids": [...]}``: the
                   platform's person id candidates, wave columns, metadata columns
                   (dropped unless mapped) and every id column it writes (kept)
``renamed``        ``{new name: header name}`` for repeated header names made unique
                   (``name.1``, ``name.2`` ... as R's ``read.csv(check.names=TRUE)``)

:func:`dyadscore.formats.mapping.apply_mapping` turns that into the project's wide shape.

Examples
--------
>>> import pandas as pd
>>> coerce_column(pd.Series(["1", "", "3"])).tolist()
[1.0, nan, 3.0]
"""

from __future__ import annotations

import csv as _csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

_SAMPLE = 1 << 16


def check_file(path: str | os.PathLike) -> Path:
    """The path as a :class:`Path`; missing or empty files are an InputError."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: the file is empty; expected a header row and data")
    return p


def head_text(path: str | os.PathLike, n: int = _SAMPLE) -> str | None:
    """First ``n`` bytes decoded as UTF-8 (BOM removed), or None when not UTF-8 text."""
    with open(path, "rb") as fh:
        raw = fh.read(n)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(raw) >= n - 4 and exc.start >= len(raw) - 4:  # a character cut by the sample
            return raw[: exc.start].decode("utf-8")
        return None


def sniff_separator(text: str) -> str:
    """``,``, ``;`` or tab: whichever occurs most in the first line."""
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=counts.get)
    return sep if counts[sep] else ","


def make_unique(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Repeated names made unique as R's ``make.unique`` does (``read.csv(check.names=TRUE)``).

    The first occurrence keeps its name; later ones get ``.1``, ``.2`` ..., skipping
    any suffix that is already a name.

    Parameters
    ----------
    names : list of str
        Column names as the export writes them.

    Returns
    -------
    (list of str, dict)
        The unique names, and ``{new name: name in the export}`` for the renamed ones.

    Examples
    --------
    >>> make_unique(["a", "a", "a.1", "b", "a"])
    (['a', 'a.2', 'a.1', 'b', 'a.3'], {'a.2': 'a', 'a.3': 'a'})
    """
    taken = set(names)
    counts: dict[str, int] = {}
    seen: set[str] = set()
    out: list[str] = []
    renamed: dict[str, str] = {}
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
            continue
        k = counts.get(n, 0)
        while True:
            k += 1
            cand = f"{n}.{k}"
            if cand not in taken:
                break
        counts[n] = k
        taken.add(cand)
        out.append(cand)
        renamed[cand] = n
    return out, renamed


def _unique_names(names: list[str]) -> list[str]:
    return make_unique(names)[0]


def read_cells(path: str | os.PathLike, *, header: bool = False) -> pd.DataFrame:
    """Every cell of a delimited text file as a string ('' for empty), no type guessing.

    With ``header=False`` the header rows are data rows too (Qualtrics has three).
    Columns are Arrow-backed strings (read by Arrow's multithreaded CSV reader);
    repeated header names get ``.1``, ``.2`` suffixes (:func:`make_unique`), listed in
    ``attrs["renamed"]``.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    p = check_file(path)
    text = head_text(p)
    if text is None:
        raise InputError(f"{p}: not UTF-8 text; save the export as UTF-8 (CSV UTF-8)")
    sep = sniff_separator(text)
    try:
        first = next(_csv.reader(io.StringIO(text), delimiter=sep))
    except (StopIteration, _csv.Error):
        raise InputError(f"{p}: no header row; expected a CSV export") from None
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=names, encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{p}: cannot read as CSV: {msg}") from None
    df = table.to_pandas(types_mapper=pd.ArrowDtype)
    if header:
        cols, renamed = make_unique([str(c).strip().removeprefix("\ufeff") for c in df.iloc[0]])
        df = df.iloc[1:].reset_index(drop=True)
        df.columns = cols
        df.attrs["renamed"] = renamed
    return df


def coerce_column(s: pd.Series) -> pd.Series:
    """Strings to numbers when every non-empty cell is a number (decimal comma allowed).

    Integral columns without gaps become ``int64``; numeric columns with gaps
    ``float64``; anything else stays text with empty cells as missing. Parsing runs in
    Arrow (one vectorised cast per column).

    Examples
    --------
    >>> coerce_column(pd.Series(["a", ""])).tolist()
    ['a', nan]
    >>> coerce_column(pd.Series(["1", "2"])).dtype
    dtype('int64')
    >>> coerce_column(pd.Series(["3,5", " 4 "])).tolist()
    [3.5, 4.0]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return s
    if isinstance(s.dtype, pd.ArrowDtype):
        arr = pc.cast(s.array.__arrow_array__(), pa.string())
    else:
        as_text = s.astype("string").to_numpy(dtype=object, na_value=None)
        arr = pa.array(as_text, type=pa.string(), from_pandas=True)
    text = pc.utf8_trim_whitespace(arr)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    blank = pc.is_null(text).to_numpy(zero_copy_only=False)
    num = None
    for candidate in (text, pc.replace_substring(text, ",", ".")):
        try:
            num = pc.cast(candidate, pa.float64())
            break
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    if num is None:
        values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        values[blank] = np.nan
        return pd.Series(values, index=s.index, name=s.name, dtype=object)
    values = pc.fill_null(num, np.nan).to_numpy(zero_copy_only=False)
    if not blank.any() and len(values) and np.all(values == np.round(values)):
        return pd.Series(values.astype("int64"), index=s.index, name=s.name)
    return pd.Series(values, index=s.index, name=s.name)


def _plain_text(s: pd.Series) -> pd.Series:
    """Arrow-backed text as pandas' default string dtype (ids stay text, '' stays '')."""
    return s.astype("str") if isinstance(s.dtype, pd.ArrowDtype) else s


def coerce_frame(df: pd.DataFrame, skip: set[str] | None = None) -> pd.DataFrame:
    """:func:`coerce_column` on every column except ``skip``."""
    out = {
        c: (_plain_text(df[c]) if c in (skip or ()) else coerce_column(df[c])) for c in df.columns
    }
    res = pd.DataFrame(out, index=df.index)
    res.attrs.update(df.attrs)
    return res


def finish(
    df: pd.DataFrame,
    *,
    name: str,
    platform: str,
    labels: dict[str, str] | None = None,
    value_labels: dict[str, dict[Any, str]] | None = None,
    missing_codes: dict[str, list] | None = None,
    person: list[str] | None = None,
    wave: list[str] | None = None,
    meta: list[str] | None = None,
    ids: list[str] | None = None,
    **extra: Any,
) -> pd.DataFrame:
    """Attach the reader metadata (see module docstring) and check there are rows."""
    if df.shape[0] == 0:
        raise InputError(f"{name}: no responses in the export (only header rows)")
    dup = pd.Index(df.columns)[pd.Index(df.columns).duplicated()]
    if len(dup):
        raise InputError(
            f"{name}: column {dup[0]!r} appears twice in the header; give every column a "
            "unique name"
        )
    renamed = dict(extra.pop("renamed", None) or df.attrs.get("renamed") or {})
    df.attrs.update(
        file=name,
        platform=platform,
        labels=dict(labels or {}),
        value_labels=dict(value_labels or {}),
        missing_codes=dict(missing_codes or {}),
        defaults={
            "person": person or [],
            "wave": wave or [],
            "meta": meta or [],
            "ids": ids if ids is not None else list(person or []),
        },
        renamed=renamed,
        **extra,
    )
    return df
