"""LimeSurvey response exports (CSV, question-code headings).

A LimeSurvey CSV export with "question code" headings starts with the response
metadata ``id, submitdate, lastpage, startlanguage, seed, startdate, datestamp`` and has
one column per question; array (matrix) questions give one column per subquestion named
``CODE[SQ001]`` (export from the admin interface) or ``CODE.SQ001.`` (RemoteControl /
R exports), which this reader writes as ``CODE[SQ001]``
(limonaid ``limer_get_responses(sHeadingType = "code")``,
https://rdrr.io/cran/limonaid/man/limer_get_responses.html, and its label helper noting
both spellings; RemoteControl ``export_responses``: heading type 'code', 'full' or
'abbreviated', response type 'short' (answer codes) or 'long' (answer text),
https://rdrr.io/github/mbonoli/funcionesMBO/src/R/ls_get_responses.R). Some tools strip
the brackets (``CODESQ001``, ``CODE_SQ001``); map those names in the mapping file.

Answer codes are numbers for the 5-point and array questions; other answer codes
(``A1``, ``AO01``) or long answer text become numbers through ``values:`` in the mapping
or the instrument's answer labels.

Examples
--------
>>> looks_like_limesurvey(["id", "submitdate", "lastpage", "startlanguage", "PA[SQ001]"])
'limesurvey'
"""

from __future__ import annotations

import os
import re

import pandas as pd

from ._base import coerce_frame, finish, read_cells

META_COLUMNS = [
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
    "token",
    "interviewtime",
]
_DOTTED = re.compile(r"^(?P<q>[A-Za-z][A-Za-z0-9_]*)\.(?P<sq>[A-Za-z0-9_]+)\.$")


def looks_like_limesurvey(header: list[str]) -> str | None:
    """``"limesurvey"`` when the response metadata columns are there, else None."""
    return "limesurvey" if {"submitdate", "lastpage", "startlanguage"} <= set(header) else None


def normalise_code(column: str) -> str:
    """``PA.SQ001.`` -> ``PA[SQ001]``; other names unchanged.

    Examples
    --------
    >>> normalise_code("PA.SQ001."), normalise_code("PA[SQ002]")
    ('PA[SQ001]', 'PA[SQ002]')
    """
    m = _DOTTED.match(column)
    return f"{m['q']}[{m['sq']}]" if m else column


def read_limesurvey(path: str | os.PathLike) -> pd.DataFrame:
    """Read a LimeSurvey CSV export with question-code headings.

    Examples
    --------
    >>> read_limesurvey("tests/fixtures/limesurvey/responses.csv").attrs["platform"]
    'limesurvey'
    """
    df = read_cells(path, header=True)
    df.columns = [normalise_code(c) for c in df.columns]
    timing = [c for c in df.columns if c.startswith("groupTime") or c.endswith("Time")]
    df = coerce_frame(df, skip={"id", "token"})
    return finish(
        df,
        source=str(path),
        platform="limesurvey",
        person=["id"],
        meta=[*META_COLUMNS, *timing],
        incomplete=int(df["submitdate"].isna().sum()) if "submitdate" in df.columns else 0,
    )
