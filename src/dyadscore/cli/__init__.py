"""The ``dyadscore`` command: a thin layer over the public API.

Each subcommand lives in its own module of this package with two functions:
``register(subparsers)`` adds its parser (and must import nothing heavy), and
``run(args) -> int`` does the work by calling one public function. Errors of the
user's input (:class:`~dyadscore.errors.InputError`) print one line and exit 2.

Examples
--------
>>> main(["instruments", "list"])
acceptance-of-dependence ...
0
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import DyadscoreError

# Subcommand modules, in the order `dyadscore --help` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "instruments",
    "score",
    "reliability",
    "map",
    "convert",
    "dyads",
    "apim",
    "administer",
    "serve",
    "export",
    "report",
    "paradox",
    "simulate",
    "power",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dyadscore",
        description="Score couples' questionnaires, analyse dyads (APIM) and test the "
        "dependency paradox. Nothing leaves this computer.",
    )
    parser.add_argument("--version", action="version", version=f"dyadscore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        full = f"{__name__}.{name}_cmd"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as exc:  # a subcommand not installed in this build
            if exc.name != full:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except DyadscoreError as exc:
        print(f"dyadscore: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, full disk, permission denied: one line, exit 2
        if isinstance(exc, BrokenPipeError):
            return 0
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dyadscore: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dyadscore: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
