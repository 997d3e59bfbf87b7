"""The request log: every call to a model that a logger reported, one row per instance.

Rows come from the request-log sink (Seldon's and KServe's loggers, ``mds simulate``), and from the
Elasticsearch reader. A row's ``log_key`` (model, request id, row) is unique: request and response
events upsert the same row, in either order, and an event delivered twice changes nothing.
Time is kept twice: ``event_time`` for people, ``event_ts`` (epoch seconds) so that windows are
counted by the database with the same arithmetic on SQLite and Postgres.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Engine, case, delete, func, select, update

from workbench.store import traffic_rollup as rollup
from workbench.store.tables import RequestLogRow, utcnow

COLUMNS = ("log_key", "sample_key", "request_id", "row_index", "model", "known_model", "source", "namespace",
           "endpoint", "event_ts", "event_time", "response_ts", "inputs", "outputs", "label", "value", "confidence",
           "status", "error", "tag", "created")


SAMPLE_KEYS = 1024


def log_key(model: str, request_id: str, row_index: int) -> str:
    return f"{model}|{request_id}|{row_index}"


def sample_key(key: str) -> int:
    """A fixed pseudo-random number in ``0..SAMPLE_KEYS-1`` for a ``log_key``: the rows with a key below k
    are about k/1024 of any window, spread like a random draw (CRC-32, not Python's salted ``hash``)."""
    return zlib.crc32(key.encode()) % SAMPLE_KEYS


@dataclass
class LogWrite:
    """What one group commit writes: upserted rows, calls that failed, feedback on calls."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    """(model, request id, error): every row of that call becomes ``error``."""
    feedback: list[tuple[str, float | None, Any]] = field(default_factory=list)
    """(request id, reward, truth)"""


def log_row(*, model: str, request_id: str, row_index: int, source: str, time: datetime, known_model: bool = True,
            namespace: str = "", endpoint: str = "", inputs: Any = None, outputs: Any = None, label: Any = None,
            value: float | None = None, confidence: float | None = None, status: str = "pending",
            error: str | None = None, response_time: datetime | None = None, tag: str | None = None
            ) -> dict[str, Any]:
    """One row for ``store_log``: a request's (inputs) or a response's (outputs) part of an instance."""
    ts = time.timestamp()
    key = log_key(model, request_id, row_index)
    return {
        "log_key": key, "sample_key": sample_key(key), "request_id": request_id, "row_index": row_index,
        "model": model, "known_model": known_model, "source": source, "namespace": namespace, "endpoint": endpoint,
        "event_ts": ts, "event_time": time, "response_ts": response_time.timestamp() if response_time else None,
        "inputs": inputs, "outputs": outputs, "label": None if label is None else str(label)[:200], "value": value,
        "confidence": confidence, "status": status, "error": error, "tag": tag, "created": utcnow(),
    }


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str):  # type: ignore[no-untyped-def]
    """The upsert statement, built once per dialect (building it per commit cost more than the write)."""
    if dialect not in _UPSERTS:
        _UPSERTS[dialect] = _build_upsert(dialect)
    return _UPSERTS[dialect]


def _build_upsert(dialect: str):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        # Only the dialect in use: PostgreSQL's costs ~60 ms of imports, which a SQLite store never pays.
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RequestLogRow.__table__
    stmt = insert(table)
    new, old = stmt.excluded, table.c
    is_request = new.inputs.is_not(None)
    return stmt.on_conflict_do_update(index_elements=["log_key"], set_={
        "inputs": func.coalesce(old.inputs, new.inputs),
        "outputs": func.coalesce(old.outputs, new.outputs),
        "label": func.coalesce(old.label, new.label),
        "value": func.coalesce(old.value, new.value),
        "confidence": func.coalesce(old.confidence, new.confidence),
        "error": func.coalesce(old.error, new.error),
        "tag": func.coalesce(old.tag, new.tag),
        # The call's time is its request's; a response that came first only holds the place.
        "event_ts": case((is_request, new.event_ts), else_=old.event_ts),
        "event_time": case((is_request, new.event_time), else_=old.event_time),
        "response_ts": func.coalesce(old.response_ts, new.response_ts),
        "status": case((old.status == "pending", new.status), (new.status == "pending", old.status),
                       else_=new.status),
    })


def store_log(engine: Engine, write: LogWrite) -> int:
    """Write a group of events in one transaction; returns the rows upserted. Idempotent."""
    if not (write.rows or write.failures or write.feedback):
        return 0
    with engine.begin() as connection:  # core only: no ORM session is needed for an executemany
        if connection.dialect.name == "sqlite":
            begin_immediate(connection)
        write_log(connection, write)
    return len(write.rows)


def write_log(connection: Any, write: LogWrite) -> None:
    """``store_log``'s statements inside the caller's transaction, rows and rollup together (the sink's
    group writer runs them on its event loop and only the fsyncing commit in a thread)."""
    table = RequestLogRow.__table__
    delta: rollup.Delta = {}
    if connection.dialect.name == "postgresql":
        # Several sinks (replicas, --workers) write at once: the rollup's read-before / read-after is
        # exact only if their transactions do not interleave, as BEGIN IMMEDIATE makes them on SQLite.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK_KEY})")
    if write.rows:
        _upsert_rows(connection, write.rows, delta)
    if write.failures:
        calls = list({(model, request_id) for model, request_id, _ in write.failures})
        rollup.add_rows(delta, rollup.calls_state(connection, calls), -1)
        for model, request_id, error in write.failures:
            connection.execute(update(table).where(table.c.model == model, table.c.request_id == request_id)
                               .values(status="error", error=func.coalesce(table.c.error, error)))
        rollup.add_rows(delta, rollup.calls_state(connection, calls), +1)
    for request_id, reward, truth in write.feedback:
        connection.execute(update(table).where(table.c.request_id == request_id)
                           .values(reward=reward, truth=truth))
    rollup.apply(connection, delta)  # the counts change in the same transaction as the rows


_PG_WRITE_LOCK_KEY = 0x4D_44_53_4C  # "MDSL": shared by every process writing the request log


def begin_immediate(connection: Any, *, wait: bool = True) -> bool:
    """Take SQLite's write lock before the rollup's first read, not at the upsert as pysqlite would.

    pysqlite opens its transaction only at the first INSERT, so the rows read before it could change
    under another writer (a second sink process, ``mds logs clear-demo``) before the upsert; then the
    rollup's difference would be wrong. BEGIN IMMEDIATE makes read, upsert and rollup one serialised
    transaction. ``wait=False`` returns False at once instead of waiting (the busy timeout) for
    another writer's commit: the sink tries that on its event loop and waits in a thread only then."""
    driver = connection.connection.driver_connection
    if driver.in_transaction:
        return True
    if wait:
        driver.execute("BEGIN IMMEDIATE")
        return True

    timeout = driver.execute("PRAGMA busy_timeout").fetchone()[0]
    driver.execute("PRAGMA busy_timeout = 0")
    try:
        driver.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        return False
    finally:
        driver.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def _upsert_rows(connection: Any, rows: list[dict[str, Any]], delta: rollup.Delta) -> None:
    """The upsert, with the rollup's difference: rows that existed (or repeat in this write) are read
    before and after; a new row's contribution is its own values (no second read for most writes)."""
    seen: dict[str, int] = {}
    for row in rows:
        seen[row["log_key"]] = seen.get(row["log_key"], 0) + 1
    before = rollup.state_of(connection, list(seen))
    rollup.add_rows(delta, before.values(), -1)
    if connection.dialect.name == "sqlite":
        _sqlite_upsert(connection, rows)
    else:
        connection.execute(_upsert(connection.dialect.name), rows)
    again = [key for key, n in seen.items() if n > 1 or key in before]
    rollup.add_rows(delta, rollup.state_of(connection, again).values(), +1)
    wanted = set(again)
    rollup.add_rows(delta, ((r["model"], r["source"], r["event_ts"], r["status"], r["response_ts"])
                            for r in rows if r["log_key"] not in wanted), +1)


_SQLITE_UPSERT: tuple[str, list[Any]] | None = None


def _sqlite_upsert(connection: Any, rows: list[dict[str, Any]]) -> None:
    """The same upsert, as one DB-API ``executemany`` of the statement compiled once.

    SQLAlchemy's executemany re-processed every parameter of every row in Python, which made it the
    sink's costliest step; here each value goes through the column type's own bind processor
    (fetched once), and JSON through orjson, so the rows read back exactly as through the ORM.
    """
    global _SQLITE_UPSERT
    if _SQLITE_UPSERT is None:
        compiled = _upsert("sqlite").compile(dialect=connection.dialect, column_keys=list(COLUMNS))
        table = RequestLogRow.__table__
        getters: list[Any] = []
        for name in compiled.positiontup or []:
            if name not in COLUMNS:  # a literal of the statement ('pending')
                getters.append(_constant(compiled.params[name]))
            elif isinstance(table.c[name].type, JSON):
                getters.append(_json_getter(name))
            else:
                getters.append(_bound_getter(name, table.c[name].type.bind_processor(connection.dialect)))
        _SQLITE_UPSERT = (compiled.string, getters)
    sql, getters = _SQLITE_UPSERT
    cursor = connection.connection.cursor()  # the DB-API's own executemany, without SQLAlchemy's wrapping
    try:
        cursor.executemany(sql, [tuple(get(row) for get in getters) for row in rows])
    finally:
        cursor.close()


def _constant(value: Any) -> Any:
    return lambda _row: value


def _json_getter(name: str) -> Any:
    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS

    def get(row: dict[str, Any]) -> Any:
        value = row[name]
        return None if value is None else orjson.dumps(value, option=options).decode()
    return get


def _bound_getter(name: str, process: Any) -> Any:
    if process is None:
        return lambda row: row[name]
    return lambda row: None if row[name] is None else process(row[name])


def epoch(column: Any, dialect: str) -> Any:
    """Epoch seconds of a DateTime column, in SQL (the prediction table keeps only datetimes)."""
    if dialect == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def as_time(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(float(ts), UTC)


def delete_tagged(engine: Engine, tag: str) -> int:
    """Remove every logged row carrying ``tag`` (the demo traffic); returns how many went."""
    table = RequestLogRow.__table__
    c = table.c
    with engine.begin() as connection:
        delta: rollup.Delta = {}
        rollup.add_rows(delta, connection.execute(select(c.model, c.source, c.event_ts, c.status, c.response_ts)
                                                  .where(c.tag == tag)), -1)
        rollup.apply(connection, delta)
        return int(connection.execute(delete(table).where(table.c.tag == tag)).rowcount or 0)


def has_tagged(engine: Engine, tag: str) -> bool:
    """Whether any logged row carries ``tag`` (one index probe, however large the log)."""
    c = RequestLogRow.__table__.c
    with engine.connect() as connection:
        return connection.execute(select(c.id).where(c.tag == tag).limit(1)).first() is not None
