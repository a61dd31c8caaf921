"""The one writer of score tables: CSV, JSON, Excel, Parquet, SPSS and Stata, with a codebook.

:func:`write_scores` writes a score table (``ds.score`` output) or any dyadic shape made
from it (``to_pairwise``: ``<v>_actor``/``<v>_partner``; ``to_dyad``: ``<v>_<role>``) to

- SPSS ``.sav`` with variable labels, value labels (scoring flags 1 ok, 2 prorated,
  3 missing) and measurement levels,
- Stata ``.dta`` (version 15) with variable and value labels; names longer than 32
  characters are shortened (the codebook lists the original),
- CSV: UTF-8 without BOM, ``.`` decimals, empty cells for missing values (what SPSS,
  Stata, Excel, pandas and R's ``read.csv(na.strings = "")`` read as missing), text
  cells that a spreadsheet would run as formulas prefixed with ``'``,
- JSON records and Excel ``.xlsx``,
- Parquet, with provenance and codebook in the schema metadata,

and always the same three files beside it: a codebook ``<file>.codebook.md`` and
``<file>.codebook.csv`` (every variable's label, type, value labels, instrument, version,
key hash and scoring rule) and ``<file>.meta.json`` (provenance and scoring codebook, read
back by ``dyadscore convert``). Writes are atomic; existing files are kept unless
``force=True``.

Examples
--------
>>> import dyadscore as ds, tempfile, os
>>> df = ds.score(pd.DataFrame({"person": ["p1"], "sat1": [5], "sat2": [4], "sat3": [1],
...                             "sat4": [5], "sat5": [4]}), "relationship-satisfaction")
>>> paths = write_scores(df, os.path.join(tempfile.mkdtemp(), "scores.sav"))
>>> [p.name for p in paths]
['scores.sav', 'scores.sav.codebook.md', 'scores.sav.codebook.csv', 'scores.sav.meta.json']
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..io import TABLE_FORMATS, atomic_path, check_targets

FORMATS = {**TABLE_FORMATS, ".sav": "spss", ".zsav": "spss", ".dta": "stata"}
FLAG_CODES = {"ok": 1, "prorated": 2, "missing": 3}
ID_LABELS = {
    "person": "Person id",
    "couple": "Couple id",
    "dyad": "Couple id",
    "role": "Role in the couple",
    "gender": "Gender",
    "partner": "Partner",
    "wave": "Wave (measurement occasion)",
}
_SUFFIX_WORDS = {"actor": "actor", "partner": "partner", "1": "member 1", "2": "member 2"}


# ------------------------------------------------------------------ codebook
def _base_records(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``{variable: record}`` for scores and their ``_n``/``_flag`` companions."""
    base: dict[str, dict[str, Any]] = {}
    for rec in df.attrs.get("codebook") or []:
        label = rec.get("label_en") or rec["variable"]
        common = {k: rec.get(k, "") for k in ("instrument", "version", "key_hash")}
        rule = (
            f"{rec.get('method', 'mean')} of {rec.get('items', '')}; reversed: "
            f"{rec.get('reversed') or 'none'}; scale {rec.get('scale', '')}; "
            f"{rec.get('missing_rule', '')}"
        )
        base[rec["variable"]] = {
            "label": label,
            "label_nl": rec.get("label_nl", ""),
            "rule": rule,
            **common,
        }
        base[rec.get("n_column", f"{rec['variable']}_n")] = {
            "label": f"Items answered: {label}",
            "label_nl": f"Items beantwoord: {rec.get('label_nl', '')}",
            "rule": "count of answered items",
            **common,
        }
        base[rec.get("flag_column", f"{rec['variable']}_flag")] = {
            "label": f"Scoring flag: {label}",
            "label_nl": f"Scorevlag: {rec.get('label_nl', '')}",
            "rule": "ok = all items; prorated = enough items; missing = too few items",
            "values": FLAG_CODES,
            **common,
        }
    return base


def _describe(col: str, base: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if col in base:
        return dict(base[col])
    if col in ID_LABELS:
        return {"label": ID_LABELS[col]}
    # dyadic shapes: <variable>_<suffix> (actor/partner, role names, _1/_2, _w1 ...)
    for var in sorted(base, key=len, reverse=True):
        if col.startswith(var + "_"):
            rest = col[len(var) + 1 :]
            rec = dict(base[var])
            word = _SUFFIX_WORDS.get(rest, rest.replace("_", " "))
            rec["label"] = f"{rec['label']} ({word})"
            if rec.get("label_nl"):
                rec["label_nl"] = f"{rec['label_nl']} ({word})"
            return rec
    for key, label in ID_LABELS.items():
        if col.startswith(key + "_"):
            return {"label": f"{label} ({col[len(key) + 1 :].replace('_', ' ')})"}
    return {"label": ""}


def _kind(s: pd.Series) -> str:
    if isinstance(s.dtype, pd.CategoricalDtype) or s.name and str(s.name).endswith("_flag"):
        return "categorical"
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return "numeric"
    return "text"


def column_stats(df: pd.DataFrame) -> dict[str, tuple[int, float | None, float | None]]:
    """``{column: (n valid, min, max)}``; min and max of numeric columns only.

    Stats of parts of a table (slices scored one after another) combine with
    :func:`merge_stats`.

    Parameters
    ----------
    df : DataFrame
        The table.

    Returns
    -------
    dict
        Per column: the number of non-missing cells, and the smallest and largest value
        (``None`` for text, flags and columns without values).

    Examples
    --------
    >>> column_stats(pd.DataFrame({"x": [1.5, None, 3.0], "t": ["a", None, "b"]}))
    {'x': (2, 1.5, 3.0), 't': (2, None, None)}
    """
    out: dict[str, tuple[int, float | None, float | None]] = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = (int(np.count_nonzero(s.cat.codes.to_numpy() >= 0)), None, None)
        elif _kind(s) != "numeric":
            out[col] = (int(s.notna().sum()), None, None)
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":  # no missing values
            v = s.to_numpy()
            out[col] = (len(v), float(v.min()), float(v.max())) if len(v) else (0, None, None)
        else:
            v = s.to_numpy(dtype="float64", na_value=np.nan)
            n = len(v) - int(np.count_nonzero(np.isnan(v)))
            lo, hi = (float(np.fmin.reduce(v)), float(np.fmax.reduce(v))) if n else (None, None)
            out[col] = (n, lo, hi)
    return out


def merge_stats(a: dict[str, tuple], b: dict[str, tuple]) -> dict[str, tuple]:
    """The :func:`column_stats` of two parts of one table, combined.

    Parameters
    ----------
    a, b : dict
        Stats of two parts with the same columns.

    Returns
    -------
    dict
        Stats of the whole.

    Examples
    --------
    >>> merge_stats({"x": (2, 1.0, 3.0)}, {"x": (1, 0.5, 2.0)})
    {'x': (3, 0.5, 3.0)}
    """

    def pick(f, x, y):
        return y if x is None else x if y is None else f(x, y)

    return {
        col: (n + b[col][0], pick(min, lo, b[col][1]), pick(max, hi, b[col][2]))
        for col, (n, lo, hi) in a.items()
    }


def codebook_records(
    df: pd.DataFrame,
    names: dict[str, str] | None = None,
    stats: dict[str, tuple] | None = None,
) -> list[dict[str, Any]]:
    """One codebook record per column of ``df`` (label, type, values, instrument, rule).

    Parameters
    ----------
    df : DataFrame
        The table written (its ``attrs["codebook"]`` gives labels and rules).
    names : dict, optional
        Original column names to the names written (Stata shortening).
    stats : dict, optional
        :func:`column_stats` of the whole table when ``df`` is only a part of it.

    Returns
    -------
    list of dict
        ``variable, original_name, label, label_nl, type, values, n_valid, min, max,
        instrument, version, key_hash, scoring`` per column.

    Examples
    --------
    >>> codebook_records(pd.DataFrame({"person": ["p1"]}))[0]["label"]
    'Person id'
    """
    base = _base_records(df)
    stats = stats if stats is not None else column_stats(df)
    out = []
    for col in df.columns:
        rec = _describe(str(col), base)
        values = rec.pop("values", None)
        n_valid, lo, hi = stats[col]
        out.append(
            {
                "variable": (names or {}).get(col, col),
                "original_name": col if names and names.get(col, col) != col else "",
                "label": rec.get("label", ""),
                "label_nl": rec.get("label_nl", ""),
                "type": _kind(df[col]),
                "values": "; ".join(f"{v} = {k}" for k, v in values.items()) if values else "",
                "n_valid": n_valid,
                "min": "" if lo is None else f"{lo:g}",
                "max": "" if hi is None else f"{hi:g}",
                "instrument": rec.get("instrument", ""),
                "version": rec.get("version", ""),
                "key_hash": rec.get("key_hash", ""),
                "scoring": rec.get("rule", ""),
            }
        )
    return out


def _md_cell(v: Any) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def codebook_markdown(
    records: list[dict[str, Any]],
    df: pd.DataFrame,
    filename: str,
    fmt: str,
    rows: int | None = None,
) -> str:
    """The codebook as Markdown: provenance, variables, how to open the file.

    Parameters
    ----------
    records : list of dict
        :func:`codebook_records` of the table.
    df : DataFrame
        The table (or its first part: ``rows`` then gives the whole table's length).
    filename : str
        The data file's name.
    fmt : {"csv", "json", "parquet", "excel", "spss", "stata"}
        Its format.
    rows : int, optional
        Number of rows written (default ``len(df)``).

    Returns
    -------
    str
        Markdown text.

    Examples
    --------
    >>> df = pd.DataFrame({"person": ["p1"]})
    >>> codebook_markdown(codebook_records(df), df, "s.csv", "csv").splitlines()[0]
    '# Codebook: s.csv'
    """
    from .. import __version__

    lines = [f"# Codebook: {filename}", ""]
    lines.append(
        f"{len(df) if rows is None else rows} rows, {len(df.columns)} variables; "
        f"written by dyadscore {__version__}"
        + (f" from {df.attrs['file']}" if df.attrs.get("file") else "")
        + "."
    )
    prov = df.attrs.get("provenance") or []
    if prov:
        lines += [
            "",
            "## Instruments",
            "",
            "| instrument | version | key hash | missing rule | licence |",
            "|---|---|---|---|---|",
        ]
        for p in prov:
            rule = p.get("missing_rule", {})
            rule_s = (
                "complete"
                if rule.get("rule") == "complete"
                else f"prorate if >= {float(rule.get('min_answered', 0)):.0%} answered"
            )
            lines.append(
                f"| {p.get('instrument', '')} | {p.get('version', '')} | {p.get('key_hash', '')} "
                f"| {rule_s} | {p.get('licence', '')} |"
            )
    renamed = df.attrs.get("renamed") or {}
    if renamed:  # repeated export names made unique when the export was read
        lines += [
            "",
            "## Export columns renamed on reading",
            "",
            "The export repeats these names; they were made unique as R's "
            "`read.csv(check.names = TRUE)` does:",
            "",
            "| name used | name in the export |",
            "|---|---|",
            *[f"| {new} | {old} |" for new, old in renamed.items()],
        ]
    lines += [
        "",
        "## Variables",
        "",
        "| variable | label | type | values | instrument | scoring |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        inst = f"{r['instrument']} {r['version']}".strip()
        name = r["variable"] + (f" (was {r['original_name']})" if r["original_name"] else "")
        lines.append(
            "| "
            + " | ".join(
                _md_cell(x) for x in (name, r["label"], r["type"], r["values"], inst, r["scoring"])
            )
            + " |"
        )
    how = {
        "spss": f"SPSS: `GET FILE='{filename}'.`; R: `haven::read_sav(\"{filename}\")`",
        "stata": f'Stata: `use "{filename}"`; R: `haven::read_dta("{filename}")`',
        "csv": f'R: `read.csv("{filename}", na.strings = "")`; missing values are empty cells',
        "json": f'R: `jsonlite::fromJSON("{filename}")`; Python: `pandas.read_json`',
        "excel": f'R: `readxl::read_excel("{filename}")`; missing values are empty cells',
        "parquet": f'R: `arrow::read_parquet("{filename}")`; Python: `pandas.read_parquet`',
    }[fmt]
    lines += ["", "## Opening the file", "", how, ""]
    return "\n".join(lines)


# ------------------------------------------------------------------- writers
def _safe_names(columns: list[str], limit: int) -> dict[str, str]:
    """Valid, unique SPSS/Stata variable names (letters, digits, _; at most ``limit``)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", str(col))
        if not re.match(r"[A-Za-z]", name):
            name = "v" + name
        name = name[:limit]
        k = 1
        while name.lower() in used:
            k += 1
            name = f"{name[: limit - len(str(k)) - 1]}_{k}"
        used.add(name.lower())
        out[col] = name
    return out


def _labelled_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """Flags and other categoricals to integer codes with value labels; numbers as float."""
    out = {}
    value_labels: dict[str, dict[int, str]] = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy().astype("float64") + 1
            codes[s.isna().to_numpy()] = np.nan
            out[col] = codes
            value_labels[col] = {k + 1: str(c) for k, c in enumerate(cats)}
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[col] = s.astype("float64").to_numpy()
        elif pd.api.types.is_numeric_dtype(s.dtype):
            out[col] = s.to_numpy(dtype="float64", na_value=np.nan)
        else:
            out[col] = s.astype("string").fillna("").astype(object).to_numpy()
    return pd.DataFrame(out, index=df.index), value_labels


def _write_labelled(
    df: pd.DataFrame, tmp: Path, kind: str, records: list[dict], names: dict[str, str]
) -> None:
    """SPSS (labels up to 255 characters, measurement levels) or Stata 15 (80 characters)."""
    import pyreadstat

    frame, vlabels = _labelled_frame(df)
    frame = frame.rename(columns=names)
    width = 255 if kind == "spss" else 80
    labels = {
        names[c]: (r["label"] or None) and r["label"][:width]
        for c, r in zip(df.columns, records, strict=True)
    }
    if kind == "stata":
        value_labels = {names[c]: vl for c, vl in vlabels.items()}
        pyreadstat.write_dta(
            frame, str(tmp), column_labels=labels, version=15, variable_value_labels=value_labels
        )
        return
    measure = {
        names[c]: "scale" if _kind(df[c]) == "numeric" and c not in ID_LABELS else "nominal"
        for c in df.columns
    }
    pyreadstat.write_sav(
        frame,
        str(tmp),
        column_labels=labels,
        variable_value_labels={
            names[c]: {float(k): v for k, v in vl.items()} for c, vl in vlabels.items()
        },
        variable_measure=measure,
    )


def _restore_flags(df: pd.DataFrame) -> pd.DataFrame:
    """``<score>_flag`` text columns (a score CSV read back) as ok/prorated/missing categories."""
    flags = pd.CategoricalDtype(list(FLAG_CODES))
    out = None
    for col in df.columns:
        s = df[col]
        if not str(col).endswith("_flag") or isinstance(s.dtype, pd.CategoricalDtype):
            continue
        if set(s.dropna().astype(str)) <= set(FLAG_CODES):
            out = df.copy() if out is None else out
            out[col] = s.astype("string").astype(flags)
    if out is None:
        return df
    out.attrs.update(df.attrs)
    return out


def sidecar_paths(path: str | os.PathLike) -> tuple[Path, Path, Path]:
    """The files written beside a score file: its codebook (Markdown, CSV) and metadata.

    Parameters
    ----------
    path : path
        The score file.

    Returns
    -------
    tuple of Path
        ``<file>.codebook.md``, ``<file>.codebook.csv``, ``<file>.meta.json``.

    Examples
    --------
    >>> [p.name for p in sidecar_paths("scores.sav")]
    ['scores.sav.codebook.md', 'scores.sav.codebook.csv', 'scores.sav.meta.json']
    """
    return Path(f"{path}.codebook.md"), Path(f"{path}.codebook.csv"), Path(f"{path}.meta.json")


def score_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format a score file is written in: ``fmt``, else by the extension (none: CSV).

    Parameters
    ----------
    path : path
        The output file.
    fmt : {"csv", "json", "parquet", "excel", "spss", "stata"}, optional
        The format, overriding the extension.

    Returns
    -------
    str
        One of the formats above.

    Examples
    --------
    >>> score_format("scores.dta"), score_format("scores.csv"), score_format("s", "spss")
    ('stata', 'csv', 'spss')
    """
    if fmt:
        if fmt not in set(FORMATS.values()):
            raise InputError(
                f"unknown output format {fmt!r}; expected spss, stata, csv, json, parquet or excel"
            )
        return fmt
    suffix = Path(path).suffix.lower()
    if not suffix:
        return "csv"
    if suffix not in FORMATS:
        raise InputError(
            f"{path}: cannot write {suffix} files; expected .csv, .json, .parquet, .xlsx, .sav "
            "or .dta (or name the format with --format)"
        )
    return FORMATS[suffix]


def score_meta(df: pd.DataFrame) -> dict[str, Any]:
    """The metadata saved with a score table: provenance, codebook and renamed columns.

    Parameters
    ----------
    df : DataFrame
        ``ds.score`` output (or a reshaped copy).

    Returns
    -------
    dict
        ``provenance`` and ``codebook`` (from ``df.attrs``), and ``renamed`` when the
        export's repeated column names were made unique on reading.

    Examples
    --------
    >>> score_meta(pd.DataFrame({"person": ["p1"]}))
    {'provenance': [], 'codebook': []}
    """
    meta = {
        "provenance": list(df.attrs.get("provenance") or []),
        "codebook": list(df.attrs.get("codebook") or []),
    }
    if df.attrs.get("renamed"):
        meta["renamed"] = dict(df.attrs["renamed"])
    return meta


def write_sidecars(
    path: str | os.PathLike,
    df: pd.DataFrame,
    kind: str,
    *,
    records: list[dict[str, Any]] | None = None,
    rows: int | None = None,
) -> list[Path]:
    """Write the codebook (``.codebook.md``, ``.codebook.csv``) and ``.meta.json`` of a score file.

    Parameters
    ----------
    path : path
        The score file they describe.
    df : DataFrame
        The score table (or its first part, with ``records`` and ``rows`` of the whole).
    kind : str
        The score file's format (:func:`score_format`).
    records : list of dict, optional
        :func:`codebook_records` (default: computed from ``df``).
    rows : int, optional
        Rows in the score file (default ``len(df)``).

    Returns
    -------
    list of Path
        The three files written.

    Examples
    --------
    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> [p.name for p in write_sidecars(out, pd.DataFrame({"person": ["p1"]}), "csv")]
    ['s.csv.codebook.md', 's.csv.codebook.csv', 's.csv.meta.json']
    """
    from ..io import write_text

    md_path, csv_path, meta_path = sidecar_paths(path)
    records = codebook_records(df) if records is None else records
    write_text(codebook_markdown(records, df, Path(path).name, kind, rows), md_path, force=True)
    with atomic_path(csv_path, force=True) as tmp:
        pd.DataFrame(records).to_csv(tmp, index=False, encoding="utf-8")
    write_text(json.dumps(score_meta(df), indent=2, default=str), meta_path, force=True)
    return [md_path, csv_path, meta_path]


def write_scores(
    df: pd.DataFrame,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    force: bool = False,
    codebook: bool = True,
) -> list[Path]:
    """Write a score or dyadic table, with its codebook and metadata beside it.

    The one writer of score tables: CSV (UTF-8, ``.`` decimals, empty cells for missing
    values, formula-like text guarded with ``'``), JSON records, Excel, Parquet
    (provenance and codebook also in the schema metadata), SPSS ``.sav`` and Stata
    ``.dta`` (variable and value labels). Beside the file: ``<file>.codebook.md``,
    ``<file>.codebook.csv`` and ``<file>.meta.json`` (provenance, the scoring codebook;
    what ``dyadscore convert`` reads back).

    Parameters
    ----------
    df : DataFrame
        ``ds.score`` output or a reshaped copy; ``attrs["codebook"]`` and
        ``attrs["provenance"]`` (set by ``ds.score``) give labels and instrument versions.
    path : path or ``"-"``
        Output file; the extension picks the format (``.csv``, ``.json``, ``.parquet``,
        ``.xlsx``, ``.sav``, ``.dta``; none: CSV) unless ``fmt`` is given. ``"-"`` writes
        CSV to standard output, without codebook.
    fmt : {"csv", "json", "parquet", "excel", "spss", "stata"}, optional
        The format.
    force : bool
        Overwrite existing files.
    codebook : bool
        Write the codebook and metadata files beside the file.

    Returns
    -------
    list of Path
        The data file, then ``.codebook.md``, ``.codebook.csv`` and ``.meta.json``.

    Raises
    ------
    InputError
        Unknown format, existing files without ``force``, missing folder.

    Examples
    --------
    >>> write_scores(pd.DataFrame({"person": ["p1"]}), "out.xyz")
    Traceback (most recent call last):
    ...
    dyadscore.errors.InputError: out.xyz: cannot write .xyz files; expected .csv, ...
    """
    from ..io import write_frame, write_table

    name = str(path)
    if name == "-":
        return [write_table(df, "-")]
    kind = score_format(name, fmt)
    df = _restore_flags(df)
    targets = [Path(name), *(sidecar_paths(name) if codebook else ())]
    check_targets(targets, force)
    names = {c: c for c in df.columns}
    if kind in ("spss", "stata"):
        names = _safe_names(list(df.columns), 64 if kind == "spss" else 32)
    records = codebook_records(df, names)
    with atomic_path(name, force=force) as tmp:
        if kind in ("spss", "stata"):
            _write_labelled(df, tmp, kind, records, names)
        else:
            write_frame(df, tmp, kind, score_meta(df))
    if codebook:
        write_sidecars(name, df, kind, records=records)
    return targets


def load_meta(path: str | os.PathLike) -> dict[str, Any]:
    """Provenance and codebook saved beside a score file (``<file>.meta.json``) or in Parquet.

    Examples
    --------
    >>> load_meta("no/such/file.csv")
    {}
    """
    p = Path(path)
    side = Path(f"{p}.meta.json")
    if side.is_file():
        try:
            return json.loads(side.read_text(encoding="utf-8"))
        except ValueError:
            raise InputError(
                f"{side}: not valid JSON; delete it or write the scores again"
            ) from None
    if p.suffix.lower() in (".parquet", ".pq") and p.is_file():
        import pyarrow.parquet as pq

        raw = (pq.read_schema(p).metadata or {}).get(b"dyadscore")
        if raw:
            return json.loads(raw)
    return {}
