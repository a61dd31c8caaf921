"""``dyadscore serve``: serve the questionnaire as a local web form with a link per partner.

Start a small web server on 127.0.0.1 and print one link per partner. Each link carries an
unguessable token and opens only that partner's form. Answers are saved as they are given;
reopening a link resumes. Requires Flask (pip install 'dyadscore[web]').
"""

from __future__ import annotations

import argparse

from . import _args


def register(subparsers: argparse._SubParsersAction) -> None:
    p = _args.add_command(subparsers, "serve", __doc__, run)
    _args.add_session_arguments(p, couples=True)
    p.add_argument(
        "--roles",
        nargs="+",
        default=["A", "B"],
        metavar="ROLE",
        help="partner roles (default: A B; 'A,B' works too)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="a loopback address only: 127.0.0.1 (default), ::1 or another 127.x.y.z",
    )
    p.add_argument(
        "--expires",
        default=None,
        metavar="DURATION",
        help="the printed links stop working after this long, e.g. 14d, 12h or 90m "
        "(default: never); an expired link shows a page saying so",
    )
    p.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")


def run(args: argparse.Namespace) -> int:
    from ..administer.store import console_warnings
    from ..administer.web import serve

    with console_warnings():
        return serve(
            args.db,
            args.couple,
            **_args.from_args(args, "battery wave lang host port expires"),
            roles=[r.strip() for tok in args.roles for r in tok.split(",") if r.strip()],
        )
