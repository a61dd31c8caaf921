"""LimeSurvey response exports (CSV with question-code, "code. text" or full-text headings).

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

LimeSurvey's export dialog offers other headings too, and real exports mostly use them:
"Question code & question text" writes ``CODE. text`` (``id. Response ID``,
``submitdate. Date submitted``, ``SAT[SQ001]. How true ... [statement]``), and "Full
question text" writes the text only (``Response ID``, ``Date submitted``, ``Last page``,
``Start language``, ...). This reader takes the question code from a ``CODE. text``
heading (the text goes to ``attrs["labels"]``); with full-text headings the response
metadata get their codes back and the question text stays the column name (match it
with ``dyadscore map suggest``).

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

from ._base import coerce_frame, finish, make_unique, read_cells

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
# "CODE. text": a question code (with [SQ] / [SQ1][SQ2] subquestions), a full stop, text
_CODE_TEXT = re.compile(
    r"^(?P<code>[A-Za-z][A-Za-z0-9_#]*(?:\[[A-Za-z0-9_#-]+\])*)\.(?:\s+(?P<text>.*))?$", re.S
)
# full-text headings of the response metadata (English interface)
FULL_TEXT_META = {
    "Response ID": "id",
    "Date submitted": "submitdate",
    "Last page": "lastpage",
    "Start language": "startlanguage",
    "Seed": "seed",
    "Date started": "startdate",
    "Date last action": "datestamp",
    "IP address": "ipaddr",
    "Referrer URL": "refurl",
    "Token": "token",
    "Total time": "interviewtime",
}
_MARKERS = {"submitdate", "lastpage", "startlanguage"}


def split_heading(heading: str) -> tuple[str, str]:
    """``"SAT[SQ001]. How true? [Item]"`` -> ``("SAT[SQ001]", "How true? [Item]")``.

    A heading that is not ``CODE. text`` comes back as ``(heading, "")``.

    Parameters
    ----------
    heading : str
        One column heading of a LimeSurvey export.

    Returns
    -------
    (str, str)
        The question code (``PA.SQ001.`` spelled ``PA[SQ001]``) and the text.

    Examples
    --------
    >>> split_heading("submitdate. Date submitted")
    ('submitdate', 'Date submitted')
    >>> split_heading("SAT[SQ001]. How true is this? [I am happy.]")
    ('SAT[SQ001]', 'How true is this? [I am happy.]')
    >>> split_heading("G8Q00001."), split_heading("PA.SQ001.")
    (('G8Q00001', ''), ('PA[SQ001]', ''))
    """
    heading = normalise_code(heading)
    if heading != heading.strip() or _DOTTED.match(heading):
        return heading, ""
    m = _CODE_TEXT.match(heading)
    if m:
        return m["code"], (m["text"] or "").strip()
    return heading, ""


def heading_kind(header: list[str]) -> str | None:
    """``"code"``, ``"code-text"`` or ``"full-text"`` headings of a LimeSurvey export, else None.

    Parameters
    ----------
    header : list of str
        The header row.

    Returns
    -------
    str or None
        Which heading style the response metadata columns are written in.

    Examples
    --------
    >>> heading_kind(["id. Response ID", "submitdate. Date submitted", "lastpage. Last page",
    ...               "startlanguage. Start language"])
    'code-text'
    >>> heading_kind(["Response ID", "Date submitted", "Last page", "Start language"])
    'full-text'
    """
    cols = set(header)
    if _MARKERS <= cols:
        return "code"
    if _MARKERS <= {split_heading(c)[0] for c in header if ". " in c or c.endswith(".")}:
        return "code-text"
    if _MARKERS <= {FULL_TEXT_META.get(c) for c in cols}:
        return "full-text"
    return None


def looks_like_limesurvey(header: list[str]) -> str | None:
    """``"limesurvey"`` when the response metadata columns are there, else None."""
    return "limesurvey" if heading_kind(header) else None


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
    """Read a LimeSurvey CSV export (question-code, ``CODE. text`` or full-text headings).

    Examples
    --------
    >>> read_limesurvey("tests/fixtures/limesurvey/responses.csv").attrs["platform"]
    'limesurvey'
    """
    df = read_cells(path, header=True)
    kind = heading_kind(list(df.attrs["renamed"].get(c, c) for c in df.columns))
    labels: dict[str, str] = {}
    if kind == "code-text":
        pairs = [split_heading(df.attrs["renamed"].get(c, c)) for c in df.columns]
        names, renamed = make_unique([code for code, _ in pairs])
        labels = {n: text for n, (_, text) in zip(names, pairs, strict=True) if text}
        df.columns = names
        df.attrs["renamed"] = renamed
    elif kind == "full-text":
        names, renamed = make_unique([FULL_TEXT_META.get(str(c), str(c)) for c in df.columns])
        labels = {
            n: str(c) for n, c in zip(names, df.columns, strict=True) if n not in META_COLUMNS
        }
        df.columns = names
        df.attrs["renamed"] = {**df.attrs["renamed"], **renamed}
    else:
        df.columns = [normalise_code(c) for c in df.columns]
    timing = [c for c in df.columns if c.startswith("groupTime") or c.endswith("Time")]
    df = coerce_frame(df, skip={"id", "token"})
    return finish(
        df,
        name=str(path),
        platform="limesurvey",
        labels=labels,
        person=["id"],
        ids=["id", "token"],
        headings=kind or "code",
        meta=[*META_COLUMNS, *timing],
        incomplete=int(df["submitdate"].isna().sum()) if "submitdate" in df.columns else 0,
    )
