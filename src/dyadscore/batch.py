"""The read → score → write path: :func:`score_file`, and its streaming CSV fast path.

:func:`score_file` reads a responses file with the one reader
(:func:`dyadscore.formats.read_for_scoring`, the engine of ``read_responses``), scores
it with :func:`dyadscore.scoring.score` and writes the scores with the one score writer
(:func:`dyadscore.formats.writers.write_scores`). ``dyadscore score`` is this function.

A large CSV scored to CSV takes a faster road with the same rules and messages: the
input is read with pyarrow's multi-threaded CSV reader into Arrow memory (no pandas
copy), scored in slices of :data:`BATCH_ROWS` rows with the same ``score``, and each
scored slice is formatted as CSV text in a background thread while the next one is
scored. Duplicate person ids across slices are checked at the end with scoring's own
check; the codebook and metadata written beside the file are the score writer's. The
output is atomic: nothing is left behind on any error. Inputs this road cannot take
(``;`` files with decimal commas, text that is not UTF-8, long tables, a mapping, a
later id that needs quotes) take the ordinary road, which reports problems as usual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from . import formats
from .errors import InputError, reading
from .formats.writers import (
    codebook_records,
    column_stats,
    merge_stats,
    score_meta,
    sidecar_paths,
    write_scores,
    write_sidecars,
)
from .instruments import load_instruments
from .io import (
    OrderedCsvWriter,
    atomic_path,
    check_targets,
    csv_ready_table,
    csv_write_options,
)
from .scoring import check_unique_people, drop_blank_rows, find_person_column, score

BATCH_ROWS = 100_000  # rows scored and written at a time


def score_file(
    path: str | os.PathLike,
    instruments: Any = None,
    out: str | os.PathLike | None = None,
    *,
    mapping: Any = None,
    source: str = "auto",
    person: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    allow_between_points: bool = False,
) -> pd.DataFrame | dict[str, Any]:
    """Read a responses file, score it, and write the scores with their codebook.

    Parameters
    ----------
    path : path
        Responses: the project's own table (CSV, Excel, Parquet, JSON; wide, or long
        ``person, item, value``) or a survey platform's export (see ``source``).
    instruments : id, path, Instrument or list of them, optional
        What to score. Default: the mapping's ``instruments:``, else every shipped
        instrument whose items are all present.
    out : path or ``"-"``, optional
        Where to write the scores (``.csv``, ``.json``, ``.xlsx``, ``.parquet``, ``.sav``,
        ``.dta``; ``"-"``: CSV on standard output). Default: write nothing and return them.
    mapping : dict, path or Mapping, optional
        Which export column is which item (see :func:`dyadscore.formats.load_mapping`).
    source : str
        The platform (``"auto"``, ``"qualtrics"``, ``"redcap"``, ... ``"csv"``); ``"auto"``
        detects it.
    person : str, optional
        The person id column (default: detected).
    fmt : {"csv", "json", "parquet", "excel", "spss", "stata"}, optional
        Output format, overriding ``out``'s extension.
    force : bool
        Replace existing output files.
    allow_between_points : bool
        Accept answers between the points of the response scale.

    Returns
    -------
    DataFrame or dict
        Without ``out``: the scores, as :func:`dyadscore.score` returns them. With
        ``out``: ``rows`` (number of rows written), ``paths`` (the score file, then its
        ``.codebook.md``, ``.codebook.csv`` and ``.meta.json``), ``provenance`` and
        ``codebook``.

    Raises
    ------
    InputError
        Anything wrong with the file, the mapping, the answers or the output: one line
        naming the file, the row, the column and the value; nothing is written.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> src = os.path.join(d, "in.csv")
    >>> pd.DataFrame({"person": [1, 2], "sat1": [5, 4], "sat2": [4, 4], "sat3": [1, 2],
    ...               "sat4": [5, 4], "sat5": [4, 4]}).to_csv(src, index=False)
    >>> score_file(src)["satisfaction"].tolist()
    [4.6, 4.0]
    >>> res = score_file(src, "relationship-satisfaction", os.path.join(d, "out.csv"))
    >>> res["rows"], [p.name for p in res["paths"]][:2]
    (2, ['out.csv', 'out.csv.codebook.md'])
    >>> pd.read_csv(os.path.join(d, "out.csv"))["satisfaction"].tolist()
    [4.6, 4.0]
    """
    from .columns import present_instruments

    name = str(path)
    with reading(name):  # error messages name the file
        m = formats.load_mapping(mapping)
        source = formats.resolve_source(name, source, m, need_person=person is None)
        if source == "csv" and mapping is None and instruments and _csv_to_csv(name, out, fmt):
            try:
                return _stream(
                    name,
                    load_instruments(instruments),
                    str(out),
                    person=person,
                    force=force,
                    allow_between_points=allow_between_points,
                )
            except _Fallback:
                pass
        data, renames = formats.read_for_scoring(  # the mapping parsed once, above
            name, source, None if mapping is None else m, instruments=instruments, arrow=True
        )
        instruments = (
            instruments
            or m.instruments
            or present_instruments(data, renames.columns if renames is not None else None)
        )
        if not instruments:
            raise InputError(
                f"{name}: no shipped instrument has all its item columns here; name one with "
                "--instrument (Python: instruments) or map the columns with --map (Python: mapping)"
            )
        scores = score(
            data,
            instruments,
            person=person,
            mapping=renames,
            allow_between_points=allow_between_points,
        )
        if out is None:
            return scores
        paths = write_scores(scores, out, fmt=fmt, force=force)
        return {"rows": len(scores), "paths": paths, **score_meta(scores)}


def _csv_to_csv(path: str, out: Any, fmt: str | None) -> bool:
    return bool(
        out is not None
        and str(out) != "-"
        and path.lower().endswith(".csv")
        and str(out).lower().endswith(".csv")
        and fmt in (None, "csv")
    )


def _arrow_errors() -> tuple[type[Exception], ...]:
    import pyarrow as pa

    return (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


class _Fallback(Exception):
    """The stream cannot be scored batch by batch; read the whole file instead."""


def _stream(path, insts, out, *, person, force, allow_between_points=False) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        raise _Fallback from None  # the full reader names the problem
    first_line = head.split(b"\n", 1)[0]
    if first_line.count(b";") > first_line.count(b",") or b"\t" in first_line:
        raise _Fallback  # ';' (decimal comma) and tab files take the pandas reader
    targets = [Path(out), *sidecar_paths(out)]
    check_targets(targets, force)
    try:
        # pyarrow's multi-threaded reader is 2x faster than its block-by-block stream
        whole = pacsv.read_csv(path)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        raise _Fallback from None
    if any(pa.types.is_binary(f.type) for f in whole.schema):
        raise _Fallback  # text that is not UTF-8: let the full reader name it
    ids: list[pd.DataFrame] = []
    rows = 0
    first: pd.DataFrame | None = None
    stats: dict[str, tuple] = {}
    with atomic_path(out, force=force) as tmp, open(tmp, "wb") as sink:
        writer: OrderedCsvWriter | None = None
        try:
            for start in range(0, whole.num_rows, BATCH_ROWS):
                part = whole.slice(start, BATCH_ROWS)
                try:
                    frame = part.to_pandas(types_mapper=pd.ArrowDtype)
                except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
                    raise _Fallback from None
                frame.columns = [str(c).strip() for c in frame.columns]
                if {"item", "value"} <= set(frame.columns):
                    raise _Fallback  # long format needs the whole file
                frame.index = pd.RangeIndex(start, start + len(frame))  # rows of the file
                pid = find_person_column(frame, person)
                frame = drop_blank_rows(frame, pid)
                scores = score(
                    frame,
                    insts,
                    person=person,
                    allow_between_points=allow_between_points,
                )
                table = csv_ready_table(scores, compact_always=True)
                if writer is None:
                    writer = OrderedCsvWriter(sink, csv_write_options(table))
                    schema = table.schema
                    first = scores
                    keys = [pid, "wave"] if "wave" in frame.columns else [pid]
                try:  # a later slice the first slice's schema or quoting cannot carry
                    writer.write(table.cast(schema))
                except _arrow_errors():
                    raise _Fallback from None
                part_stats = column_stats(scores)
                stats = merge_stats(stats, part_stats) if stats else part_stats
                ids.append(frame[keys])
                rows += len(scores)
            if writer is None:
                raise InputError(f"{path}: no data rows; expected a header row and data")
            try:
                writer.close()
            except _arrow_errors():
                raise _Fallback from None
        finally:
            if writer is not None:
                writer.abandon()
        every = pd.concat(ids)
        every.attrs["_labels_are_rows"] = True  # the index holds the rows of the file
        check_unique_people(every, keys[0])
        records = codebook_records(first, stats=stats)
        write_sidecars(out, first, "csv", records=records, rows=rows)
    return {"rows": rows, "paths": targets, **score_meta(first)}
