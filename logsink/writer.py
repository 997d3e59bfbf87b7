"""Group commit: every event waits until its rows are committed, and concurrent events share one commit.

A request handler hands its ``LogWrite`` to ``GroupWriter.write`` and gets the answer only after
the transaction holding it committed (so a 2xx means durable). One writer task drains whatever
has queued meanwhile into one transaction. Under load that is many events per commit; alone, one.

On SQLite the statements run on the event loop (about a millisecond for a group) and only the
fsyncing commit goes to a thread (and taking the write lock, when another writer holds it):
profiled, running the whole transaction in a thread made every statement wait up to the
interpreter's switch interval for the GIL after each of its many releases (sqlite3 releases it per
row), so commits took tens of milliseconds and groups stayed small. On Postgres, where every statement is a round trip, all of it runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from sqlalchemy import Engine

from logsink.errors import StoreUnavailable
from workbench.store.request_log import LogWrite, begin_immediate, store_log, write_log

MAX_GROUP = 2000  # events per transaction, so one commit never holds the loop's memory hostage


class GroupWriter:
    def __init__(self, engine: Engine, *, on_commit: Callable[[int, float], None] | None = None) -> None:
        self.engine = engine
        self.on_commit = on_commit
        self._queue: asyncio.Queue[tuple[LogWrite, asyncio.Future[int]]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="request-log-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def write(self, write: LogWrite) -> int:
        """Rows stored once committed; ``StoreUnavailable`` if the transaction failed."""
        assert self._queue is not None, "GroupWriter.start() was not awaited"
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((write, future))  # unbounded: never waits, and no coroutine per event
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_GROUP and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            merged = LogWrite()
            for write, _ in batch:
                merged.rows.extend(write.rows)
                merged.failures.extend(write.failures)
                merged.feedback.extend(write.feedback)
            started = time.perf_counter()
            try:
                await self._store(_dedupe(merged))
            except Exception as exc:  # the store said no: every waiting event gets a 503, none is lost silently
                error = StoreUnavailable(f"The request log could not be written ({type(exc).__name__}: {exc}).")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            seconds = time.perf_counter() - started
            if self.on_commit is not None:
                self.on_commit(len(merged.rows), seconds)
            for write, future in batch:
                if not future.done():
                    future.set_result(len(write.rows))


    async def _store(self, write: LogWrite) -> None:
        if self.engine.dialect.name != "sqlite":
            await asyncio.to_thread(store_log, self.engine, write)
            return
        connection = self.engine.connect()
        try:
            transaction = connection.begin()
            try:
                if not begin_immediate(connection, wait=False):  # another writer is committing: wait off the loop
                    await asyncio.to_thread(begin_immediate, connection)
                write_log(connection, write)
                await asyncio.to_thread(transaction.commit)
            except Exception:
                transaction.rollback()
                raise
        finally:
            connection.close()


def _dedupe(write: LogWrite) -> LogWrite:
    """Merge rows of the same key inside one statement (Postgres refuses to upsert one key twice per command)."""
    seen: dict[str, dict] = {}
    for row in write.rows:
        key = row["log_key"]
        old = seen.get(key)
        if old is None:
            seen[key] = row
            continue
        merged = dict(old)
        for column, value in row.items():
            if merged.get(column) is None and value is not None:
                merged[column] = value
        if row["inputs"] is not None:
            merged["event_ts"], merged["event_time"] = row["event_ts"], row["event_time"]
        if merged["status"] == "pending" or row["status"] == "error":
            merged["status"] = row["status"] if row["status"] != "pending" else merged["status"]
        seen[key] = merged
    return LogWrite(rows=list(seen.values()), failures=write.failures, feedback=write.feedback)
