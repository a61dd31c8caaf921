"""``dyadscore export``: export answers from an answer database (long or wide CSV).

Export the answers in an answer database. long: one row per person, wave and item (person,
couple, role, wave, item, value); wide: one row per person and wave with one column per item.
The file is written atomically, readable by the owner only.
"""

from __future__ import annotations

import argparse

from . import _args, _output


def register(subparsers: argparse._SubParsersAction) -> None:
    p = _args.add_command(subparsers, "export", __doc__, run)
    _args.add_db_argument(p)
    p.add_argument("--shape", choices=["long", "wide"], default="long")
    p.add_argument("--couple", default=None, help="only this couple (a couple code)")
    p.add_argument("--wave", type=int, default=None, help="only this wave (a wave number)")
    _output.add_output_arguments(p, out=_args.TABLE_OUT, out_default="-")


def run(args: argparse.Namespace) -> int:
    from ..administer.export import export_answers
    from ..administer.store import console_warnings
    from ._output import save_table

    with console_warnings():
        table = export_answers(args.db, args.shape, couple=args.couple, wave=args.wave)
    save_table(table, args.out, force=args.force)
    return 0
