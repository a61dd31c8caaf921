"""REDCap record exports ("raw" or "labels" CSV, or flat JSON), incl. events, repeating
instruments, checkboxes.

What the readers rely on, and where it is documented:

- one row per record (classic), per record and event (longitudinal, ``redcap_event_name``),
  plus one row per repeated instance (``redcap_repeat_instrument``,
  ``redcap_repeat_instance``); fields of other instruments are empty on those rows
  (https://doh-axg5303.github.io/quarto_test/intro_data_structure.html;
  https://help.redcap.ualberta.ca/help-and-faq/repeating-instruments-events);
- the first field is the record id (``record_id`` by default; in a labels export its
  label, whatever the project named it);
- a checkbox field exports one column per choice, ``<field>___<code>``, 1 = checked,
  0 = unchecked (https://rdocumentation.org/packages/redcapAPI/versions/2.5.0/topics/exportFieldNames);
  in a "labels" export the cells read ``Checked`` / ``Unchecked`` and multiple-choice
  cells hold the choice label (PyCap ``export_records(raw_or_label="label")`` example,
  https://redcap-tools.github.io/PyCap/);
- headers are field names ("raw") or field labels ("labels": ``Record ID``,
  ``Event Name``, ``Repeat Instrument``, ``Repeat Instance``; REDCapR
  ``raw_or_label_headers``, https://rdrr.io/cran/REDCapR/man/redcap_report.html);
- each instrument has a ``<form>_complete`` status: 0 Incomplete, 1 Unverified, 2 Complete;
- the API's ``format=json`` (``type=flat``, the default) gives the same table as a JSON
  array of objects, one per row, every value a string (``""`` for empty), keys in field
  order (REDCap API documentation, "Export Records"; PyCap
  ``export_records(format_type="json")``, https://redcap-tools.github.io/PyCap/); the
  repeat instance may come as a JSON number. ``type=eav`` (one row per value) is refused
  with advice.

Repeating rows get the non-repeating fields of their record (and event) filled in, so
``couple_id`` entered once on an intake form reaches every weekly instance.

Examples
--------
>>> looks_like_redcap(["record_id", "redcap_event_name", "sat1"])
'redcap'
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ._base import check_file, coerce_frame, finish, read_cells

RAW_SPECIAL = [
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
]
LABEL_HEADERS = {
    "Event Name": "redcap_event_name",
    "Repeat Instrument": "redcap_repeat_instrument",
    "Repeat Instance": "redcap_repeat_instance",
    "Data Access Group": "redcap_data_access_group",
    "Survey Identifier": "redcap_survey_identifier",
}
_CHECKBOX = re.compile(r"^.+___[A-Za-z0-9_-]+$")
_COMPLETE = {"incomplete": 0, "unverified": 1, "complete": 2}
_CHECKED = {"checked": 1, "unchecked": 0}


def looks_like_redcap(header: list[str]) -> str | None:
    """``"redcap"`` for raw headers, ``"redcap-labels"`` for label headers, else None.

    Label headers are recognised by REDCap's own conventions, not by the record id's
    label (which is whatever the project calls its first field, e.g. ``Study ID``): every
    instrument's status field is labelled ``Complete?``, and the special columns are
    ``Repeat Instrument``, ``Repeat Instance``, ``Data Access Group``, ``Survey
    Identifier`` (``Event Name`` counts only beside ``Record ID``).

    Examples
    --------
    >>> looks_like_redcap(["Study ID", "Which partner are you?", "Complete?"])
    'redcap-labels'
    """
    cols = set(header)
    if cols & set(RAW_SPECIAL) or (header and header[0] == "record_id"):
        return "redcap"
    if not header:
        return None
    strong = set(LABEL_HEADERS) - {"Event Name"}
    if "Complete?" in cols or cols & strong or (header[0] == "Record ID" and "Event Name" in cols):
        return "redcap-labels"
    return None


def _read_json(path: str | os.PathLike) -> pd.DataFrame:
    """A flat REDCap JSON export (array of row objects) as string cells, like :func:`read_cells`."""
    p = check_file(path)
    try:
        rows = json.loads(p.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read as JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(
            f"{p}: expected a REDCap JSON export (an array of records, type=flat); "
            "export the records as CSV or as flat JSON"
        )
    names: dict[str, None] = {}
    for row in rows:  # every key, in the order REDCap writes the fields
        names.update(dict.fromkeys(row))
    if {"record", "field_name", "value"} <= names.keys():
        raise InputError(
            f"{p}: a REDCap 'eav' export (record, field_name, value); export the records "
            "with type=flat (one row per record) or as CSV"
        )
    cells = {k: ["" if r.get(k) is None else str(r.get(k)) for r in rows] for k in names}
    df = pd.DataFrame(cells, columns=list(names), dtype=object)
    df.attrs["renamed"] = {}
    return df


def _labels_to_codes(df: pd.DataFrame) -> pd.DataFrame:
    """Checked/Unchecked and Incomplete/Unverified/Complete cells to their raw codes."""
    for col in df.columns:
        s = df[col]
        seen = {str(v).strip().lower() for v in s.unique()} - {""}
        for table in (_CHECKED, _COMPLETE):
            if seen and seen <= table.keys():
                low = s.str.strip().str.lower()
                df[col] = low.map({k: str(v) for k, v in table.items()}).fillna("")
                break
    return df


def _fill_repeating(df: pd.DataFrame, record: str) -> pd.DataFrame:
    """Give repeating-instance rows the non-repeating fields of their record (and event)."""
    inst = df["redcap_repeat_instrument"].astype(str).str.strip()
    repeating = inst != ""
    if not repeating.any():
        return df
    keys = [record] + (["redcap_event_name"] if "redcap_event_name" in df.columns else [])
    base = df.loc[~repeating].replace("", np.nan).groupby(keys, sort=False).first()
    rep = df.loc[repeating]
    filled = rep.merge(base, left_on=keys, right_index=True, how="left", suffixes=("", "__base"))
    for col in base.columns:
        if col in rep.columns and f"{col}__base" in filled.columns:
            own = filled[col].replace("", np.nan)
            filled[col] = own.fillna(filled[f"{col}__base"]).fillna("")
    filled = filled[rep.columns]
    # base rows stay only for records (events) without any repeating row
    has_rep = df.loc[repeating, keys].drop_duplicates()
    base_rows = df.loc[~repeating].merge(has_rep, on=keys, how="left", indicator=True)
    base_rows = base_rows.loc[base_rows["_merge"] == "left_only", df.columns]
    return pd.concat([base_rows, filled], ignore_index=True)


def read_redcap(path: str | os.PathLike) -> pd.DataFrame:
    """Read a REDCap "raw" or "labels" CSV export, or a flat JSON export of the API.

    Raw headers are kept; in a labels-header export the special columns get their raw
    names (``Record ID`` -> ``record_id``, ``Event Name`` -> ``redcap_event_name`` ...)
    and the other columns keep their field labels (map them with a mapping file).
    ``Checked``/``Unchecked`` and form status labels become 1/0 and 0/1/2; other choice
    labels stay text for the mapping step (which knows the instrument's answer labels).

    Examples
    --------
    >>> read_redcap("tests/fixtures/redcap/raw_longitudinal.csv").attrs["platform"]
    'redcap'
    """
    name = str(path)
    is_json = Path(name).suffix.lower() == ".json"
    df = _read_json(path) if is_json else read_cells(path, header=True)
    header = list(df.columns)
    kind = looks_like_redcap(header) or "redcap"
    labels: dict[str, str] = {}
    if kind == "redcap-labels":
        # the first field is the record id, whatever its label (REDCap data dictionary rule)
        rename = {header[0]: "record_id", **LABEL_HEADERS}
        df = df.rename(columns=rename)
        labels = {c: c for c in df.columns if c not in rename.values()}
        labels["record_id"] = header[0]
    record = df.columns[0]
    df = _labels_to_codes(df)
    if "redcap_repeat_instrument" in df.columns:
        df = _fill_repeating(df, record)
    checkbox = [c for c in df.columns if _CHECKBOX.match(c)]
    df = coerce_frame(df, skip={record, "redcap_event_name", "redcap_repeat_instrument"})
    for col in ("redcap_event_name", "redcap_repeat_instrument"):
        if col in df.columns:
            df[col] = df[col].replace("", np.nan)
    return finish(
        df,
        name=name,
        platform="redcap",
        labels=labels,
        person=[record],
        ids=[record, "redcap_survey_identifier"],
        wave=["redcap_event_name", "redcap_repeat_instance"],
        meta=[
            *RAW_SPECIAL,
            *[c for c in df.columns if str(c).endswith("_complete") or c.startswith("Complete?")],
            # survey completion times (export_survey_fields): <form>_timestamp
            *[
                c
                for c in df.columns
                if str(c).endswith("_timestamp") and f"{str(c)[:-10]}_complete" in df.columns
            ],
            *[c for c in df.columns if c.startswith("Survey Timestamp")],
        ],
        checkbox_columns=checkbox,
        headers="labels" if kind == "redcap-labels" else "raw",
    )
