"""Batch jobs in the store: the job row, one row per written chunk, and the chunk's predictions.

A job's state lives here, not in memory, so a page polls it after a browser refresh and
past jobs stay listed. Predictions of a chunk go in with one bulk insert in the same
transaction as the chunk row and the job's counters, so the log and the counters agree.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import JSON, Engine, func, select
from sqlalchemy.orm import Session

from workbench.records import ACTIVE_STATES, JobRecord
from workbench.store.engine import session_scope
from workbench.store.tables import BatchChunk, BatchJob, PredictionRow, utcnow

FINAL_STATES = ("done", "failed", "cancelled")



def _plain(row: BatchJob) -> JobRecord:
    return JobRecord(
        id=row.id, user=row.user, model=row.model, input_name=row.input_name, output_path=row.output_path,
        state=row.state, rows_total=row.rows_total or 0, rows_done=row.rows_done or 0,
        rows_scored=row.rows_scored or 0, rows_rejected=row.rows_rejected or 0, options=dict(row.options or {}),
        error=row.error, created=row.created, updated=row.updated,
    )


def create_job(
    engine: Engine, *, job_id: str, user: str, model: str, input_name: str, output_path: str,
    rows_total: int = 0, options: dict[str, Any] | None = None,
) -> JobRecord:
    row = BatchJob(id=job_id, user=user, model=model, input_name=input_name, output_path=output_path,
                   state="queued", rows_total=rows_total, options=options or {})
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        return _plain(row)


def update_job(engine: Engine, job_id: str, *, options: dict[str, Any] | None = None, **values: Any) -> None:
    """Set columns of a job; ``options`` is merged into the stored options."""
    with session_scope(engine) as session:
        row = session.get(BatchJob, job_id)
        if row is None:
            return
        for key, value in values.items():
            setattr(row, key, value)
        if options:
            row.options = {**(row.options or {}), **options}


def get_job(engine: Engine, job_id: str) -> JobRecord | None:
    with session_scope(engine) as session:
        row = session.get(BatchJob, job_id)
        return _plain(row) if row is not None else None


def list_jobs(engine: Engine, user: str | None, limit: int = 20) -> list[JobRecord]:
    query = select(BatchJob).order_by(BatchJob.created.desc()).limit(limit)
    if user is not None:
        query = query.where(BatchJob.user == user)
    with session_scope(engine) as session:
        return [_plain(row) for row in session.scalars(query)]


def chunks_written(engine: Engine, job_id: str) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).where(BatchChunk.job_id == job_id)) or 0)


def record_chunk(
    engine: Engine, job_id: str, *, index: int, start_row: int, end_row: int, rows_scored: int,
    rows_rejected: int, latency_ms: float | None, predictions: list[dict[str, Any]], serialized: bool = False,
) -> None:
    """One chunk: its row, its predictions (bulk), the job's counters; one transaction.

    Recording the same chunk twice is a no-op, so a retried call cannot double the log.
    """
    with session_scope(engine) as session:
        if session.scalar(select(BatchChunk.id).where(BatchChunk.job_id == job_id, BatchChunk.index == index)):
            return
        session.add(BatchChunk(job_id=job_id, index=index, start_row=start_row, end_row=end_row, state="done",
                               attempts=1, rows_scored=rows_scored, rows_rejected=rows_rejected,
                               latency_ms=latency_ms))
        if predictions:
            bulk_insert_predictions(session, predictions, serialized=serialized)
        job = session.get(BatchJob, job_id)
        if job is not None:
            job.rows_done = end_row
            job.rows_scored = (job.rows_scored or 0) + rows_scored
            job.rows_rejected = (job.rows_rejected or 0) + rows_rejected


def prediction_of_row(engine: Engine, job_id: str, row: int) -> dict[str, Any] | None:
    """The logged prediction of the job's ``row`` (1-based data row of its results file), as plain data.

    Chunks are logged in file order, one insert each, so the row's prediction is the row-th of the
    job by id; rejected rows are logged too, so the count holds. A scored row's ``outputs.row``
    confirms it.
    """
    if row < 1:
        return None
    with session_scope(engine) as session:
        found = session.scalars(select(PredictionRow).where(PredictionRow.batch_job_id == job_id)
                                .order_by(PredictionRow.id).offset(row - 1).limit(1)).first()
        if found is None:
            return None
        outputs = found.outputs if isinstance(found.outputs, dict) else None
        if outputs is not None and outputs.get("row") not in (None, row):
            return None
        return _prediction_dict(found)


def prediction_by_id(engine: Engine, prediction_id: int) -> dict[str, Any] | None:
    """A prediction row as ``prediction_of_row`` gives it."""
    with session_scope(engine) as session:
        found = session.get(PredictionRow, prediction_id)
        return _prediction_dict(found) if found is not None else None


def _prediction_dict(found: PredictionRow) -> dict[str, Any]:
    outputs = found.outputs if isinstance(found.outputs, dict) else None
    return {"id": found.id, "status": found.status, "error": found.error, "inputs": found.inputs,
            "outputs": outputs, "request_id": found.request_id, "model": found.model}


_PREDICTION_DEFAULTS = {"request_id": "", "version": "", "protocol": "", "status": "ok", "source": "batch"}


def bulk_insert_predictions(session: Session, rows: list[dict[str, Any]], *, serialized: bool = False) -> None:
    """Many prediction rows in one ``executemany`` on the driver's own cursor.

    JSON columns are serialized here with orjson (about 10x the stdlib's json.dumps, which
    SQLAlchemy's JSON bind processor calls once per value); other columns still pass their
    type's bind processor, so dates and the like are stored exactly as the ORM stores them.
    ``serialized`` says the rows' JSON columns are JSON text already (``prediction_rows(...,
    serialized=True)``), which is the cheapest path for large jobs.
    Placeholders follow the dialect's paramstyle, so Postgres takes the same path.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = [c for c in PredictionRow.__table__.columns if c.name != "id"]
    defaults = {**_PREDICTION_DEFAULTS, "created": utcnow()}
    names = [c.name for c in columns]
    converters = [(None if serialized else _json_text) if isinstance(c.type, JSON)
                  else c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    style = dialect.paramstyle
    values = [[row.get(n, defaults.get(n)) for n in names] for row in rows]
    for j, convert in enumerate(converters):
        if convert is None:
            continue
        last, done = object(), None
        for record in values:
            value = record[j]
            if value is not last:  # a shared default (created, user, model) is converted once
                last, done = value, convert(value)
            record[j] = done
    if style in ("qmark", "format", "numeric"):
        marks = ", ".join("?" if style == "qmark" else "%s" if style == "format" else f":{i + 1}"
                          for i in range(len(columns)))
        params: list[Any] = [tuple(record) for record in values]
    else:  # named, pyformat
        marks = ", ".join(f":{n}" if style == "named" else f"%({n})s" for n in names)
        params = [dict(zip(names, record, strict=True)) for record in values]
    table = dialect.identifier_preparer.format_table(PredictionRow.__table__)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", params)
    finally:
        cursor.close()


def _json_text(value: Any) -> str:
    # None becomes the JSON text 'null', as SQLAlchemy's JSON type (none_as_null=False) stores it.
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def fail_orphans(engine: Engine, running_here: set[str], message: str) -> int:
    """Jobs marked active that no thread of this process runs (the app was restarted)."""
    with session_scope(engine) as session:
        rows = session.scalars(select(BatchJob).where(BatchJob.state.in_(ACTIVE_STATES))).all()
        count = 0
        for row in rows:
            if row.id not in running_here:
                row.state, row.error = "failed", message
                count += 1
        return count
