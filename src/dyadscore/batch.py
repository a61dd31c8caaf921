"""Score a large CSV file to CSV fast: read once, score in slices, write while scoring.

``dyadscore score big.csv -i ... -o scores.csv`` reads the input with pyarrow's
multi-threaded CSV reader into Arrow memory (no pandas copy), scores it in slices of
:data:`BATCH_ROWS` rows with :func:`dyadscore.scoring.score` (the same function, so
the same rules and error messages), and formats each scored slice as CSV text in a
background thread while the next slice is scored. Duplicate person ids across slices
are checked at the end. The output is atomic: nothing is left behind on any error.
Inputs this path cannot handle (``;`` files with decimal commas, text that is not
UTF-8, long tables, a mapping, a later id that needs quotes) fall back to the
ordinary read-score-write path, which reports problems as usual.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> d = tempfile.mkdtemp()
>>> src = os.path.join(d, "in.csv")
>>> pd.DataFrame({"person": [1, 2], "sat1": [5, 4], "sat2": [4, 4], "sat3": [1, 2],
...               "sat4": [5, 4], "sat5": [4, 4]}).to_csv(src, index=False)
>>> meta = score_csv(src, ["relationship-satisfaction"], os.path.join(d, "out.csv"))
>>> pd.read_csv(os.path.join(d, "out.csv"))["satisfaction"].tolist()
[4.6, 4.0]
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, where
from .instruments import load_instruments
from .io import (
    OrderedCsvWriter,
    atomic_path,
    csv_ready_table,
    csv_write_options,
    read_table,
    write_table,
    write_text,
)
from .scoring import drop_blank_rows, find_person_column, score

BATCH_ROWS = 100_000  # rows scored and written at a time


def _arrow_errors() -> tuple[type[Exception], ...]:
    import pyarrow as pa

    return (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


class _Fallback(Exception):
    """The stream cannot be scored batch by batch; read the whole file instead."""


def score_csv(
    path: str | os.PathLike,
    instruments: Any,
    out: str | os.PathLike,
    *,
    person: str | None = None,
    mapping: Any = None,
    force: bool = False,
    allow_between_points: bool = False,
) -> dict[str, Any]:
    """Score ``path`` (CSV) on ``instruments`` and write the scores to ``out`` (CSV).

    Returns the metadata (provenance and codebook) also written to ``<out>.meta.json``.
    """
    insts = load_instruments(instruments)
    source = str(path)
    try:
        meta = _stream(
            source,
            insts,
            out,
            person=person,
            mapping=mapping,
            force=force,
            allow_between_points=allow_between_points,
        )
    except _Fallback:
        data = read_table(path, arrow=True)
        data.attrs["source"] = source
        scores = score(
            data,
            insts,
            person=person,
            mapping=mapping,
            source=source,
            allow_between_points=allow_between_points,
        )
        meta = {"provenance": scores.attrs["provenance"], "codebook": scores.attrs["codebook"]}
        write_table(scores, out, force=force, meta=meta)
        return meta
    return meta


def _stream(
    source, insts, out, *, person, mapping, force, allow_between_points=False
) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with open(source, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        raise _Fallback from None  # the full reader names the problem
    first_line = head.split(b"\n", 1)[0]
    if first_line.count(b";") > first_line.count(b",") or b"\t" in first_line:
        raise _Fallback  # ';' (decimal comma) and tab files take the pandas reader
    if mapping is not None:
        raise _Fallback
    meta_path = f"{out}.meta.json"
    if os.path.exists(out) and not force:
        raise InputError(f"{out}: already exists; use --force (Python: force) to overwrite")
    if os.path.exists(meta_path) and not force:
        raise InputError(f"{meta_path}: already exists; use --force (Python: force) to overwrite")
    try:
        # pyarrow's multi-threaded reader is 2x faster than its block-by-block stream
        whole = pacsv.read_csv(source)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        raise _Fallback from None
    if any(pa.types.is_binary(f.type) for f in whole.schema):
        raise _Fallback  # text that is not UTF-8: let the full reader name it
    ids: list[pd.DataFrame] = []
    offset = 0
    meta: dict[str, Any] = {}
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
                n_rows = len(frame)
                frame.index = pd.RangeIndex(offset, offset + n_rows)
                frame = drop_blank_rows(frame, find_person_column(frame, person, source), source)
                scores = score(
                    frame,
                    insts,
                    person=person,
                    source=source,
                    allow_between_points=allow_between_points,
                )
                table = csv_ready_table(scores, compact_always=True)
                if writer is None:
                    writer = OrderedCsvWriter(sink, csv_write_options(table))
                    schema = table.schema
                    meta = {
                        "provenance": scores.attrs["provenance"],
                        "codebook": scores.attrs["codebook"],
                    }
                    pid = find_person_column(frame, person, source)
                    keys = [pid, "wave"] if "wave" in frame.columns else [pid]
                try:  # a later slice the first slice's schema or quoting cannot carry
                    writer.write(table.cast(schema))
                except _arrow_errors():
                    raise _Fallback from None
                ids.append(frame[keys].copy())
                offset += n_rows
            if writer is None:
                raise InputError(f"{source}: no data rows; expected a header row and data")
            try:
                writer.close()
            except _arrow_errors():
                raise _Fallback from None
        finally:
            if writer is not None:
                writer.abandon()
        _check_unique(pd.concat(ids), keys, source)
        write_text(json.dumps(meta, indent=2, default=str), meta_path, force=True)
    return meta


def _check_unique(ids: pd.DataFrame, keys: list[str], source: str) -> None:
    dup = ids.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:2]
        first = ids[keys[0]].iloc[rows[0]]
        lines = ids.index.to_numpy()[rows] + 2  # index = row of the file (see _stream)
        raise InputError(
            f"{where(source, first, keys[0])}: person id {first!r} occurs more than once "
            f"(lines {lines[0]} and {lines[1]}); expected one row per person"
            + (" and wave" if len(keys) > 1 else "")
        )
