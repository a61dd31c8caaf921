"""What every command does with its outputs: check them first, then write or print.

One place for the checks (an existing output without ``--force``, a missing folder, a plot
file of an unknown type) that must run *before* any work, so that a failure never leaves one
output written and another not; and for the plain "write to ``-o`` or print" step.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def check_plot_path(path: str | None) -> None:
    """Refuse a ``--plot`` file that is not PNG, PDF or SVG.

    Examples
    --------
    >>> check_plot_path("fig.svg"), check_plot_path(None)
    (None, None)
    """
    from pathlib import Path

    from ..errors import InputError

    if path and Path(path).suffix.lower() not in PLOT_SUFFIXES:
        raise InputError(f"{path}: expected a .png, .pdf or .svg file for --plot")


def check_outputs(paths: Iterable[str | None], force: bool, *, plot: str | None = None) -> None:
    """Refuse before any work when an output exists (no ``--force``) or its folder is missing.

    ``plot`` (the ``--plot`` file, also checked as an output) must be PNG, PDF or SVG.
    ``None`` and ``"-"`` (standard output) are skipped.

    Examples
    --------
    >>> check_outputs([None, "-"], force=False)
    """
    from pathlib import Path

    from ..errors import InputError

    check_plot_path(plot)
    for name in [p for p in (plot, *paths) if p and p != "-"]:
        target = Path(name)
        if target.exists() and not force:
            raise InputError(f"{target}: already exists; use --force (Python: force) to overwrite")
        if not target.parent.exists():
            raise InputError(f"{target}: folder {target.parent} does not exist")


def save_plot(draw: Callable[[], Any], path: str, *, force: bool, dpi: int = 150) -> None:
    """Draw with the Agg backend (``draw()`` returns the Axes) and save it atomically."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_path

    ax = draw()
    fmt = Path(path).suffix.lower().lstrip(".")
    with atomic_path(path, force=force) as tmp:
        ax.figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(ax.figure)


def emit(text: str, out: str | None, *, force: bool, newline: bool = True) -> bool:
    """Write ``text`` (plus a newline) to ``out``, or print it when ``out`` is empty or ``-``.

    Returns whether a file was written (so that the command can say so on stderr).
    """
    import sys

    from ..io import write_text

    end = "\n" if newline else ""
    if out and out != "-":
        write_text(text + end, out, force=force)
        return True
    sys.stdout.write(text + end)
    return False


# ------------------------------------------------------------------ the output flags, declared once
class _JsonAction(argparse.Action):
    """``--json``: a flag (print JSON instead of the summary). Where ``--json PATH`` was the
    spelling of a JSON file (``legacy``), a PATH still works for one release, as ``--json-out
    PATH``, with a deprecation note."""

    def __init__(self, option_strings, dest, legacy: bool = False, **kw):
        super().__init__(option_strings, dest, nargs="?" if legacy else 0, default=False, **kw)

    def __call__(self, parser, namespace, value, option_string=None):
        if value in (None, [], "-"):
            namespace.json = True
            return
        from ._args import note_deprecated

        namespace.json_out = value
        note_deprecated(namespace, f"--json {value} is deprecated; use --json-out {value}")


def add_output_arguments(
    p: argparse.ArgumentParser,
    *,
    out: str | None = "save the report to this file instead of printing it (.json: as JSON)",
    out_default: str | None = None,
    out_required: bool = False,
    json: bool | str = False,
    html: str | None = None,
    plot: str | None = None,
) -> None:
    """Add the output flags a command takes, with one meaning in every command.

    ``-o/--out FILE`` (``out`` is its help; ``-`` = standard output) takes the command's main
    output instead of standard output; ``--json`` prints everything as JSON instead of the
    summary (to ``--out`` when given), ``--json-out FILE`` saves that JSON as well;
    ``json="legacy"`` keeps the old ``--json PATH`` working. ``--html FILE`` and ``--plot FILE``
    (``html``/``plot`` are their help) are written in addition. ``--force`` always.
    """
    if out is not None:
        p.add_argument(
            "-o", "--out", default=out_default, required=out_required, metavar="FILE", help=out
        )
    if json:
        legacy = json == "legacy"
        p.add_argument(
            "--json",
            action=_JsonAction,
            legacy=legacy,
            **({"metavar": "OLD_FILE"} if legacy else {}),
            help="print everything as JSON instead of the summary (to --out FILE when given)"
            + ("; the old '--json FILE' means --json-out FILE" if legacy else ""),
        )
        p.add_argument("--json-out", metavar="FILE", help="also save everything as JSON to FILE")
    if html is not None:
        p.add_argument("--html", metavar="FILE", help=html)
    if plot is not None:
        p.add_argument("--plot", metavar="FILE", help=f"{plot} (PNG, PDF or SVG)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")


def check_output_args(args: argparse.Namespace) -> None:
    """:func:`check_outputs` for every output flag the command has (``--out``, ``--json-out``,
    ``--html``, ``--plot``): run before any work."""
    files = [getattr(args, k, None) for k in ("out", "json_out", "html")]
    check_outputs(files, args.force, plot=getattr(args, "plot", None))


def emit_report(args: argparse.Namespace, result: Any, summary: Callable[[], str]) -> None:
    """The report of a model command: ``--json-out`` first, then the JSON (``--json`` or an
    ``--out`` ending in ``.json``) or the ``summary()`` to ``--out`` or standard output.

    ``result`` is a :class:`~dyadscore.results.Result` or a dict of them (one per name).
    """
    data = (
        (lambda: {k: r.to_dict() for k, r in result.items()})
        if isinstance(result, dict)
        else result.to_dict
    )
    if getattr(args, "json_out", None):
        write_json(data(), args.json_out, force=args.force)
    out = getattr(args, "out", None)
    if getattr(args, "json", False) or (out or "").lower().endswith(".json"):
        emit(json_text(data()), out, force=args.force)
    else:
        emit(summary(), out, force=args.force)


def json_text(data: Any) -> str:
    """The one JSON spelling of every command: indented, UTF-8 text as it is.

    Examples
    --------
    >>> print(json_text({"taal": "één"}))
    {
      "taal": "één"
    }
    """
    import json

    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def write_json(data: Any, path: str, *, force: bool) -> None:
    """Write :func:`json_text` of ``data`` to ``path`` atomically."""
    emit(json_text(data), path, force=force)


def save_table(table: Any, out: str | None, *, force: bool) -> None:
    """Write a table to ``out`` (default standard output), by its suffix: labelled SPSS/Stata
    for ``.sav``/``.zsav``/``.dta`` (not CSV under that name), else CSV, JSON, Parquet, ..."""
    if out and out.lower().endswith((".sav", ".zsav", ".dta")):
        from ..formats.writers import write_scores

        write_scores(table, out, force=force)
        return
    from ..io import write_table

    write_table(table, out or "-", force=force)
