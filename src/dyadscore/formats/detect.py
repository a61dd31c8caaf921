"""Which platform exported a file: decided from the extension and the first rows only.

Signatures (each reader module documents its source):

=============  ===============================================================
spss / stata   ``.sav``/``.zsav``/``.por`` / ``.dta`` extension
qualtrics      row 3 holds ``{"ImportId": ...}`` cells, or legacy: row 1 has
               ``ResponseID`` and ``ResponseSet``
redcap         first column ``record_id`` or any ``redcap_*`` column; labels
               headers: first column ``Record ID`` plus ``Event Name`` /
               ``Repeat Instrument`` / ``Complete?``; a ``.json`` array of such
               records (the API's flat JSON)
limesurvey     ``submitdate``, ``lastpage`` and ``startlanguage`` columns
formr          ``session`` and ``created`` plus ``ended`` or ``modified``
surveyjs       ``.json`` holding result objects without the formr or REDCap keys
csv / excel /  the project's own formats: a person id column (``person``, ``id``
parquet        ...) or the long shape ``person, item, value``
=============  ===============================================================

When no signature matches, or two do, :func:`detect_source` says so (``strict=True``)
instead of guessing.

Examples
--------
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
>>> _ = open(p, "w").write("record_id,redcap_event_name,sat1\\n1,baseline_arm_1,4\\n")
>>> detect_source(p)
'redcap'
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from ..columns import PERSON_CANDIDATES
from ..errors import InputError
from ..sources import SOURCES
from ._base import head_text, sniff_separator
from .limesurvey import looks_like_limesurvey
from .qualtrics import looks_like_qualtrics
from .redcap import looks_like_redcap
from .surveyjs import PERSON_KEYS, looks_like_formr

OWN_PERSON = PERSON_CANDIDATES  # the project's own format: a person-id column
_HINT = (
    "name the platform with --source (qualtrics|redcap|limesurvey|surveyjs|formr|"
    "spss|stata|csv), or add a 'person' column for the project's own format"
)


def _first_rows(text: str, n: int = 3) -> list[list[str]]:
    sep = sniff_separator(text)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    rows = []
    try:
        for row in reader:
            if row:
                rows.append([c.strip() for c in row])
            if len(rows) >= n:
                break
    except csv.Error:
        pass
    while len(rows) < n:
        rows.append([])
    return rows


def _signatures(rows: list[list[str]]) -> list[str]:
    header = rows[0]
    found = []
    if looks_like_qualtrics(*rows):
        found.append("qualtrics")
    if looks_like_redcap(header):
        found.append("redcap")
    if looks_like_limesurvey(header):
        found.append("limesurvey")
    if looks_like_formr(header):
        found.append("formr")
    return found


def _own(header: list[str]) -> bool:
    cols = set(header)
    return bool(cols & set(OWN_PERSON)) or {"item", "value"} <= cols


def _first_object(text: str) -> list | None:
    """The first record of JSON text cut off by the sample (a large export), or of JSON lines."""
    body = text.lstrip()
    start = 1 if body.startswith("[") else 0
    while start < len(body) and body[start].isspace():
        start += 1
    try:
        first, _ = json.JSONDecoder().raw_decode(body, start)
    except ValueError:
        return None
    return [first]


def _detect_json(p: Path, strict: bool) -> str:
    text = head_text(p, 1 << 20) or ""
    try:
        data = json.loads(text)
    except ValueError:
        data = _first_object(text)
    if isinstance(data, dict):
        data = next(
            (data[k] for k in ("results", "data", "responses") if isinstance(data.get(k), list)),
            [data],
        )
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
    if first is None:
        if strict:
            raise InputError(f"{p}: cannot tell what this JSON holds; {_HINT}")
        return "json"
    keys = list(first)
    if looks_like_formr(keys):
        return "formr"
    if looks_like_redcap(keys) == "redcap":  # the API's flat JSON: record_id, redcap_*
        return "redcap"
    if "person" in keys or {"item", "value"} <= set(keys):
        return "json"
    return "surveyjs"


def detect_source(path: str | os.PathLike, *, strict: bool = True) -> str:
    """Name of the platform (or own format) that wrote ``path``.

    Parameters
    ----------
    path : path to the export (``"-"`` is the project's own CSV on stdin)
    strict : bool
        When no signature matches: raise (default) or return ``"csv"`` and let the
        reader complain about what is missing.

    Raises
    ------
    InputError
        No signature matches (``strict``), or two platforms' signatures do.

    Examples
    --------
    >>> detect_source("scores.sav"), detect_source("old.por"), detect_source("panel.dta")
    ('spss', 'spss', 'stata')
    """
    name = str(path)
    if name == "-":
        return "csv"
    p = Path(name)
    suffix = p.suffix.lower()
    if suffix in (".sav", ".zsav", ".por"):
        return "spss"
    if suffix == ".dta":
        return "stata"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "excel"
    if not p.is_file() or p.stat().st_size == 0:
        return "csv"  # the reader gives the precise message
    if suffix in (".json", ".jsonl", ".ndjson"):
        return _detect_json(p, strict)
    text = head_text(p)
    if text is None or not text.strip("\ufeff \t\r\n"):
        return "csv"  # not UTF-8, or only a BOM/blank lines: read_table names the problem
    rows = _first_rows(text)
    found = _signatures(rows)
    if len(found) > 1:
        raise InputError(
            f"{name}: looks like a {found[0]} and a {found[1]} export at once; "
            f"name one with --source {found[0]} or --source {found[1]}"
        )
    if found:
        return found[0]
    if _own(rows[0]) or not strict:
        return "csv"
    shown = ", ".join(rows[0][:6]) + (", ..." if len(rows[0]) > 6 else "")
    raise InputError(
        f"{name}: cannot tell which platform exported this file (columns: {shown}); no "
        f"Qualtrics ImportId row, REDCap record_id, LimeSurvey submitdate or formr session "
        f"column, and no person id column; {_HINT}"
    )


__all__ = ["SOURCES", "detect_source", "PERSON_KEYS"]
