"""What every command does with its outputs: check them first, then write or print.

One place for the checks (an existing output without ``--force``, a missing folder, a plot
file of an unknown type) that must run *before* any work, so that a failure never leaves one
output written and another not; and for the plain "write to ``-o`` or print" step.
"""

from __future__ import annotations

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


def emit(text: str, out: str | None, *, force: bool) -> None:
    """Write ``text`` (plus a newline) to ``out``, or print it when ``out`` is empty or ``-``."""
    from ..io import write_text

    if out and out != "-":
        write_text(text + "\n", out, force=force)
    else:
        print(text)
