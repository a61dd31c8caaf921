"""Names of the input sources that readers and commands accept.

Kept in a module of its own (no imports) so that the command line can offer them as
choices without loading the readers.

Examples
--------
>>> "redcap" in SOURCES and "csv" in OWN_FORMATS
True
"""

from __future__ import annotations

OWN_FORMATS: tuple[str, ...] = ("csv", "excel", "parquet", "json")
PLATFORMS: tuple[str, ...] = (
    "qualtrics",
    "redcap",
    "limesurvey",
    "surveyjs",
    "formr",
    "spss",
    "stata",
)
SOURCES: tuple[str, ...] = ("auto", *PLATFORMS, *OWN_FORMATS)
