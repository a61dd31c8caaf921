"""Survey-platform exports in, score tables out, instruments to the platforms.

:func:`read_responses` reads an export of Qualtrics, REDCap, LimeSurvey, SurveyJS, formr,
SPSS or Stata (or the project's own CSV/Excel/Parquet/JSON) and returns the project's
wide response table (:func:`resolve_source` is the one platform detection it and every
command use): ``person`` (+ ``couple``, ``role``, ``wave``) and one column per item,
ready for :func:`dyadscore.score`. Commands read through :func:`read_for_scoring`, the
same reader that leaves the renames of a plain mapping of an own table to the scorer. A
mapping file (:mod:`.mapping`, parsed by :func:`load_mapping` only) says which column is
which item; :func:`suggest_mapping` proposes one. :mod:`.writers` is the one writer of
score and dyadic tables (CSV, JSON, Excel, Parquet, SPSS, Stata) with the same codebook
and metadata beside each file; :mod:`.export` writes instruments as a Qualtrics ``.qsf``,
a REDCap data dictionary or SurveyJS JSON.

Examples
--------
>>> from dyadscore.formats import read_responses
>>> df = read_responses("tests/fixtures/redcap/raw_longitudinal.csv")
>>> list(df.columns[:4])
['person', 'couple', 'wave', 'partner_role']
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .detect import SOURCES, detect_source
from .mapping import Mapping, apply_mapping, load_mapping, mapping_yaml, suggest_mapping

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SOURCES",
    "Mapping",
    "apply_mapping",
    "detect_source",
    "load_mapping",
    "mapping_yaml",
    "read_for_scoring",
    "read_raw",
    "read_responses",
    "resolve_source",
    "suggest_mapping",
]

_OWN = {"csv", "excel", "parquet", "json"}


_READERS = {  # platform -> (module, reader function), imported when used
    "qualtrics": ("qualtrics", "read_qualtrics"),
    "redcap": ("redcap", "read_redcap"),
    "limesurvey": ("limesurvey", "read_limesurvey"),
    "surveyjs": ("surveyjs", "read_surveyjs"),
    "formr": ("surveyjs", "read_formr"),
    "spss": ("spss", "read_spss"),
    "stata": ("spss", "read_stata"),
}


def _reader(source: str):
    if source not in _READERS:
        return None
    import importlib

    module, func = _READERS[source]
    return getattr(importlib.import_module(f".{module}", __name__), func)


def _check_source(source: str) -> str:
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; expected one of: {', '.join(SOURCES)}")
    return source


def resolve_source(
    path: str | os.PathLike,
    source: str = "auto",
    mapping: Mapping | dict | str | os.PathLike | None = None,
    *,
    need_person: bool = True,
) -> str:
    """The platform of ``path``: the one detection every reader and command uses.

    ``source`` when given, else the mapping's ``source:``, else :func:`detect_source`.
    A file that no platform signature matches is the project's own format (``"csv"``,
    ...); with ``need_person`` such a file must have a person id column (``person``,
    ``id``, ...) or a mapping that names one, else one line says how to fix it.

    Parameters
    ----------
    path : path to the export
    source : {"auto", "qualtrics", "redcap", ...}
    mapping : Mapping, dict or path, optional
    need_person : bool
        Refuse an unrecognised file without a person id column (commands that score
        persons need one; ``reliability`` does not).

    Returns
    -------
    str
        One of :data:`SOURCES` other than ``"auto"``.

    Examples
    --------
    >>> resolve_source("tests/fixtures/formr/results.csv")
    'formr'
    >>> resolve_source("tests/fixtures/formr/results.csv", mapping={"source": "csv"})
    'csv'
    """
    m = load_mapping(mapping)
    source = _check_source(source)
    if source == "auto" and m.source:
        source = _check_source(m.source)
    if source != "auto":
        return source
    _check_separator(path)
    found = detect_source(path, strict=False)
    if need_person and found in _OWN and m.person is None and m.layout == "rows":
        _require_person_column(path, found, m.columns)
    return found


def _check_separator(path: str | os.PathLike) -> None:
    """A text table whose header is one column with another separator ('|'): say so first,
    before platform detection reports that it recognises no platform."""
    from pathlib import Path

    from ..io import one_column_hint

    p = Path(path)
    if p.suffix.lower() not in (".csv", ".txt", ".tsv", "") or not p.is_file():
        return
    try:
        with open(p, "rb") as fh:
            first = fh.readline(65536).decode("utf-8-sig").strip()
    except (OSError, UnicodeDecodeError):
        return  # the reader names the problem
    if first and not any(sep in first for sep in (",", ";", "\t")):
        hint = one_column_hint([first])
        if hint:
            raise InputError(f"{path}: line 1: {hint}")


def _require_person_column(path: str | os.PathLike, found: str, renames: dict[str, str]) -> None:
    """An own-format table that a command reads per person needs a person id column."""
    from ..columns import person_column
    from ._base import head_text
    from .detect import _first_rows

    if found != "csv" or str(path) == "-":
        return  # Excel/Parquet/JSON: the reader names a missing person column itself
    from pathlib import Path

    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        return
    text = head_text(p)
    if text is None or not text.strip("\ufeff \t\r\n"):
        return  # not UTF-8, or blank: the reader says so
    header = _first_rows(text, 1)[0]
    names = set(header) | {renames[c] for c in header if c in renames}
    if person_column(names) is not None or {"item", "value"} <= names:
        return
    shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
    raise InputError(
        f"{path}: row 1: no person id column among {shown}: the file has no survey "
        "platform's signature (Qualtrics ImportId row, REDCap record_id, LimeSurvey "
        "submitdate, formr session), so it is read as a table of your own, which needs one; "
        "name it (--person, or person: in the mapping), rename it 'person', or pass the "
        "platform (--source)"
    )


def read_raw(path: str | os.PathLike, *, source: str = "auto", arrow: bool = False) -> pd.DataFrame:
    """Read an export as the platform wrote it (platform column names, metadata in attrs).

    ``arrow`` keeps the columns of a comma-separated own table Arrow-backed (see
    :func:`dyadscore.io.read_table`): faster for large files that are only scored.

    Examples
    --------
    >>> read_raw("tests/fixtures/qualtrics/numeric.csv").attrs["platform"]
    'qualtrics'
    """
    source = _check_source(source)
    if source == "auto":
        source = detect_source(path)
    reader = _reader(source)
    if reader is not None:
        return reader(path)
    from ..io import read_table

    fmt = {"excel": "excel", "parquet": "parquet", "json": "json", "csv": "csv"}[source]
    df = read_table(path, fmt=fmt, arrow=arrow)
    df.attrs.update(file=str(path), platform=source)
    return df


def _open(
    path: str | os.PathLike, source: str, mapping: Any, need_person: bool
) -> tuple[Mapping, str]:
    """(parsed mapping, platform): the one detection of every reader."""
    m = load_mapping(mapping)
    return m, resolve_source(path, source, m, need_person=need_person)


def read_responses(
    path: str | os.PathLike,
    source: str = "auto",
    mapping: Mapping | dict | str | os.PathLike | None = None,
    *,
    instruments: Any = None,
) -> pd.DataFrame:
    """Read survey responses from any supported platform into the project's wide shape.

    Parameters
    ----------
    path : path to the export
    source : {"auto", "qualtrics", "redcap", "limesurvey", "surveyjs", "formr", "spss",
        "stata", "csv", "excel", "parquet", "json"}
        The platform; ``"auto"`` detects it from the file and says when it cannot decide.
        A mapping's ``source:`` is used when this is ``"auto"``.
    mapping : Mapping, dict or path to YAML, optional
        Which column is which item, id columns, partner layout (see
        :mod:`dyadscore.formats.mapping`).
    instruments : id, path, Instrument or list, optional
        Instruments whose answer labels and scale check the item columns (default: those
        named in the mapping, else the shipped instruments that own the item columns).

    Returns
    -------
    DataFrame
        ``person`` (and ``couple``, ``role``, ``wave`` when known) then item columns.
        The project's own formats without a mapping come back as
        :func:`dyadscore.io.read_table` reads them.

    Raises
    ------
    InputError
        Unknown platform, missing mapped columns, answer labels that do not fit the
        instrument, a file mixing waves: one line naming what to fix.

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = ds.formats.read_responses("tests/fixtures/formr/results.csv")
    >>> ds.score(df, "relationship-satisfaction")["satisfaction"].tolist()
    [4.4, 3.4, 4.8, 2.25]
    """
    m, found = _open(path, source, mapping, True)
    raw = read_raw(path, source=found)
    if found in _OWN and mapping is None and instruments is None:
        return raw
    return apply_mapping(raw, m, instruments=instruments)


def read_for_scoring(
    path: str | os.PathLike,
    source: str = "auto",
    mapping: Mapping | dict | str | os.PathLike | None = None,
    *,
    instruments: Any = None,
    need_person: bool = True,
    keep_missing_codes: bool = False,
    arrow: bool = False,
) -> tuple[pd.DataFrame, Mapping | None]:
    """:func:`read_responses` for commands: own tables keep every column, renames wait.

    A table in the project's own format (CSV, Excel, Parquet, JSON) with no mapping, or
    with one that only renames columns, comes back as read, with the renames returned
    for the caller to apply (``ds.score(mapping=...)`` applies and checks them, naming a
    renamed column that is absent or that would clash). Anything else (a platform's
    export, a full mapping) is :func:`read_responses` and needs nothing more.

    Parameters
    ----------
    path, source, mapping, instruments
        As for :func:`read_responses`.
    need_person : bool
        An own table without a platform's signature must have a person id column
        (see :func:`resolve_source`).
    keep_missing_codes : bool
        An own table's mapping may also list missing codes (``missing:``); they come back
        in the returned mapping for the caller to apply.
    arrow : bool
        Read an own comma-separated table Arrow-backed (see :func:`read_raw`).

    Returns
    -------
    data : DataFrame
        The response table.
    mapping : Mapping or None
        The renames (and codes) still to apply, or ``None``.

    Examples
    --------
    >>> data, renames = read_for_scoring("tests/fixtures/formr/results.csv")
    >>> renames is None and "person" in data.columns
    True
    """
    m, found = _open(path, source, mapping, need_person)
    plain = dataclasses.replace(m, missing=[]) if keep_missing_codes else m
    if found in _OWN and plain.is_plain:
        return read_raw(path, source=found, arrow=arrow), (m if mapping is not None else None)
    return apply_mapping(read_raw(path, source=found), m, instruments=instruments), None
