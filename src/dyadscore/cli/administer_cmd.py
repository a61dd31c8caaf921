"""``dyadscore administer``: administer a questionnaire battery to a couple in the terminal.

Administer a battery item by item in the terminal, one partner at a time. On a terminal a
number key answers at once (longer scales such as 0-10: type the number and press Enter),
Left/Right arrows choose and Enter confirms, b or Up goes back, s skips (where allowed), q
saves and stops; with --line-input or piped input, type the answer and press Enter. Every
answer is saved at once; Ctrl-C stops (exit 130) and running the same command again resumes
where you stopped.
"""

from __future__ import annotations

import argparse

from . import _args


def register(subparsers: argparse._SubParsersAction) -> None:
    p = _args.add_command(subparsers, "administer", __doc__, run)
    _args.add_session_arguments(p)
    p.add_argument("--partner", default=None, help="partner role (e.g. A or B); default: A, then B")
    p.add_argument(
        "--line-input",
        action="store_true",
        help="type each answer and press Enter instead of single keys (automatic for pipes)",
    )


def run(args: argparse.Namespace) -> int:
    from ..administer.store import console_warnings
    from ..administer.terminal import administer

    with console_warnings():
        return administer(
            args.db,
            args.couple,
            args.partner,
            **_args.from_args(args, "wave battery lang"),
            keys=False if args.line_input else None,
        )
