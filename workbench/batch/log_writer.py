"""Log the rows of a batch run off the scoring path: one Arrow file per chunk, one index row per chunk.

    writer = BatchLogWriter(engine, home, ref, schema, run_id=..., first_row=rows_done)
    writer.catch_up(output, rows_done)      # a resumed run: log what the output has and the log lacks
    scorer.run(..., on_rows=writer.on_rows)
    error = writer.close()                  # waits for the queue; None when every chunk was logged

``on_rows`` only puts the scored frame on a bounded queue (two chunks: memory stays flat and a
slow disk slows the job instead of filling memory); a thread turns it into an Arrow IPC file
under ``<home>/batch_log/<run>/`` (temporary name, then rename) and indexes it in the store
(``workbench.store.batch_log``). The output is written before its rows reach this queue, so after
a crash the log lags the output: ``catch_up`` reads the missing rows back from the output, and a
chunk already indexed is skipped, so every row is logged once.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from sqlalchemy import Engine, create_engine, text

from mds_client import ModelRef, ModelSchema
from mds_client.batch.inputs import read_chunks
from mds_client.batch.output import is_database_url, parse_table_url
from workbench.store import batch_log
from workbench.store.batch_log import ChunkEntry
from workbench.store.tables import new_id

QUEUE_CHUNKS = 2
CATCH_UP_ROWS = 10_000
_DONE = object()


class BatchLogWriter:
    """The ``on_rows`` callback of a batch run, writing its chunks to the batch log in a thread."""

    def __init__(self, engine: Engine, home: Path | str, ref: ModelRef, schema: ModelSchema, *, run_id: str,
                 user: str, source: str = "batch", batch_job_id: str | None = None, output: str = "",
                 first_row: int = 0) -> None:
        self.engine = engine
        self.directory = Path(home) / "batch_log" / run_id
        self.template = ChunkEntry(run_id=run_id, model=ref.name, start_row=0, end_row=0, path="",
                                   batch_job_id=batch_job_id, version=ref.version or "", protocol=str(ref.protocol),
                                   user=user, source=source, task=schema.task, output=output)
        self.features = [str(c) for c in schema.table_columns()]
        self.row = first_row
        self.logged = batch_log.logged_end(engine, run_id)
        self.error: Exception | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._thread = threading.Thread(target=self._drain, name=f"batch-log-{run_id[:8]}", daemon=True)
        self._thread.start()

    @property
    def run_id(self) -> str:
        return self.template.run_id

    def on_rows(self, frame: pd.DataFrame) -> None:
        start, self.row = self.row, self.row + len(frame)
        if self.row <= self.logged:
            return  # indexed by an earlier life of this run
        if start < self.logged:  # chunks of another size in that life: keep only the rows it did not log
            frame, start = frame.iloc[self.logged - start :].reset_index(drop=True), self.logged
        self._queue.put((start, frame))

    def catch_up(self, output: str | Path, rows_done: int) -> int:
        """Log rows ``logged_end + 1 .. rows_done`` of ``output`` (a crash left them unlogged); how many."""
        start = self.logged
        if rows_done <= start:
            self.row = rows_done
            return 0
        self.row = start
        for frame in output_rows(output, start, rows_done):
            self.on_rows(frame)
        self.row = rows_done
        return rows_done - start

    def close(self) -> Exception | None:
        """Wait until every queued chunk is logged; the first error, if any."""
        self._queue.put(_DONE)
        self._thread.join()
        return self.error

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self.error is not None:
                continue  # the log stopped; a resume catches up from the output
            try:
                self._write(*item)
            except Exception as exc:  # reported by close(): scoring must go on
                self.error = exc

    def _write(self, start: int, frame: pd.DataFrame) -> None:
        written = write_chunk_file(self.directory, self.features, start, frame)
        entry = ChunkEntry(**{**self.template.__dict__, "start_row": start, "end_row": start + len(frame),
                              "path": str(written.path), "rows_scored": written.rows_scored,
                              "rows_rejected": written.rows_rejected})
        batch_log.record_chunk(self.engine, entry, written.request_ids)


@dataclass(frozen=True)
class WrittenChunk:
    path: Path
    rows_scored: int
    rows_rejected: int
    request_ids: list[str]


def write_chunk_file(directory: Path, features: list[str], start: int, frame: pd.DataFrame) -> WrittenChunk:
    """Rows ``start + 1 ..`` of a run as ``<directory>/<start>.arrow`` (temporary name, then rename); not indexed."""
    errors = frame["error"].fillna("").astype(str) if "error" in frame else pd.Series([""] * len(frame))
    requests = frame["request_id"].fillna("").astype(str) if "request_id" in frame else pd.Series([""] * len(frame))
    # The schema's features and the outputs; a model with no known features keeps every input column.
    columns = [c for c in frame.columns if (str(c) in features if features
                                             else str(c) not in ("request_id", "error", "row"))
               or _is_output(str(c))]
    table = _arrow_table(frame, columns, errors, requests, start)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{start:012d}.arrow"
    tmp = final.with_name(f".{final.stem}.{os.getpid()}.{threading.get_ident()}.tmp")  # two writers of one chunk
    # No fsync: a killed process loses nothing the kernel holds; the output file is the fsynced copy.
    feather.write_feather(table, str(tmp), compression="lz4")
    os.replace(tmp, final)
    rejected = int((errors != "").sum())
    return WrittenChunk(final, len(frame) - rejected, rejected, requests.unique().tolist())


def run_for_output(home: Path | str, output: str, *, resume: bool) -> str:
    """The run id of a CLI run into ``output``: a new one, kept beside the log, or on resume the kept one.

    Kept in a file of its own (not looked up in the index) so that a run killed before its first
    chunk was logged still resumes as itself, not as the finished run before it.
    """
    marker = Path(home) / "batch_log" / "outputs" / (hashlib.sha256(output.encode()).hexdigest()[:24] + ".run")
    if resume and marker.exists():
        return marker.read_text().strip()
    run_id = new_id()
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(run_id)
    os.replace(tmp, marker)
    return run_id


def _is_output(name: str) -> bool:
    return name in ("prediction", "confidence") or (name.startswith("p(") and name.endswith(")"))


def _arrow_table(frame: pd.DataFrame, columns: list[Any], errors: pd.Series, requests: pd.Series, start: int) -> Any:
    arrays, names = [], []
    for column in columns:
        series = frame[column]
        try:
            arrays.append(pa.array(series, from_pandas=True))
        except (pa.ArrowException, TypeError, ValueError):  # a column of mixed types: kept as text
            arrays.append(pa.array(series.astype(str).where(series.notna(), None), from_pandas=True))
        names.append(str(column))
    arrays += [pa.array(requests.to_numpy()), pa.array(errors.to_numpy()),
               pa.array(np.arange(start + 1, start + len(frame) + 1, dtype=np.int64))]
    names += ["request_id", "error", "row"]
    return pa.Table.from_arrays(arrays, names=names)


def output_rows(output: str | Path, start: int, end: int) -> Iterator[pd.DataFrame]:
    """Rows ``start + 1 .. end`` of a batch output (file, Parquet parts of an unfinished run, or table)."""
    if is_database_url(output):
        yield from _table_rows(str(output), start, end)
        return
    path = Path(output)
    parts = path.with_name(path.name + ".parts")
    sources = sorted(p for p in parts.glob("*.parquet") if p.stem.isdigit()) if parts.is_dir() else [path]
    skip, left = start, end - start
    for source in sources:
        for frame in read_chunks(source, CATCH_UP_ROWS):
            if skip >= len(frame):
                skip -= len(frame)
                continue
            frame = frame.iloc[skip : skip + left].reset_index(drop=True)
            skip, left = 0, left - len(frame)
            yield frame
            if left <= 0:
                return


def _table_rows(output: str, start: int, end: int) -> Iterator[pd.DataFrame]:
    url, schema, table = parse_table_url(output)
    name = f'"{schema}"."{table}"' if schema else f'"{table}"'
    engine = create_engine(url)
    try:
        for low in range(start, end, CATCH_UP_ROWS):
            high = min(end, low + CATCH_UP_ROWS)
            with engine.connect() as connection:
                frame = pd.read_sql(text(f"SELECT * FROM {name} WHERE input_row > :low AND input_row <= :high "
                                         "ORDER BY input_row"), connection, params={"low": low, "high": high})
            yield frame.drop(columns=["input_row"])
    finally:
        engine.dispose()
