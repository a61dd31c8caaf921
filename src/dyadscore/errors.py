"""Exceptions that reach the user as one clear line.

Every problem with a user's input raises :class:`InputError` (or a subclass) whose
message names the file, row, column and value involved and what was expected. The
command line prints the message and exits with code 2; Python users get the exception.

Examples
--------
>>> raise InputError("scores.csv: row 'p7', column 'pa1': value 9 is outside the scale 1-7")
Traceback (most recent call last):
...
dyadscore.errors.InputError: scores.csv: row 'p7', column 'pa1': value 9 is outside the scale 1-7
"""

from __future__ import annotations


class DyadscoreError(Exception):
    """Base class of every error dyadscore raises on purpose.

    Parameters
    ----------
    message : str
        One line for the user.

    Examples
    --------
    >>> issubclass(InputError, DyadscoreError)
    True
    >>> try:
    ...     raise DyadscoreError("something went wrong")
    ... except DyadscoreError as exc:
    ...     print(exc)
    something went wrong
    """


class InputError(DyadscoreError, ValueError):
    """Bad input data, instrument, mapping or argument (CLI exit code 2).

    Also a :class:`ValueError`, so ``except ValueError`` catches it.

    Parameters
    ----------
    message : str
        ``<file>: <row/person>, <column>, <value>: <what was expected>`` (see :func:`where`).

    Examples
    --------
    >>> raise InputError(where("scores.csv", "p7", "pa1") + ": value 9 is outside the scale 1-7")
    Traceback (most recent call last):
    ...
    dyadscore.errors.InputError: scores.csv: row 'p7', column 'pa1': value 9 is outside the scale 1-7
    """


class InstrumentError(InputError):
    """An instrument file that is missing, malformed or fails validation."""


class PairingError(InputError):
    """Dyad membership problems: singles, triads, duplicate roles, persons in two dyads."""


def where(source: str | None = None, row: object = None, column: object = None) -> str:
    """Format the location prefix of an error message.

    Examples
    --------
    >>> where("data.csv", "p3", "pa2")
    "data.csv: row 'p3', column 'pa2'"
    >>> import numpy as np
    >>> where("data.csv", np.int64(3), "pa2")
    "data.csv: row 3, column 'pa2'"
    """
    parts = []
    if hasattr(row, "item") and callable(row.item):  # numpy scalar -> plain Python value
        row = row.item()
    if row is not None:
        parts.append(f"row {row!r}")
    if column is not None:
        parts.append(f"column {column!r}")
    loc = ", ".join(parts)
    if source and loc:
        return f"{source}: {loc}"
    return source or loc or "input"
