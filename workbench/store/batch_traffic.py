"""Monitor's reads of batch-logged rows: counts per window and a bounded sample of one window.

A batch run's rows are in the batch log (``batch_log``), not in the request log; a batch sent
through a server whose logger reports to the request log is in both. A row counts once: a row
whose request id the request log holds for the model is the request log's, not the batch's.

Counts come from the chunk index (``end_row - start_row`` per chunk, no file read) except for the
chunks that share a request id with the request log (the Seldon-logger case), whose files are read
to count the rows no logger reported. A sample reads, of each chunk file (memory-mapped Arrow),
only every ``stride``-th row, so a million-row run costs Monitor about ``limit`` rows per rerun.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.feather as feather
from sqlalchemy import Engine, exists, func, select

from workbench.store.engine import session_scope
from workbench.store.request_log import as_time, log_key, sample_key
from workbench.store.tables import BatchLogChunk, BatchLogRequest, RequestLogRow

BATCH = "batch"
"""The source of batch-logged rows in Monitor's samples and counts."""

_OUTPUTS = ("prediction", "confidence", "request_id", "error", "row")


def _chunks(session: Any, model: str, t0: float, t1: float) -> list[tuple[int, int, int, int, str, datetime, bool]]:
    """(id, start_row, end_row, rows_rejected, path, created, shared) of the model's chunks logged in [t0, t1);
    ``shared``: some request id of the chunk is in the request log too."""
    chunk, req, log = BatchLogChunk.__table__.c, BatchLogRequest.__table__.c, RequestLogRow.__table__.c
    shared = exists().where(req.chunk_id == chunk.id, exists().where(log.model == model,
                                                                     log.request_id == req.request_id))
    query = (select(chunk.id, chunk.start_row, chunk.end_row, chunk.rows_rejected, chunk.path, chunk.created,
                    shared.label("shared"))
             .where(chunk.model == model, chunk.created >= as_time(t0), chunk.created < as_time(t1))
             .order_by(chunk.created, chunk.id))
    return [(int(i), int(s), int(e), int(r or 0), str(p), c, bool(sh)) for i, s, e, r, p, c, sh in session.execute(query)]


def _logged_ids(engine: Engine, model: str, request_ids: Iterable[str]) -> set[str]:
    wanted = sorted({str(r) for r in request_ids if r})
    log = RequestLogRow.__table__.c
    found: set[str] = set()
    with session_scope(engine) as session:
        for first in range(0, len(wanted), 500):
            found |= {str(r) for (r,) in session.execute(select(log.request_id).distinct().where(
                log.model == model, log.request_id.in_(wanted[first:first + 500])))}
    return found


def _created_ts(created: datetime) -> float:
    return (created if created.tzinfo else created.replace(tzinfo=UTC)).timestamp()  # SQLite: naive UTC


def batch_window_counts(engine: Engine, model: str, t0: float, width_seconds: float,
                        n_windows: int) -> dict[int, tuple[int, int]]:
    """Window index -> (rows, rejected rows) batch-logged for ``model`` and not in the request log."""
    with session_scope(engine) as session:
        chunks = _chunks(session, model, t0, t0 + width_seconds * n_windows)
    out: dict[int, tuple[int, int]] = {}
    for _id, start, end, rejected, path, created, shared in chunks:
        rows, errors = end - start, rejected
        if shared:
            frame = _read(path, ["request_id", "error"])
            if frame is None:
                continue
            logged = _logged_ids(engine, model, frame["request_id"].astype(str))
            keep = ~frame["request_id"].astype(str).isin(logged)
            rows = int(keep.sum())
            errors = int((frame.loc[keep, "error"].fillna("").astype(str) != "").sum()) if "error" in frame else 0
        k = int((_created_ts(created) - t0) // width_seconds)
        if rows and 0 <= k < n_windows:
            n, e = out.get(k, (0, 0))
            out[k] = (n + rows, e + errors)
    return out


def batch_window_rows(engine: Engine, model: str, t0: float, t1: float, stride: int) -> list[tuple[Any, ...]]:
    """Every ``stride``-th batch-logged row of ``[t0, t1)`` not in the request log, as
    (ts, source, request_id, inputs, label, confidence, status, latency_ms, sample_key), oldest first."""
    with session_scope(engine) as session:
        chunks = _chunks(session, model, t0, t1)
    out: list[tuple[Any, ...]] = []
    for chunk_id, _start, _end, _rejected, path, created, shared in chunks:
        if not Path(path).exists():
            continue  # the MDS home was cleaned: the index outlives the file
        table = feather.read_table(path, memory_map=True)
        picked = table.take(list(range(chunk_id % stride, table.num_rows, stride))) if stride > 1 else table
        frame = picked.to_pandas()
        if shared and "request_id" in frame:
            frame = frame[~frame["request_id"].astype(str).isin(_logged_ids(engine, model,
                                                                              frame["request_id"].astype(str)))]
        ts = _created_ts(created)
        features = [c for c in frame.columns if c not in _OUTPUTS and not (c.startswith("p(") and c.endswith(")"))]
        for record in frame.to_dict("records"):
            error = str(record.get("error") or "")
            error = "" if error == "nan" else error
            request_id = str(record.get("request_id") or "")
            label = record.get("prediction")
            confidence = record.get("confidence")
            out.append((ts, BATCH, request_id, {f: _plain(record[f]) for f in features},
                        None if error or label is None else str(_plain(label)),
                        None if confidence is None or confidence != confidence else float(confidence),
                        "error" if error else "ok", None, sample_key(log_key(model, request_id, int(record["row"])))))
    return out


def _read(path: str, columns: list[str]) -> Any:
    if not Path(path).exists():
        return None
    table = feather.read_table(path, memory_map=True)
    return table.select([c for c in columns if c in table.column_names]).to_pandas()


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and value != value else value


def batch_span(engine: Engine, model: str) -> tuple[datetime | None, datetime | None]:
    """When the model's first and last batch chunk was logged (None, None: never)."""
    chunk = BatchLogChunk.__table__.c
    ends = []
    with session_scope(engine) as session:
        for agg in (func.min, func.max):
            value = session.scalar(select(agg(chunk.created)).where(chunk.model == model))
            if value is not None:
                ends.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return (ends[0], ends[1]) if len(ends) == 2 else (None, None)


def with_batch_span(engine: Engine, model: str,
                    span: tuple[datetime | None, datetime | None]) -> tuple[datetime | None, datetime | None]:
    """``span`` (the request log's first and last call) widened to the model's batch-logged chunks."""
    first, last = batch_span(engine, model)
    firsts = [t for t in (span[0], first) if t is not None]
    lasts = [t for t in (span[1], last) if t is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)
