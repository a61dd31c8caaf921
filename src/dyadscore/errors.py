"""Exceptions that reach the user as one clear line.

Every problem with a user's input raises :class:`InputError` (or a subclass) whose
message names the file, row, column and value involved and what was expected. The
command line prints the message and exits with code 2; Python users get the exception.

The file name reaches messages through :func:`reading` (a context), never through a
function argument: ``source`` is always a survey platform (see the argument glossary).

Examples
--------
>>> raise InputError("scores.csv: row 'p7', column 'pa1': value 9 is outside the scale 1-7")
Traceback (most recent call last):
...
dyadscore.errors.InputError: scores.csv: row 'p7', column 'pa1': value 9 is outside the scale 1-7
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar

#: The name of the input being read (a file name), set by :func:`reading`.
_INPUT_NAME: ContextVar[str | None] = ContextVar("dyadscore_input_name", default=None)


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


class DataWarning(UserWarning):
    """Data that can be analysed but probably not as meant (e.g. -99 codes among scores).

    The command line prints it as one line ``dyadscore: warning: ...``.

    Parameters
    ----------
    message : str
        What looks wrong, where (file, column, count) and how to declare it.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("scores.csv: column 'x': 3 values of -99", DataWarning)
    >>> caught[0].category.__name__
    'DataWarning'
    """


@contextlib.contextmanager
def reading(name: object) -> Iterator[None]:
    """Name the input that error messages inside the block refer to.

    The command line wraps each command in ``with reading(args.data)``; functions that
    open a file themselves (:func:`dyadscore.io.read_table`, ...) name it the same way.
    Messages then start with the file name (:func:`where`, :func:`input_name`). A name
    of ``None`` or ``""`` keeps the name already set (if any). Blocks nest; the name is
    restored on leaving, also after an error.

    Parameters
    ----------
    name : str, path or None
        The file name as the user typed it.

    Returns
    -------
    context manager
        Use in a ``with`` statement; yields nothing.

    Examples
    --------
    >>> input_name()
    'input'
    >>> with reading("scores.csv"):
    ...     print(where(None, "p7", "pa1"))
    scores.csv: row 'p7', column 'pa1'
    >>> print(where(None, "p7", "pa1"))
    row 'p7', column 'pa1'
    """
    if name is None or name == "":
        yield
        return
    token = _INPUT_NAME.set(str(name))
    try:
        yield
    finally:
        _INPUT_NAME.reset(token)


def input_name(default: str | None = "input") -> str | None:
    """The name set by :func:`reading`, else ``default``.

    Parameters
    ----------
    default : str or None
        What messages call the input when no file name is known (``"input"``,
        ``"data"``, ... as each message words it).

    Returns
    -------
    str or None
        The file name, or ``default``.

    Examples
    --------
    >>> input_name("data")
    'data'
    >>> with reading("d.csv"):
    ...     input_name("data")
    'd.csv'
    """
    name = _INPUT_NAME.get()
    return name if name else default


def where(name: str | None = None, row: object = None, column: object = None) -> str:
    """Format the location prefix of an error message.

    Parameters
    ----------
    name : str, optional
        The input's name; by default the one set by :func:`reading` (if any).
    row, column : object, optional
        The row (person) and column, shown with ``repr``.

    Returns
    -------
    str
        ``"<name>: row ..., column ..."``; ``"input"`` when nothing is known.

    Examples
    --------
    >>> where("data.csv", "p3", "pa2")
    "data.csv: row 'p3', column 'pa2'"
    >>> import numpy as np
    >>> where("data.csv", np.int64(3), "pa2")
    "data.csv: row 3, column 'pa2'"
    """
    name = name or _INPUT_NAME.get()
    parts = []
    if hasattr(row, "item") and callable(row.item):  # numpy scalar -> plain Python value
        row = row.item()
    if row is not None:
        parts.append(f"row {row!r}")
    if column is not None:
        parts.append(f"column {column!r}")
    loc = ", ".join(parts)
    if name and loc:
        return f"{name}: {loc}"
    return name or loc or "input"


def _file_name_as_source(func: Callable) -> Callable:
    """Accept the old ``source=`` file-name argument for one release (DeprecationWarning).

    ``func(..., source="f.csv")`` runs as ``with reading("f.csv"): func(...)``.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if "source" not in kwargs:
            return func(*args, **kwargs)
        import warnings

        name = kwargs.pop("source")
        warnings.warn(
            f"{func.__name__}: the source argument as a file name is deprecated and will be "
            "removed; name the file with dyadscore.errors.reading (source means a survey "
            "platform only)",
            DeprecationWarning,
            stacklevel=2,
        )
        with reading(name):
            return func(*args, **kwargs)

    return wrapper


def check_finite(**values: object) -> None:
    """Raise :class:`InputError` for an argument that is not a finite number.

    Each keyword is an argument name and its value: a number, ``None`` (not given), a
    sequence or a ``{label: number}`` mapping of numbers (per-role values). ``nan`` and
    ``inf`` are errors, text that is not a number too.

    Parameters
    ----------
    **values : number, sequence, mapping or None
        The arguments to check, by name.

    Returns
    -------
    None

    Examples
    --------
    >>> check_finite(actor=0.3, partner=[0.1, 0.2])
    >>> check_finite(actor=float("nan"))
    Traceback (most recent call last):
    ...
    dyadscore.errors.InputError: actor nan: expected a finite number
    """
    import math
    from collections.abc import Mapping

    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            items = list(value.values())
        elif isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
            items = [value]
        else:
            items = list(value)
        for v in items:
            if hasattr(v, "item") and callable(v.item):  # numpy scalar -> plain value
                v = v.item()
            ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            if not ok:
                shown = f"{v:g}" if isinstance(v, float) else repr(v)
                raise InputError(f"{name} {shown}: expected a finite number")
