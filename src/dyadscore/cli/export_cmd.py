"""``dyadscore export``: write stored answers as a table that ``dyadscore score`` reads."""

from __future__ import annotations

import argparse

from ._args import TABLE_OUT, add_db_argument
from ._output import add_output_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="export answers from an answer database (long or wide CSV)",
        description="Export the answers in an answer database. long: one row per person, wave "
        "and item (person, couple, role, wave, item, value); wide: one row per person and wave "
        "with one column per item. The file is written atomically, readable by the owner only.",
    )
    add_db_argument(p)
    p.add_argument("--shape", choices=["long", "wide"], default="long")
    p.add_argument("--couple", default=None, help="only this couple (a couple code)")
    p.add_argument("--wave", type=int, default=None, help="only this wave (a wave number)")
    add_output_arguments(p, out=TABLE_OUT, out_default="-")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..administer.export import export_answers
    from ..administer.store import console_warnings
    from ._output import save_table

    with console_warnings():
        table = export_answers(args.db, args.shape, couple=args.couple, wave=args.wave)
    save_table(table, args.out, force=args.force)
    return 0
