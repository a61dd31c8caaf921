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
import warnings
from typing import NoReturn

from .. import __version__
from ..errors import DyadscoreError, reading

# Subcommand modules, in the order `dyadscore --help` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "instruments",
    "score",
    "reliability",
    "map",
    "convert",
    "dyads",
    "apim",
    "diary",
    "apimem",
    "administer",
    "serve",
    "export",
    "report",
    "paradox",
    "simulate",
    "power",
    "validate",
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``dyadscore: error: ...``), exit 2.

    argparse prints the whole usage before the message; the README promises one line, so
    the usage is replaced by a pointer to ``--help``. Subcommand parsers inherit the class.

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     code = main(["power", "--n", "abc"])
    >>> code
    2
    >>> print(err.getvalue().strip())
    dyadscore: error: power: argument --n: invalid int value: 'abc' (see 'dyadscore power --help')
    """

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("dyadscore").strip()
        where = f"{command}: " if command else ""
        hint = f"dyadscore {command} --help" if command else "dyadscore --help"
        message = " ".join(message.split())  # argparse messages may wrap
        raise _ArgumentError(f"{where}{message} (see '{hint}')")


class _ArgumentError(Exception):
    """A command-line argument error, reported by :func:`main` as one line with exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
    try:
        args = parser.parse_args(argv)
    except _ArgumentError as exc:
        print(f"dyadscore: error: {exc}", file=sys.stderr)
        return 2
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        code = _run(args)
    if code == 0:  # an old spelling that worked: say so once, after the output (see _args)
        for note in getattr(args, "deprecated", None) or []:
            print(f"dyadscore: warning: {note}", file=sys.stderr)
    return code


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings about the user's data as one line each (no Python file and line)."""
    text = " ".join(str(message).split())
    print(f"dyadscore: warning: {text}", file=sys.stderr if file is None else file)


_OUTPUTS = ("out", "plot", "html", "json_out")
_INPUTS = ("data", "export", "mapping", "instrument", "hypotheses", "norms", "db", "paths")


def _refuse_output_over_input(args: argparse.Namespace) -> None:
    """An output file that is one of the command's input files is refused, even with
    ``--force``: writing it would destroy the input before (or while) it is read."""
    import os
    from pathlib import Path

    from ..errors import InputError

    inputs = []
    for key in _INPUTS:
        value = getattr(args, key, None)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v not in ("", "-") and Path(v).is_file():
                inputs.append(Path(v))
    for key in _OUTPUTS:
        out = getattr(args, key, None)
        if not isinstance(out, str) or out in ("", "-") or not Path(out).exists():
            continue
        for src in inputs:
            try:
                same = os.path.samefile(out, src)
            except OSError:
                continue
            if same:
                option = "--" + key.replace("_", "-")
                raise InputError(
                    f"{out}: is also an input file of this command; choose another file for "
                    f"{option} (the input is never overwritten)"
                )


def _run(args: argparse.Namespace) -> int:
    try:
        _refuse_output_over_input(args)
        name = getattr(args, "data", None)  # error messages name the DATA file
        with reading(name if isinstance(name, str) else None):
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
