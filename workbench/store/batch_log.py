"""The batch log: scored rows of batch runs in columnar chunk files, indexed by one store row per chunk.

A chunk of a run (an app job or one ``mds predict``) is an Arrow IPC file under the MDS home,
written under a temporary name and renamed, then indexed here (``batch_log_chunk``: run, rows,
counts, file; ``batch_log_request``: which request ids scored it) in one transaction. The unique
(run, start row) makes indexing a chunk twice a no-op, so a resumed run cannot log a row twice.

    record_chunk(engine, ChunkEntry(...), request_ids)     index a written chunk file
    logged_end(engine, run_id)                             rows of the run logged so far
    batch_logged_rows(engine, model, start, end)           a model's logged rows in a time window
    locate(engine, model, request_id, row)                 the logged rows a request id scored
    prediction_for(engine, located)                        the prediction row feedback needs, made lazily
    prediction_of_job_row(engine, job_id, row)             the same for a job's row

Monitor counts and samples batch traffic through ``batch_traffic`` (counts from this index,
every n-th row of these files, each row once beside the request log). ``batch_logged_rows``
yields one dict per row (the features under their names, ``prediction``, ``p(<class>)``,
``request_id``, ``error``, ``row``, and ``created``, the time its chunk was logged), oldest chunk
first, a chunk file at a time, so a window of a million rows never sits in memory at once.
Single calls stay in ``prediction``.

A ``prediction`` row exists for a batch row only once someone gives feedback on it: feedback
and its outbox reference a prediction id, and making 100,000 of them per job was the cost.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.feather as feather
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from workbench.store.engine import session_scope
from workbench.store.tables import BatchLogChunk, BatchLogRequest, PredictionRow, utcnow

OUTPUT_COLUMNS = ("prediction", "confidence", "request_id", "error", "row")


@dataclass(frozen=True)
class ChunkEntry:
    """What the index keeps of one chunk file."""

    run_id: str
    model: str
    start_row: int
    end_row: int
    path: str
    rows_scored: int = 0
    rows_rejected: int = 0
    batch_job_id: str | None = None
    version: str = ""
    protocol: str = ""
    user: str = ""
    source: str = "batch"
    task: str = ""
    output: str = ""


def record_chunk(engine: Engine, entry: ChunkEntry, request_ids: list[str]) -> bool:
    """Index a chunk file already in place; False when the run had this chunk indexed already."""
    try:
        with session_scope(engine) as session:
            if session.scalar(select(BatchLogChunk.id).where(BatchLogChunk.run_id == entry.run_id,
                                                             BatchLogChunk.start_row == entry.start_row)):
                return False
            row = BatchLogChunk(**entry.__dict__, created=utcnow())
            session.add(row)
            session.flush()
            session.add_all([BatchLogRequest(chunk_id=row.id, model=entry.model, request_id=r)
                             for r in dict.fromkeys(request_ids) if r])
        return True
    except IntegrityError:  # another process indexed it between our check and our insert
        return False


def logged_end(engine: Engine, run_id: str) -> int:
    """The last row of the run that is logged (0: none); chunks are logged in order."""
    with session_scope(engine) as session:
        return int(session.scalar(select(func.max(BatchLogChunk.end_row)).where(BatchLogChunk.run_id == run_id)) or 0)


def run_chunks(engine: Engine, run_id: str) -> list[tuple[int, int, str]]:
    """(start_row, end_row, path) of every indexed chunk of a run, in row order."""
    with session_scope(engine) as session:
        return [tuple(r) for r in session.execute(select(BatchLogChunk.start_row, BatchLogChunk.end_row,
                                                         BatchLogChunk.path)
                                                  .where(BatchLogChunk.run_id == run_id)
                                                  .order_by(BatchLogChunk.start_row)).all()]


def run_frame(engine: Engine, run_id: str) -> Any:
    """Every logged row of a run as one DataFrame (for checks and small runs: it is all in memory)."""
    frames = [read_chunk(path) for _, _, path in run_chunks(engine, run_id)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_chunk(path: str | Path) -> Any:
    """A chunk file as a pandas DataFrame."""
    return feather.read_table(str(path)).to_pandas()


def batch_logged_rows(engine: Engine, model: str, start: datetime, end: datetime | None = None,
                      *, scored_only: bool = False) -> Iterator[dict[str, Any]]:
    """Each batch-logged row of ``model`` whose chunk was logged in ``[start, end)``, oldest first."""
    query = select(BatchLogChunk.path, BatchLogChunk.created).where(BatchLogChunk.model == model,
                                                                    BatchLogChunk.created >= start)
    if end is not None:
        query = query.where(BatchLogChunk.created < end)
    with session_scope(engine) as session:
        chunks = [tuple(r) for r in session.execute(query.order_by(BatchLogChunk.created, BatchLogChunk.id)).all()]
    for path, created in chunks:
        if not Path(path).exists():
            continue  # the MDS home was cleaned: the index outlives the file
        frame = read_chunk(path)
        if scored_only and "error" in frame:
            frame = frame[frame["error"].fillna("") == ""]
        for record in frame.to_dict("records"):
            record["created"] = created
            yield record


@dataclass(frozen=True)
class Located:
    """A batch-logged row found by request id: its chunk and its record."""

    chunk: BatchLogChunk
    record: dict[str, Any]


def locate(engine: Engine, model: str, request_id: str, row: int | None = None) -> list[Located]:
    """The batch-logged rows of ``model`` that ``request_id`` scored (only row ``row`` when given)."""
    with session_scope(engine) as session:
        chunks = list(session.scalars(select(BatchLogChunk).join(BatchLogRequest,
                                                                 BatchLogRequest.chunk_id == BatchLogChunk.id)
                                      .where(BatchLogRequest.model == model, BatchLogRequest.request_id == request_id)
                                      .order_by(BatchLogChunk.id)))
        session.expunge_all()
    found: list[Located] = []
    for chunk in chunks:
        if (row is not None and not chunk.start_row < row <= chunk.end_row) or not Path(chunk.path).exists():
            continue
        frame = read_chunk(chunk.path)
        mask = frame["request_id"].astype(str) == request_id
        if row is not None:
            mask &= frame["row"] == row
        found += [Located(chunk, r) for r in frame[mask].to_dict("records")]
    return found


def prediction_for(engine: Engine, located: Located) -> int:
    """The prediction id of a batch-logged row: made from its chunk the first time, the same id after."""
    return _materialize(engine, located.chunk, located.record)


def prediction_of_job_row(engine: Engine, job_id: str, row: int) -> int | None:
    """The prediction id of row ``row`` of a job's results, made from its logged chunk (None: not logged)."""
    with session_scope(engine) as session:
        chunk = session.scalars(select(BatchLogChunk).where(BatchLogChunk.run_id == job_id,
                                                            BatchLogChunk.start_row < row,
                                                            BatchLogChunk.end_row >= row).limit(1)).first()
        if chunk is not None:
            session.expunge(chunk)
    if chunk is None or not Path(chunk.path).exists():
        return None
    frame = read_chunk(chunk.path)
    records = frame[frame["row"] == row].to_dict("records")
    return _materialize(engine, chunk, records[0]) if records else None


def _materialize(engine: Engine, chunk: BatchLogChunk, record: dict[str, Any]) -> int:
    row = int(record["row"])
    request_id = str(record.get("request_id") or "")
    with session_scope(engine) as session:
        candidates = session.scalars(select(PredictionRow).where(PredictionRow.model == chunk.model,
                                                                 PredictionRow.request_id == request_id,
                                                                 PredictionRow.source == chunk.source,
                                                                 PredictionRow.batch_job_id == chunk.batch_job_id))
        for existing in candidates:
            if isinstance(existing.outputs, dict) and existing.outputs.get("row") == row:
                return int(existing.id)
        error = str(record.get("error") or "") or None
        inputs = {k: _plain(v) for k, v in record.items() if k not in OUTPUT_COLUMNS and not _is_prob(k)}
        outputs = None
        if error is None:
            label = _plain(record.get("prediction"))
            probs = {k[2:-1]: _plain(v) for k, v in record.items() if _is_prob(k)} or None
            outputs = {"task": chunk.task, "label": label, "probabilities": probs,
                       "value": label if chunk.task == "regression" else None, "row": row}
        prediction = PredictionRow(request_id=request_id, model=chunk.model, version=chunk.version,
                                   protocol=chunk.protocol, user=chunk.user, inputs=inputs, outputs=outputs,
                                   status="error" if error else "ok", error=error, source=chunk.source,
                                   batch_job_id=chunk.batch_job_id, created=chunk.created)
        session.add(prediction)
        session.flush()
        return int(prediction.id)


def _is_prob(name: str) -> bool:
    return name.startswith("p(") and name.endswith(")")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
