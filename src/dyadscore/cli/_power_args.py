"""Shared ``--reliability``/``--dropout`` of ``dyadscore power`` and ``dyadscore simulate``."""

from __future__ import annotations

from typing import Any


def add_measurement_arguments(p: Any) -> None:
    """Add ``--reliability REL...`` and ``--dropout SHARE`` to the parser ``p``."""
    p.add_argument(
        "--reliability",
        nargs="+",
        metavar="REL",
        help="reliability of the scale scores: one number (e.g. .8) for all, or "
        "CONSTRUCT=REL pairs (felt_dependence=.75 x=.8 ...); default: error-free scores",
    )
    p.add_argument(
        "--dropout",
        type=float,
        default=0.0,
        help="share of persons lost between waves (missing at random; default 0)",
    )


def parse_reliability(tokens: list[str] | None) -> Any:
    """``["0.8"]`` -> 0.8; ``["x=.8", "y=.7"]`` -> {"x": 0.8, "y": 0.7}; None -> None.

    Examples
    --------
    >>> parse_reliability(["x=.8", "y=.7"]), parse_reliability([".8"])
    ({'x': 0.8, 'y': 0.7}, 0.8)
    """
    from ..errors import InputError

    if not tokens:
        return None
    if len(tokens) == 1 and "=" not in tokens[0]:
        try:
            return float(tokens[0])
        except ValueError:
            raise InputError(
                f"--reliability {tokens[0]}: expected a number like .8 or CONSTRUCT=.8 pairs"
            ) from None
    out = {}
    for tok in tokens:
        name, sep, value = tok.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise InputError(
                f"--reliability {tok}: expected CONSTRUCT=NUMBER (e.g. felt_dependence=.75)"
            )
    return out
