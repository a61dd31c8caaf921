"""``dyadscore report``: write a coach report (self-contained HTML) for one couple.

Write one HTML page for a couple: each partner's scores against the scale range, their
differences, profile similarity and, with two waves, change. Descriptive, not diagnostic; plots
are embedded, no internet needed.
"""

from __future__ import annotations

import argparse

from . import _args, _output


def register(subparsers: argparse._SubParsersAction) -> None:
    p = _args.add_command(subparsers, "report", __doc__, run)
    p.add_argument("couple", help="couple code")
    _args.add_db_argument(p)
    _args.add_lang_argument(p, "the report")
    p.add_argument(
        "--norms", default=None, help="optional norm table: subscale, mean, sd[, reliability, role]"
    )
    _output.add_output_arguments(
        p, out="save the .html page to FILE; default: print it", out_default="-"
    )


def run(args: argparse.Namespace) -> int:
    from ..administer.store import console_warnings
    from ..io import write_text
    from ..report import couple_report

    with console_warnings():
        page = couple_report(args.db, args.couple, lang=args.lang, norms=args.norms)
    write_text(page, args.out, force=args.force)
    return 0
