"""``dyadscore report``: a self-contained HTML report for one couple."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a coach report (self-contained HTML) for one couple",
        description="Write one HTML page for a couple: each partner's scores against the scale "
        "range, their differences, profile similarity and, with two waves, change. Descriptive, "
        "not diagnostic; plots are embedded, no internet needed.",
    )
    p.add_argument("couple", help="couple code")
    p.add_argument("--db", required=True, help="answer database")
    p.add_argument("--lang", choices=["en", "nl"], default="en")
    p.add_argument(
        "--norms", default=None, help="optional norm table: subscale, mean, sd[, reliability, role]"
    )
    p.add_argument("-o", "--out", default="-", help="output .html file or - (stdout)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..administer.store import console_warnings
    from ..io import write_text
    from ..report import couple_report

    with console_warnings():
        page = couple_report(args.db, args.couple, lang=args.lang, norms=args.norms)
    write_text(page, args.out, force=args.force)
    return 0
