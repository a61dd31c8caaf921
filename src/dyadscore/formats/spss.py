"""SPSS ``.sav``/``.zsav``/``.por`` and Stata ``.dta`` files, read with pyreadstat.

Variable labels go to ``attrs["labels"]``, value labels to ``attrs["value_labels"]``.
SPSS user-defined missing values (discrete codes or ranges, e.g. ``-99`` "refused", and
codes of string variables, e.g. ``"NA"``) are set to NaN and listed in ``attrs["missing_codes"]``; Stata's extended missing values
(``.a`` ... ``.z``) arrive as NaN. pyreadstat documentation:
https://ofajardo.github.io/pyreadstat_documentation/_build/html/index.html
(``read_sav(user_missing=True)`` returns the codes and ``meta.missing_ranges``).

Examples
--------
>>> read_spss("tests/fixtures/spss/couples.sav").attrs["platform"]
'spss'
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ._base import check_file, finish


def _pyreadstat():
    try:
        import pyreadstat
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError(
            "reading SPSS/Stata files needs pyreadstat: pip install pyreadstat"
        ) from None
    return pyreadstat


def _apply_missing(df: pd.DataFrame, ranges: dict[str, list[dict]]) -> dict[str, list]:
    """Set SPSS user-missing values to NaN: numeric codes and ranges, and string codes."""
    codes: dict[str, list] = {}
    for col, spans in ranges.items():
        if col not in df.columns:
            continue
        if pd.api.types.is_numeric_dtype(df[col].dtype):
            values = df[col].to_numpy(dtype="float64", na_value=np.nan)
            hit = np.zeros(len(values), dtype=bool)
            for span in spans:
                lo, hi = float(span["lo"]), float(span["hi"])
                hit |= (values >= lo) & (values <= hi)
                codes.setdefault(col, []).append(lo if lo == hi else (lo, hi))
            df[col] = np.where(hit, np.nan, values)
            continue
        # string variables: discrete codes only (SPSS allows no ranges for strings);
        # SPSS pads string values with blanks, so compare without trailing blanks
        wanted = [str(span["lo"]).rstrip() for span in spans if span["lo"] == span["hi"]]
        if not wanted:
            continue
        text = df[col].astype("string").str.rstrip()
        df[col] = df[col].mask(text.isin(wanted).fillna(False).to_numpy(dtype=bool))
        codes[col] = wanted
    return codes


def _read(path: str | os.PathLike, kind: str) -> pd.DataFrame:
    p = check_file(path)
    prs = _pyreadstat()
    portable = kind == "spss" and p.suffix.lower() == ".por"
    try:
        if portable:  # SPSS portable file: no user-missing values in pyreadstat's reader
            df, meta = prs.read_por(str(p))
        elif kind == "spss":
            df, meta = prs.read_sav(str(p), user_missing=True)
        else:
            df, meta = prs.read_dta(str(p))
    except Exception as exc:  # noqa: BLE001 - library errors become one line
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        what = (
            "an SPSS portable (.por)"
            if portable
            else ("an SPSS .sav" if kind == "spss" else "a Stata .dta")
        )
        hint = "; open it in SPSS or PSPP and save it as .sav" if portable else ""
        raise InputError(f"{p}: cannot read as {what} file: {msg}{hint}") from None
    missing = _apply_missing(df, getattr(meta, "missing_ranges", {}) or {})
    labels = {k: v for k, v in (meta.column_names_to_labels or {}).items() if v}
    value_labels: dict[str, dict[Any, str]] = dict(meta.variable_value_labels or {})
    return finish(
        df,
        name=str(p),
        platform=kind,
        labels=labels,
        value_labels=value_labels,
        missing_codes=missing,
    )


def read_spss(path: str | os.PathLike) -> pd.DataFrame:
    """Read an SPSS ``.sav``/``.zsav`` file (user-missing codes set to NaN) or ``.por`` file.

    User-missing values of numeric variables (codes and ranges) and of string variables
    (codes) become missing, as pyreadstat's ``read_sav`` reports them. A portable
    ``.por`` file is read with ``pyreadstat.read_por`` (user-missing declarations of a
    ``.por`` file are not available there: declare such codes under ``missing:`` in a
    mapping, or save the file as ``.sav`` in SPSS/PSPP).

    Examples
    --------
    >>> read_spss("tests/fixtures/spss/couples.sav").shape
    (4, 8)
    """
    return _read(path, "spss")


def read_stata(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Stata ``.dta`` file.

    Examples
    --------
    >>> read_stata("tests/fixtures/spss/couples.dta").attrs["platform"]
    'stata'
    """
    return _read(path, "stata")
