"""Reading and writing tables: CSV (``,`` or ``;`` with decimal commas), Excel, Parquet, JSON.

Readers turn every problem into a one-line :class:`~dyadscore.errors.InputError`
(empty file, wrong encoding, unreadable format). Writers are atomic (temporary file
in the same folder, fsync, rename), create files readable by the owner only, refuse
to overwrite without ``force=True``, and guard CSV cells against formula injection.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> d = tempfile.mkdtemp()
>>> path = write_table(pd.DataFrame({"person": ["p1"], "pa1": [5]}), os.path.join(d, "x.csv"))
>>> read_table(path).columns.tolist()
['person', 'pa1']
"""

from __future__ import annotations

import contextlib
import io as _io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TABLE_FORMATS = {  # file extension -> format, for reading and writing tables
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
}


# ---------------------------------------------------------------------- reading
def _detect_format(path: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix == ".xls":
        raise InputError(f"{path}: old Excel .xls files are not supported; save as .xlsx or CSV")
    return TABLE_FORMATS.get(suffix, "csv")


def _sniff_csv(head: bytes, name: str) -> tuple[str, str]:
    """Return (separator, decimal) from the first line of a CSV file."""
    first = head.split(b"\n", 1)[0]
    counts = {sep: first.count(sep.encode()) for sep in (",", ";", "\t")}
    sep = max(counts, key=counts.get)
    if counts[sep] == 0:
        sep = ","
    # ';'-separated files come from locales (e.g. Dutch Excel) that write decimal commas
    decimal = "," if sep == ";" else "."
    return sep, decimal


def read_table(
    path: str | os.PathLike | _io.IOBase,
    *,
    fmt: str | None = None,
    sheet: str | int = 0,
    arrow: bool = False,
) -> pd.DataFrame:
    """Read a table from CSV, Excel, Parquet or JSON (``-`` reads CSV from stdin).

    CSV files may use ``,``, ``;`` or tab separators; ``;`` files are read with
    decimal commas (Dutch and German Excel exports). UTF-8 with or without BOM.

    Parameters
    ----------
    path : path, ``"-"`` or a binary file object
    fmt : {"csv", "excel", "parquet", "json"}, optional
        Overrides detection by file extension.
    sheet : str or int
        Excel sheet.
    arrow : bool
        Keep CSV columns Arrow-backed (``dtype_backend="pyarrow"``): much faster for
        large files that are only scored and written again, as ``dyadscore score`` does.
        Missing values are then ``pd.NA``, so numeric work needs ``to_numpy(na_value=...)``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputError
        Missing or empty file, wrong encoding, unreadable content.

    Examples
    --------
    >>> import io
    >>> read_table(io.BytesIO(b"person;pa1\\np1;3,5\\n")).iloc[0, 1]
    np.float64(3.5)
    """
    import pandas as pd

    if isinstance(path, _io.IOBase) or hasattr(path, "read"):
        raw = path.read()
        name = getattr(path, "name", "<stream>")
        return _read_csv_bytes(raw if isinstance(raw, bytes) else raw.encode(), str(name))
    name = str(path)
    if name == "-":
        return _read_csv_bytes(sys.stdin.buffer.read(), "<stdin>")
    p = Path(name)
    if not p.is_file():
        raise InputError(f"{name}: file not found")
    if p.stat().st_size == 0:
        raise InputError(f"{name}: the file is empty; expected a header row and data")
    kind = _detect_format(name, fmt)
    try:
        if kind == "csv":
            return _read_csv_path(p, arrow=arrow)
        if kind == "excel":
            _check_excel_header(p, sheet)
            df = pd.read_excel(p, sheet_name=sheet, engine="openpyxl")
        elif kind == "parquet":
            df = pd.read_parquet(p)
        elif kind == "json":
            df = pd.read_json(p, orient="records")
        else:
            raise InputError(
                f"{name}: unknown format {kind!r}; expected csv, excel, parquet or json"
            )
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - turn library errors into one line
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{name}: cannot read as {kind}: {msg}") from None
    if df.shape[0] == 0:
        raise InputError(f"{name}: no data rows; expected a header row and data")
    return df


_SAMPLE = 1 << 16


def _check_encoding(head: bytes, name: str) -> None:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) == _SAMPLE and exc.start >= len(head) - 4:  # character cut by the sample
            return
        line = head[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}: line {line}: byte 0x{head[exc.start]:02x} is not UTF-8; "
            "save the file as UTF-8 (e.g. Excel: 'CSV UTF-8')"
        ) from None


def _read_csv_path(p: Path, *, arrow: bool = False) -> pd.DataFrame:
    import pandas as pd

    name = str(p)
    with open(p, "rb") as fh:
        head = fh.read(_SAMPLE)
    _check_encoding(head, name)
    if not head.strip().strip(b"\xef\xbb\xbf"):
        raise InputError(f"{name}: the file is empty; expected a header row and data")
    sep, decimal = _sniff_csv(head.removeprefix(b"\xef\xbb\xbf"), name)
    _check_header(head.removeprefix(b"\xef\xbb\xbf"), sep, name)
    try:
        if sep == "," and decimal == ".":
            backend = {"dtype_backend": "pyarrow"} if arrow else {}
            df = pd.read_csv(p, engine="pyarrow", encoding="utf-8-sig", **backend)
        else:
            df = pd.read_csv(p, sep=sep, decimal=decimal, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason}); save the file as UTF-8") from None
    except Exception as exc:  # noqa: BLE001
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{name}: cannot read as CSV: {msg}") from None
    return _finish_csv(df, name)


def _read_csv_bytes(raw: bytes, name: str) -> pd.DataFrame:
    import pandas as pd

    if not raw.strip().strip(b"\xef\xbb\xbf"):
        raise InputError(f"{name}: the input is empty; expected a header row and data")
    _check_encoding(raw[:_SAMPLE], name)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    sep, decimal = _sniff_csv(raw[:_SAMPLE], name)
    _check_header(raw[:_SAMPLE], sep, name)
    try:
        df = pd.read_csv(_io.BytesIO(raw), sep=sep, decimal=decimal, encoding="utf-8")
    except Exception as exc:  # noqa: BLE001
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{name}: cannot read as CSV: {msg}") from None
    return _finish_csv(df, name)


def _check_header(head: bytes, sep: str, name: str) -> None:
    """A column name twice in the header (after trimming spaces) is an error."""
    import csv

    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
    _check_names([c.strip() for c in next(csv.reader([first], delimiter=sep), [])], name)


def _check_excel_header(p: Path, sheet: str | int) -> None:
    """Like :func:`_check_header` for the first row of an Excel sheet (pandas renames ``x.1``)."""
    import openpyxl

    book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
        first = next(ws.iter_rows(max_row=1, values_only=True), ())
    finally:
        book.close()
    _check_names(["" if v is None else str(v).strip() for v in first], str(p))


def _check_names(names: list[str], name: str) -> None:
    seen: set[str] = set()
    for col in names:
        if col and col in seen:
            raise InputError(
                f"{name}: line 1, column {col!r}: the name occurs more than once in the header; "
                "expected unique column names"
            )
        seen.add(col)


def one_column_hint(columns: list[str]) -> str:
    """Why a table read as one column probably has the wrong separator, or ''.

    Parameters
    ----------
    columns : list of str
        The column names as read.

    Returns
    -------
    str
        A clause for an error message, or ``""`` when nothing looks wrong.

    Examples
    --------
    >>> one_column_hint(["person|sat1|sat2"])
    "one column named 'person|sat1|sat2': the values look separated by '|'; expected ',', ';' or tab"
    """
    if len(columns) != 1:
        return ""
    head = str(columns[0])
    for sep in ("|", ":", " "):
        if head.strip().count(sep) >= 1 and len(head.strip().split(sep)) > 2:
            return (
                f"one column named {head!r}: the values look separated by {sep!r}; "
                "expected ',', ';' or tab"
            )
    return ""


def _finish_csv(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.shape[0] == 0:
        raise InputError(f"{name}: no data rows; expected a header row and data")
    hint = one_column_hint([str(c) for c in df.columns])
    if hint:
        raise InputError(f"{name}: line 1: {hint}")
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["file"] = name
    return df


# ---------------------------------------------------------------------- writing
def check_targets(paths: list[Path], force: bool) -> None:
    """Refuse to write over a folder, or over any of ``paths`` without ``force``.

    Every writer asks this before it writes anything, for the file and the files beside it
    (the data file is named first).

    Parameters
    ----------
    paths : list of Path
        The files about to be written.
    force : bool
        Replacing existing files is allowed.

    Returns
    -------
    None

    Raises
    ------
    InputError
        A path that is a folder, or that exists without ``force``.

    Examples
    --------
    >>> check_targets([Path("no/such/file.csv")], force=False)
    """
    for t in map(Path, paths):
        if t.is_dir():
            raise InputError(f"{t}: is a folder; expected an output file name")
        if t.exists() and not force:
            raise InputError(f"{t}: already exists; use --force (Python: force) to overwrite")


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike, *, force: bool = False, mode: int = 0o600
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync and rename it into place.

    Nothing is left behind on error; an existing ``path`` is kept unless ``force``.

    Parameters
    ----------
    path : path
        The file to write.
    force : bool
        Replace an existing file.
    mode : int
        Permission bits of the new file (owner-only by default).

    Yields
    ------
    pathlib.Path
        The temporary path to write to.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> open(target).read()
    'hello'
    """
    target = Path(path)
    check_targets([target], force)
    if not target.parent.exists():
        raise InputError(f"{target}: folder {target.parent} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InputError(
            f"{target}: cannot write in folder {target.parent} ({exc.strerror})"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, mode)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise InputError(f"{target}: cannot write the file ({exc.strerror})") from None
        with contextlib.suppress(OSError):
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def guard_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'``.

    Only text columns are touched; numbers (including negative ones) stay numbers.

    Parameters
    ----------
    df : DataFrame
        The table to be written.

    Returns
    -------
    DataFrame
        ``df`` itself when no cell needs guarding, else a guarded copy.

    Examples
    --------
    >>> import pandas as pd
    >>> guard_formulas(pd.DataFrame({"note": ["=1+1", "ok"], "x": [-1, 2]}))["note"].tolist()
    ["'=1+1", 'ok']
    """
    import pandas as pd

    out = None
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories.astype(str)
            if cats.str.startswith(FORMULA_PREFIXES).any():
                out = df.copy() if out is None else out
                out[col] = s.cat.rename_categories(
                    ["'" + c if c.startswith(FORMULA_PREFIXES) else c for c in cats]
                )
            continue
        if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
            continue
        text = s.astype("string")
        risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            out = df.copy() if out is None else out
            out[col] = text.mask(risky, "'" + text)
    return df if out is None else out


def _compact(column, *, always: bool = False):
    """Dictionary-encode a floating-point Arrow column with few distinct values.

    Questionnaire scores take few distinct values (means of a handful of integers).
    Formatting each distinct value once and writing the dictionary is exact (the
    text is pyarrow's own rendering of the same number) and much faster than
    formatting a million doubles. ``always`` encodes regardless of size, so that
    record batches written one after another share one schema.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_floating(column.type):
        return column
    if not always and len(column) < 10_000:
        return column
    encoded = pc.dictionary_encode(column).combine_chunks()
    if not always and len(encoded.dictionary) > len(column) // 20:
        return column
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(encoded.indices, encoded.dictionary.cast(pa.string()))]
    )


def _needs_quotes(table) -> bool:
    """Whether any header or text cell holds a delimiter, quote or line break.

    pyarrow's "needed" style quotes every text value; plain numbers-as-text (the
    dictionary-encoded scores) and simple ids read better, and back, unquoted.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    special = '[",\r\n]'
    if any(c in name for name in table.column_names for c in ',"\r\n'):
        return True
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = pa.chunked_array(
                [chunk.dictionary for chunk in column.chunks], kind.value_type
            )
            kind = kind.value_type
        if (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and pc.any(
            pc.match_substring_regex(column, special)
        ).as_py():
            return True
    return False


def csv_ready_table(df: pd.DataFrame, *, compact_always: bool = False):
    """The Arrow table that is written as CSV: formulas guarded, scores compacted."""
    import pandas as pd
    import pyarrow as pa

    frame = guard_formulas(df)
    arrays, names = [], []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_object_dtype(s.dtype):
            s = s.astype("string")
        arrays.append(
            _compact(pa.chunked_array([pa.array(s, from_pandas=True)]), always=compact_always)
        )
        names.append(str(col))
    return pa.Table.from_arrays(arrays, names=names)


def csv_write_options(table, *, header: bool = True):
    """Write options: unquoted values unless some text needs quotes."""
    import pyarrow.csv as pacsv

    quoting = "needed" if _needs_quotes(table) else "none"
    return pacsv.WriteOptions(quoting_style=quoting, include_header=header)


class OrderedCsvWriter:
    """Render Arrow tables as CSV text in a worker thread and write them in order.

    Formatting numbers as text is the costliest step of writing a CSV; pyarrow releases
    the GIL while it does it, so the next slice can be prepared (or scored) meanwhile.
    At most ``depth`` slices wait. Call :meth:`close` to write what is pending, and
    :meth:`abandon` (in a ``finally``) to stop the worker in any case.

    Examples
    --------
    >>> import io, pyarrow as pa
    >>> sink = io.BytesIO()
    >>> table = pa.table({"a": [1, 2]})
    >>> w = OrderedCsvWriter(sink, csv_write_options(table))
    >>> w.write(table.slice(0, 1)); w.write(table.slice(1)); w.close(); w.abandon()
    >>> sink.getvalue().decode().splitlines()
    ['"a"', '1', '2']
    """

    def __init__(self, sink, options, depth: int = 2) -> None:
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        self._sink = sink
        self._quoting = options.quoting_style
        self._depth = depth
        self._pending: deque = deque()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="dyadscore-csv-writer")
        self._header = True

    def _render(self, table, header: bool) -> bytes:
        import pyarrow.csv as pacsv

        sink = _io.BytesIO()
        options = pacsv.WriteOptions(quoting_style=self._quoting, include_header=header)
        pacsv.write_csv(table, sink, options)
        return sink.getvalue()

    def write(self, table) -> None:
        while len(self._pending) >= self._depth:
            self._sink.write(self._pending.popleft().result())
        self._pending.append(self._pool.submit(self._render, table, self._header))
        self._header = False

    def close(self) -> None:
        while self._pending:
            self._sink.write(self._pending.popleft().result())

    def abandon(self) -> None:
        """Stop the worker (after close, or on an error: pending text is dropped)."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True)


CSV_SLICE_ROWS = 100_000


def _write_csv(df: pd.DataFrame, tmp: Path) -> None:
    table = csv_ready_table(df)
    with open(tmp, "wb") as fh:
        writer = OrderedCsvWriter(fh, csv_write_options(table))
        try:
            for start in range(0, max(table.num_rows, 1), CSV_SLICE_ROWS):
                writer.write(table.slice(start, CSV_SLICE_ROWS))
            writer.close()
        finally:
            writer.abandon()


def table_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The output format of ``path``: ``fmt`` when given, else by the file's extension.

    Parameters
    ----------
    path : path
        The output file.
    fmt : {"csv", "json", "parquet", "excel"}, optional
        The format, overriding the extension.

    Returns
    -------
    str
        ``"csv"``, ``"json"``, ``"parquet"`` or ``"excel"``; a file without an extension is CSV.

    Examples
    --------
    >>> table_format("scores.parquet"), table_format("scores")
    ('parquet', 'csv')
    """
    suffix = Path(path).suffix.lower()
    if fmt is None and suffix and suffix not in TABLE_FORMATS:
        raise InputError(
            f"{path}: cannot write {suffix} files here; expected .csv, .json, .parquet or .xlsx "
            "(SPSS .sav and Stata .dta: dyadscore score/convert)"
        )
    kind = fmt or TABLE_FORMATS.get(suffix, "csv")
    if kind not in {"csv", "json", "parquet", "excel"}:
        raise InputError(f"{path}: unknown output format {kind!r}; expected csv, json or parquet")
    return kind


def write_frame(df: pd.DataFrame, tmp: Path, kind: str, meta: dict[str, Any] | None = None) -> None:
    """Write ``df`` to the open temporary file ``tmp`` as ``kind`` (csv, json, parquet, excel).

    CSV is written by pyarrow with empty cells for missing values and formula-like text
    guarded; ``meta`` goes into a Parquet file's schema metadata (key ``dyadscore``).

    Parameters
    ----------
    df : DataFrame
        The table.
    tmp : pathlib.Path
        The file to write (usually from :func:`atomic_path`).
    kind : {"csv", "json", "parquet", "excel"}
        The format.
    meta : dict, optional
        JSON-serialisable metadata for Parquet.

    Returns
    -------
    None

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_frame(pd.DataFrame({"a": [1.5, None]}), tmp, "csv")
    >>> tmp.read_text().splitlines()
    ['"a"', '1.5', '']
    """
    if kind == "csv":
        _write_csv(df, tmp)
    elif kind == "json":
        tmp.write_text(
            df.to_json(orient="records", force_ascii=False, double_precision=15),
            encoding="utf-8",
        )
    elif kind == "excel":
        guard_formulas(df).to_excel(tmp, index=False, engine="openpyxl")
    else:
        _write_parquet(df, tmp, meta)


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike,
    *,
    force: bool = False,
    fmt: str | None = None,
) -> Path:
    """Write ``df`` atomically as CSV, JSON (records), Parquet or Excel; ``"-"`` writes CSV to stdout.

    The generic writer for any table (a model's estimates, a reshaped data set). Score
    tables go through :func:`dyadscore.write_scores`, which adds their codebook.

    Parameters
    ----------
    df : DataFrame
        The table.
    path : path or ``"-"``
        Output file; the extension picks the format unless ``fmt`` is given.
    force : bool
        Overwrite an existing file.
    fmt : {"csv", "json", "parquet", "excel"}, optional
        Output format.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        Unknown format, an existing file without ``force``, a missing folder.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> p = write_table(pd.DataFrame({"a": [1]}), os.path.join(tempfile.mkdtemp(), "a.json"))
    >>> p.read_text()
    '[{"a":1}]'
    """
    name = str(path)
    if name == "-":
        guard_formulas(df).to_csv(sys.stdout, index=False)
        return Path("-")
    kind = table_format(name, fmt)
    with atomic_path(name, force=force) as tmp:
        write_frame(df, tmp, kind)
    return Path(name)


def _write_parquet(df: pd.DataFrame, tmp: Path, meta: dict[str, Any] | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if meta:
        merged = dict(table.schema.metadata or {})
        merged[b"dyadscore"] = json.dumps(meta, default=str).encode()
        table = table.replace_schema_metadata(merged)
    pq.write_table(table, str(tmp))


def write_text(text: str, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write text atomically (``"-"`` prints it).

    Parameters
    ----------
    text : str
        The text.
    path : path or ``"-"``
        The file (``"-"``: standard output).
    force : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, os
    >>> write_text("hi", os.path.join(tempfile.mkdtemp(), "t.txt")).read_text()
    'hi'
    """
    if str(path) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return Path("-")
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
