"""``dyadscore report``: a self-contained HTML report for one couple."""

from __future__ import annotations

import argparse

from ._args import add_db_argument, add_lang_argument
from ._output import add_output_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a coach report (self-contained HTML) for one couple",
        description="Write one HTML page for a couple: each partner's scores against the scale "
        "range, their differences, profile similarity and, with two waves, change. Descriptive, "
        "not diagnostic; plots are embedded, no internet needed.",
    )
    p.add_argument("couple", help="couple code")
    add_db_argument(p)
    add_lang_argument(p, "the report")
    p.add_argument(
        "--norms", default=None, help="optional norm table: subscale, mean, sd[, reliability, role]"
    )
    add_output_arguments(p, out="save the .html page to FILE; default: print it", out_default="-")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..administer.store import console_warnings
    from ..io import write_text
    from ..report import couple_report

    with console_warnings():
        page = couple_report(args.db, args.couple, lang=args.lang, norms=args.norms)
    write_text(page, args.out, force=args.force)
    return 0
