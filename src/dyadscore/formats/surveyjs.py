"""SurveyJS result JSON and formr result exports.

**SurveyJS**: a completed survey's result is a JSON object keyed by question name
(``survey.data``; a rating question holds a number, a matrix question an object
``{row: column value}``), and the application stores those objects itself
(SurveyJS docs, "Access Survey Results" and "Store Survey Results",
https://surveyjs.io/form-library/documentation/handle-survey-results-access,
https://surveyjs.io/form-library/documentation/handle-survey-results-store). This reader
takes a file holding a JSON array of result objects, an object with such an array under
``results`` or ``data``, or one result object per line (JSON Lines). Matrix answers
become ``question.row`` columns.

**formr**: results download as CSV, Excel or JSON with the session columns ``session,
created, modified, ended, expired`` and one column per item; an item whose name ends in
``R`` is reverse-keyed (formr wiki, "How to create feedback", naming convention
``BFI_extra1R``, https://github.com/rubenarslan/formr.org/wiki/How-to-create-feedback;
``formr_reverse``, https://rdrr.io/github/rubenarslan/formr/man/formr_reverse.html: the
download holds the raw answers, reversing is left to the analysis). This reader drops
the ``R`` from such names (``sat3R`` -> ``sat3``) and records them in
``attrs["reversed_in_source"]`` so the mapping step can check them against the
instrument's keys.

Examples
--------
>>> strip_reverse_suffix(["session", "sat3R", "sat1", "HAIR"])
({'sat3R': 'sat3'}, ['sat3'])
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..columns import PERSON_CANDIDATES
from ..errors import InputError
from ._base import check_file, coerce_frame, finish, read_cells

FORMR_SESSION = ["session", "created", "modified", "ended", "expired"]
_REVERSED = re.compile(r"^(?P<stem>.*\d)R$")
PERSON_KEYS = [*PERSON_CANDIDATES, "userId", "user_id"]


def _load_json(path: Path) -> Any:
    text = path.read_text(encoding="utf-8-sig")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        try:
            return [json.loads(ln) for ln in lines]
        except json.JSONDecodeError:
            raise InputError(
                f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); expected an array of "
                "survey result objects"
            ) from None


def result_records(data: Any, name: str) -> list[dict]:
    """The list of result objects in a parsed SurveyJS/formr JSON file."""
    if isinstance(data, dict):
        for key in ("results", "data", "responses"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list) or not data:
        raise InputError(f"{name}: no survey results; expected a JSON array of result objects")
    bad = next((i for i, r in enumerate(data) if not isinstance(r, dict)), None)
    if bad is not None:
        raise InputError(
            f"{name}: result {bad + 1} is a {type(data[bad]).__name__}, not an object; expected "
            "one object per completed survey"
        )
    return data


def _flatten(records: list[dict]) -> pd.DataFrame:
    df = pd.json_normalize(records, sep=".")
    for col in df.columns:  # checkbox answers are arrays
        if df[col].map(lambda v: isinstance(v, list)).any():
            df[col] = df[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, list) else v)
    return df


def read_surveyjs(path: str | os.PathLike) -> pd.DataFrame:
    """Read SurveyJS results (JSON array, wrapped array or JSON Lines).

    Examples
    --------
    >>> read_surveyjs("tests/fixtures/surveyjs/results.json").attrs["platform"]
    'surveyjs'
    """
    p = check_file(path)
    records = result_records(_load_json(p), str(p))
    df = _flatten(records)
    df = coerce_frame(df.astype(object).where(df.notna(), ""), skip=set())
    person = [k for k in PERSON_KEYS if k in df.columns]
    return finish(df, name=str(p), platform="surveyjs", person=person)


def strip_reverse_suffix(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """formr names ending in a digit + ``R``: ``({old: new}, [reversed stems])``."""
    rename = {}
    for c in columns:
        m = _REVERSED.match(str(c))
        if m and m["stem"] not in columns:
            rename[c] = m["stem"]
    return rename, list(rename.values())


def looks_like_formr(header: list[str]) -> str | None:
    """``"formr"`` when the formr session columns are there, else None."""
    return (
        "formr"
        if {"session", "created"} <= set(header) and ({"ended", "modified"} & set(header))
        else None
    )


def read_formr(path: str | os.PathLike) -> pd.DataFrame:
    """Read a formr results download (CSV, Excel .xlsx or JSON).

    Examples
    --------
    >>> read_formr("tests/fixtures/formr/results.csv").attrs["reversed_in_source"]
    ['sat3']
    """
    p = check_file(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        df = _flatten(result_records(_load_json(p), str(p)))
        df = df.astype(object).where(df.notna(), "")
    elif suffix in (".xlsx", ".xlsm"):
        df = pd.read_excel(p, dtype=str, engine="openpyxl").fillna("")
    else:
        df = read_cells(p, header=True)
    df.columns = [str(c) for c in df.columns]
    rename, reversed_items = strip_reverse_suffix(list(df.columns))
    df = coerce_frame(df.rename(columns=rename), skip={"session"})
    return finish(
        df,
        name=str(p),
        platform="formr",
        person=["session"],
        meta=FORMR_SESSION,
        reversed_in_source=reversed_items,
    )
