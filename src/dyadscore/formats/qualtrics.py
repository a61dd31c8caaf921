"""Qualtrics CSV response exports (current three-header format and the legacy format).

Documented layout (Qualtrics support, "Understanding Your Dataset",
https://www.qualtrics.com/support/survey-platform/data-and-analysis-module/data/download-data/understanding-your-dataset/):
CSV and TSV exports carry **three header rows**: the field's export name (``StartDate``,
``ResponseId``, ``Q1``, ``Q2_1`` ...), the question text (for matrix statements
``"question - statement"``) and an ImportId JSON object per column
(``{"ImportId":"QID2_1"}``). Answers are exported either as numeric values (the choice
recode) or as choice text. The **legacy** exporter writes two header rows only (names,
then question text) and names the response id ``ResponseID`` (qualtRics ``read_survey``,
https://rdrr.io/cran/qualtRics/man/readSurvey.html, reads it with ``skip = 2`` instead of 3).

Repeated export names (legacy matrix exports, "insights" exports) are made unique the
way R's ``read.csv(check.names=TRUE)`` does: ``Q1``, ``Q1.1``, ``Q1.2`` (listed in
``attrs["renamed"]``). The response id is ``ResponseId`` (current), ``ResponseID``
(legacy and the 2016-17 three-header layout) or the column whose ImportId is
``_recordId``; it is never replaced, and ``ExternalReference`` /
``ExternalDataReference`` are kept beside it.

Examples
--------
>>> looks_like_qualtrics(['StartDate', 'Q1'], ['Start Date', 'Q'], ['{"ImportId":"startDate"}', '{"ImportId":"QID1"}'])
'qualtrics'
"""

from __future__ import annotations

import json
import os
import re

import pandas as pd

from ..errors import InputError
from ._base import coerce_frame, finish, make_unique, read_cells

# columns Qualtrics adds to every export (current and legacy names)
META_COLUMNS = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "LocationAccuracy",
    "DistributionChannel",
    "UserLanguage",
    "ResponseID",
    "ResponseSet",
    "Name",
    "ExternalDataReference",
    "EmailAddress",
]
_LEGACY_MARKERS = {"ResponseID", "ResponseSet"}
# the response id (current, legacy/2016-17 spelling) and the ids a researcher links on
ID_COLUMNS = ["ResponseId", "ResponseID", "ExternalReference", "ExternalDataReference"]
_ID_IMPORT = {"_recordId": "ResponseId", "responseId": "ResponseId"}
_HTML = re.compile(r"<[^>]+>")


def _is_import_id(cell: str) -> bool:
    return cell.strip().startswith('{"ImportId"') or cell.strip().startswith("{'ImportId'")


def looks_like_qualtrics(row0: list[str], row1: list[str], row2: list[str]) -> str | None:
    """``"qualtrics"`` / ``"qualtrics-legacy"`` when the first rows match, else None."""
    cells = [c for c in row2 if c.strip()]
    if cells and sum(_is_import_id(c) for c in cells) >= max(1, len(cells) // 2):
        return "qualtrics"
    if _LEGACY_MARKERS <= set(row0) and row1:
        return "qualtrics-legacy"
    if {"V1", "V2"} <= set(row0) and _LEGACY_MARKERS <= set(row1):  # older: V1..V10 names
        return "qualtrics-legacy"
    return None


def _import_id(cell: str) -> str:
    try:
        return str(json.loads(cell).get("ImportId", ""))
    except (ValueError, AttributeError):
        m = re.search(r"ImportId['\"]?\s*:\s*['\"]([^'\"]+)", cell)
        return m.group(1) if m else ""


def read_qualtrics(path: str | os.PathLike, *, legacy: bool | None = None) -> pd.DataFrame:
    """Read a Qualtrics CSV/TSV export (numeric values or choice text).

    Column names are the export names of the first header row; the question text
    goes to ``attrs["labels"]`` (HTML stripped) and the ImportIds to
    ``attrs["import_ids"]``. Choice text stays text here; the mapping step turns it
    into numbers with the instrument's answer labels.

    Parameters
    ----------
    path : path to the export
    legacy : bool, optional
        Force the legacy (two header rows) or current (three) layout; default: detect.

    Examples
    --------
    >>> read_qualtrics("tests/fixtures/qualtrics/numeric.csv").attrs["platform"]
    'qualtrics'
    """
    cells = read_cells(path)
    name = str(path)
    if cells.shape[0] < 3:
        raise InputError(
            f"{name}: a Qualtrics export has 2-3 header rows and then data; found "
            f"{cells.shape[0]} row(s)"
        )
    rows = [cells.iloc[i].tolist() for i in range(3)]
    kind = looks_like_qualtrics(*rows)
    if legacy is None:
        if kind is None:
            raise InputError(
                f"{name}: not a Qualtrics export: row 3 has no ImportId cells and row 1 no "
                "ResponseID/ResponseSet columns; export as CSV with the default options"
            )
        legacy = kind == "qualtrics-legacy"
    n_head = 2 if legacy else 3
    names = [c.strip() for c in rows[0]]
    if _LEGACY_MARKERS <= set(rows[1]) and not _LEGACY_MARKERS <= set(names):
        # V1..V10 in the first row stand for ResponseID, ResponseSet ... in the second
        names = [rows[1][i].strip() if re.fullmatch(r"V\d+", n) else n for i, n in enumerate(names)]
    keep = [i for i, c in enumerate(names) if c or (cells.iloc[n_head:, i] != "").any()]
    # Qualtrics may end every line with a comma: an unnamed, empty last column
    data = cells.iloc[n_head:, keep].reset_index(drop=True)
    # legacy matrix and "insights" exports repeat names: name, name.1, ... as R's read.csv
    unique, renamed = make_unique([names[i] or f"column_{i + 1}" for i in keep])
    data.columns = unique
    labels = {u: _HTML.sub("", rows[1][i]).strip() for u, i in zip(unique, keep, strict=True)}
    import_ids = (
        {} if legacy else {u: _import_id(rows[2][i]) for u, i in zip(unique, keep, strict=True)}
    )
    ids = [c for c in ID_COLUMNS if c in data.columns]
    ids += [c for c, imp in import_ids.items() if imp in _ID_IMPORT and c not in ids]
    person = [c for c in ids if c in ("ResponseId", "ResponseID")]
    person += [c for c, imp in import_ids.items() if imp in _ID_IMPORT and c not in person]
    data = coerce_frame(data, skip=set(ids))
    return finish(
        data,
        name=name,
        platform="qualtrics",
        labels=labels,
        person=person,
        meta=META_COLUMNS,
        ids=ids,
        import_ids=import_ids,
        renamed=renamed,
        layout="legacy" if legacy else "three-header",
    )
