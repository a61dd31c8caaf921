"""Score a large CSV file to CSV in record batches, without holding it in memory twice.

``dyadscore score big.csv -o scores.csv`` streams the input with pyarrow's CSV
reader (parsing the next block in background threads while the current one is
scored), scores each batch with :func:`dyadscore.scoring.score` (the same function,
so the same rules and error messages) and appends it to the output. Duplicate person
ids across batches are checked at the end. The output is atomic: nothing is left
behind on any error. Inputs the stream reader cannot type consistently (a text cell
late in a numeric column, say) fall back to reading the whole file, which reports
the problem as usual.

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
from .io import atomic_path, csv_ready_table, csv_write_options, read_table, write_table, write_text
from .scoring import drop_blank_rows, find_person_column, score

BLOCK_BYTES = 8 << 20  # ~8 MB of CSV text per record batch


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
) -> dict[str, Any]:
    """Score ``path`` (CSV) on ``instruments`` and write the scores to ``out`` (CSV).

    Returns the metadata (provenance and codebook) also written to ``<out>.meta.json``.
    """
    insts = load_instruments(instruments)
    source = str(path)
    try:
        meta = _stream(source, insts, out, person=person, mapping=mapping, force=force)
    except _Fallback:
        data = read_table(path, arrow=True)
        data.attrs["source"] = source
        scores = score(data, insts, person=person, mapping=mapping, source=source)
        meta = {"provenance": scores.attrs["provenance"], "codebook": scores.attrs["codebook"]}
        write_table(scores, out, force=force, meta=meta)
        return meta
    return meta


def _stream(source, insts, out, *, person, mapping, force) -> dict[str, Any]:
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
    try:
        reader = pacsv.open_csv(source, read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES))
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        raise _Fallback from None
    meta_path = f"{out}.meta.json"
    if os.path.exists(out) and not force:
        raise InputError(f"{out}: already exists; use --force (force=True) to overwrite")
    if os.path.exists(meta_path) and not force:
        raise InputError(f"{meta_path}: already exists; use --force (force=True) to overwrite")
    ids: list[pd.DataFrame] = []
    offset = 0
    meta: dict[str, Any] = {}
    with atomic_path(out, force=force) as tmp, open(tmp, "wb") as sink:
        writer = None
        batches = _prefetched(reader)
        while True:
            try:
                batch = next(batches)
                if any(pa.types.is_binary(f.type) for f in batch.schema):
                    raise _Fallback  # text that is not UTF-8: let the full reader name it
                frame = pa.Table.from_batches([batch]).to_pandas(types_mapper=pd.ArrowDtype)
            except StopIteration:
                break
            except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
                raise _Fallback from None
            frame.columns = [str(c).strip() for c in frame.columns]
            if {"item", "value"} <= set(frame.columns):
                raise _Fallback  # long format needs the whole file
            n_rows = len(frame)
            frame.index = pd.RangeIndex(offset, offset + n_rows)
            frame = drop_blank_rows(frame, find_person_column(frame, person, source), source)
            scores = score(frame, insts, person=person, source=source)
            table = csv_ready_table(scores, compact_always=True)
            if writer is None:
                options = csv_write_options(table)
                schema = table.schema
                writer = pacsv.CSVWriter(sink, schema, write_options=options)
                meta = {
                    "provenance": scores.attrs["provenance"],
                    "codebook": scores.attrs["codebook"],
                }
                pid = find_person_column(frame, person, source)
                keys = [pid, "wave"] if "wave" in frame.columns else [pid]
            try:
                writer.write_table(table.cast(schema))
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                raise _Fallback from None
            ids.append(frame[keys].copy())
            offset += n_rows
        if writer is None:
            raise InputError(f"{source}: no data rows; expected a header row and data")
        writer.close()
        _check_unique(pd.concat(ids), keys, source)
        write_text(json.dumps(meta, indent=2, default=str), meta_path, force=True)
    return meta


def _prefetched(reader, depth: int = 2):
    """Yield the reader's batches while a background thread parses the next ones.

    pyarrow releases the GIL while parsing, so reading overlaps scoring and writing
    on a second core. Exceptions from the reader are re-raised in the caller.
    """
    import queue
    import threading

    slots: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for batch in reader:
                if stop.is_set():
                    return
                slots.put(batch)
            slots.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            slots.put(exc)

    thread = threading.Thread(target=work, name="dyadscore-csv-reader", daemon=True)
    thread.start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue
            try:
                slots.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


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
