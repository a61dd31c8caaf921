"""Scores and dyadic tables for SPSS, Stata, R and Parquet, each with a codebook beside it.

:func:`write_scores` writes a score table (``ds.score`` output) or any dyadic shape made
from it (``to_pairwise``: ``<v>_actor``/``<v>_partner``; ``to_dyad``: ``<v>_<role>``) to

- SPSS ``.sav`` with variable labels, value labels (scoring flags 1 ok, 2 prorated,
  3 missing) and measurement levels,
- Stata ``.dta`` (version 15) with variable and value labels; names longer than 32
  characters are shortened (the codebook lists the original),
- R-friendly CSV: UTF-8 without BOM, ``.`` decimals, ``NA`` for missing values, text
  cells that a spreadsheet would run as formulas prefixed with ``'``,
- Parquet, with provenance and codebook in the schema metadata,

and always a codebook ``<file>.codebook.md`` and ``<file>.codebook.csv`` beside it:
every variable's label, type, value labels, instrument, version, key hash and scoring
rule. Writes are atomic; existing files are kept unless ``force=True``.

Examples
--------
>>> import dyadscore as ds, tempfile, os
>>> df = ds.score(pd.DataFrame({"person": ["p1"], "sat1": [5], "sat2": [4], "sat3": [1],
...                             "sat4": [5], "sat5": [4]}), "relationship-satisfaction")
>>> paths = write_scores(df, os.path.join(tempfile.mkdtemp(), "scores.sav"))
>>> [p.name for p in paths]
['scores.sav', 'scores.sav.codebook.md', 'scores.sav.codebook.csv']
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
from ..io import atomic_path, guard_formulas

FORMATS = {
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
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


def _fmt(path: str, fmt: str | None) -> str:
    if fmt:
        if fmt not in set(FORMATS.values()):
            raise InputError(f"unknown output format {fmt!r}; expected spss, stata, csv or parquet")
        return fmt
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: cannot tell the output format from the extension; use .sav, .dta, .csv "
            "or .parquet (or name the format with --format)"
        )
    return kind


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


def codebook_records(df: pd.DataFrame, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One codebook record per column of ``df`` (label, type, values, instrument, rule).

    ``names`` maps original column names to the names written (Stata shortening).

    Examples
    --------
    >>> codebook_records(pd.DataFrame({"person": ["p1"]}))[0]["label"]
    'Person id'
    """
    base = _base_records(df)
    out = []
    for col in df.columns:
        s = df[col]
        rec = _describe(str(col), base)
        values = rec.pop("values", None)
        num = pd.to_numeric(s, errors="coerce") if _kind(s) == "numeric" else None
        out.append(
            {
                "variable": (names or {}).get(col, col),
                "original_name": col if names and names.get(col, col) != col else "",
                "label": rec.get("label", ""),
                "label_nl": rec.get("label_nl", ""),
                "type": _kind(s),
                "values": "; ".join(f"{v} = {k}" for k, v in values.items()) if values else "",
                "n_valid": int(s.notna().sum()),
                "min": "" if num is None or num.notna().sum() == 0 else f"{num.min():g}",
                "max": "" if num is None or num.notna().sum() == 0 else f"{num.max():g}",
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
    records: list[dict[str, Any]], df: pd.DataFrame, filename: str, fmt: str
) -> str:
    """The codebook as Markdown: provenance, variables, how to open the file."""
    from .. import __version__

    lines = [f"# Codebook: {filename}", ""]
    lines.append(
        f"{len(df)} rows, {len(df.columns)} variables; written by dyadscore {__version__}"
        + (f" from {df.attrs['source']}" if df.attrs.get("source") else "")
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
        "csv": f'R: `read.csv("{filename}", na.strings = "NA")`; missing values are `NA`',
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


def _write_spss(df: pd.DataFrame, tmp: Path, records: list[dict], names: dict[str, str]) -> None:
    import pyreadstat

    frame, vlabels = _labelled_frame(df)
    frame = frame.rename(columns=names)
    labels = {
        names[c]: (r["label"] or None) and r["label"][:255]
        for c, r in zip(df.columns, records, strict=True)
    }
    measure = {}
    for c in df.columns:
        kind = _kind(df[c])
        measure[names[c]] = "scale" if kind == "numeric" and c not in ID_LABELS else "nominal"
    pyreadstat.write_sav(
        frame,
        str(tmp),
        column_labels=labels,
        variable_value_labels={
            names[c]: {float(k): v for k, v in vl.items()} for c, vl in vlabels.items()
        },
        variable_measure=measure,
    )


def _write_stata(df: pd.DataFrame, tmp: Path, records: list[dict], names: dict[str, str]) -> None:
    import pyreadstat

    frame, vlabels = _labelled_frame(df)
    frame = frame.rename(columns=names)
    labels = {
        names[c]: (r["label"] or None) and r["label"][:80]
        for c, r in zip(df.columns, records, strict=True)
    }
    pyreadstat.write_dta(
        frame,
        str(tmp),
        column_labels=labels,
        version=15,
        variable_value_labels={names[c]: vl for c, vl in vlabels.items()},
    )


def _write_csv(df: pd.DataFrame, tmp: Path) -> None:
    frame = guard_formulas(df)
    frame.to_csv(tmp, index=False, na_rep="NA", encoding="utf-8", lineterminator="\n")


def _write_parquet(df: pd.DataFrame, tmp: Path, records: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {"provenance": df.attrs.get("provenance") or [], "codebook": records}
    merged = dict(table.schema.metadata or {})
    merged[b"dyadscore"] = json.dumps(meta, default=str).encode()
    pq.write_table(table.replace_schema_metadata(merged), str(tmp))


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


def codebook_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``scores.sav`` -> (``scores.sav.codebook.md``, ``scores.sav.codebook.csv``)."""
    return Path(f"{path}.codebook.md"), Path(f"{path}.codebook.csv")


def write_scores(
    df: pd.DataFrame,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    force: bool = False,
    codebook: bool = True,
) -> list[Path]:
    """Write a score or dyadic table for SPSS, Stata, R (CSV) or Parquet, plus its codebook.

    Parameters
    ----------
    df : DataFrame
        ``ds.score`` output or a reshaped copy; ``attrs["codebook"]`` and
        ``attrs["provenance"]`` (set by ``ds.score``) give labels and instrument versions.
    path : output file; the extension picks the format (``.sav``, ``.dta``, ``.csv``,
        ``.parquet``) unless ``fmt`` is given
    fmt : {"spss", "stata", "csv", "parquet"}, optional
    force : bool
        Overwrite existing files.
    codebook : bool
        Write ``<file>.codebook.md`` and ``<file>.codebook.csv`` beside the file.

    Returns
    -------
    list of Path
        The data file, then the codebook files.

    Raises
    ------
    InputError
        Unknown format, existing files without ``force``, missing folder.

    Examples
    --------
    >>> write_scores(pd.DataFrame({"person": ["p1"]}), "out.xyz")
    Traceback (most recent call last):
    ...
    dyadscore.errors.InputError: out.xyz: cannot tell the output format from the extension; ...
    """
    name = str(path)
    kind = _fmt(name, fmt)
    df = _restore_flags(df)
    md_path, csv_path = codebook_paths(name)
    targets = [Path(name)] + ([md_path, csv_path] if codebook else [])
    if not force:
        for t in targets:
            if t.exists():
                raise InputError(f"{t}: already exists; use --force (Python: force) to overwrite")
    names = {c: c for c in df.columns}
    if kind == "spss":
        names = _safe_names(list(df.columns), 64)
    elif kind == "stata":
        names = _safe_names(list(df.columns), 32)
    records = codebook_records(df, names)
    with atomic_path(name, force=force) as tmp:
        if kind == "spss":
            _write_spss(df, tmp, records, names)
        elif kind == "stata":
            _write_stata(df, tmp, records, names)
        elif kind == "csv":
            _write_csv(df, tmp)
        else:
            _write_parquet(df, tmp, records)
    if codebook:
        from ..io import write_text

        write_text(codebook_markdown(records, df, Path(name).name, kind), md_path, force=True)
        with atomic_path(csv_path, force=True) as tmp:
            pd.DataFrame(records).to_csv(tmp, index=False, encoding="utf-8")
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
