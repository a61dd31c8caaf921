"""``dyadscore export``: write stored answers as a table that ``dyadscore score`` reads."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="export answers from an answer database (long or wide CSV)",
        description="Export the answers in an answer database. long: one row per person, wave "
        "and item (person, couple, role, wave, item, value); wide: one row per person and wave "
        "with one column per item. The file is written atomically, readable by the owner only.",
    )
    p.add_argument("--db", required=True, help="answer database")
    p.add_argument("--shape", choices=["long", "wide"], default="long")
    p.add_argument("--couple", default=None, help="only this couple")
    p.add_argument("--wave", type=int, default=None, help="only this wave")
    p.add_argument(
        "-o",
        "--out",
        default="-",
        help="output file (.csv, .json, .parquet, .sav, .dta) or - (stdout)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..administer.export import export_answers
    from ..administer.store import console_warnings
    from ..io import write_table

    with console_warnings():
        table = export_answers(args.db, args.shape, couple=args.couple, wave=args.wave)
    if args.out.lower().endswith((".sav", ".zsav", ".dta")):  # not CSV under an SPSS name
        from ..formats.writers import write_scores

        write_scores(table, args.out, force=args.force)
        return 0
    write_table(table, args.out, force=args.force)
    return 0
