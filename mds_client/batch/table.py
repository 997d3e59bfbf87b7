"""Batch results into a database table through SQLAlchemy, one transaction per chunk, resumable.

The table (created from the first chunk's columns when it does not exist) carries ``input_row``,
the 1-based input row, as its primary key: a resume continues after ``max(input_row)`` and the
database itself refuses a row written twice. A chunk whose commit was cut off is checked for on
the retry (did ``max(input_row)`` reach it?) so it is neither lost nor repeated. The inference parameters the
job sent with every row are kept beside it, in ``<table>__job`` (written with the first chunk), so that a resume
is refused with other ones, as a file's progress file does; the job's end drops it. Connection
failures are retried with exponential backoff (tenacity) for ``retry_for_s`` seconds, then the job
stops with an ``OutputError``. SQLAlchemy is imported here only, and only when a table is the output.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import tenacity
from sqlalchemy import BigInteger, Boolean, Column, Float, MetaData, Table, Text, create_engine, func, inspect, select
from sqlalchemy.exc import DBAPIError, OperationalError

from mds_client.batch.sink import DB_RETRY_FOR_S, ROW_COLUMN, Checkpoint, OutputError, OutputSink
from mds_client.errors import InputError

MAX_BACKOFF_S = 4.0
JOB_SUFFIX = "__job"
"""``<table>__job``: one row, the ``parameters`` (JSON) every call of the job writing ``<table>`` sent."""


class TableSink(OutputSink):
    def __init__(self, url: str, table: str, *, schema: str | None = None, retry_for_s: float = DB_RETRY_FOR_S) -> None:
        self.url, self.table_name, self.schema = url, table, schema
        self.name = f"{schema}.{table}" if schema else table
        self.retry_for_s = retry_for_s
        self.engine = create_engine(url, pool_pre_ping=True)
        self._table: Any = None
        self._job = Table(table + JOB_SUFFIX, MetaData(), Column("parameters", Text), schema=schema)

    # --- retries ---------------------------------------------------------------------------
    def _retrying(self, action: str, fn: Any, *args: Any) -> Any:
        def transient(exc: BaseException) -> bool:
            return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(transient),
            wait=tenacity.wait_exponential(multiplier=0.25, max=MAX_BACKOFF_S),
            stop=tenacity.stop_after_delay(self.retry_for_s),
            reraise=True,
        )
        try:
            return retrying(fn, *args)
        except OperationalError as exc:
            raise OutputError(
                f"The output database for table {self.name} is unreachable ({_first_line(exc)}); "
                f"gave up after {self.retry_for_s:.0f} s of retries while trying to {action}.",
            ) from None
        except DBAPIError as exc:
            raise OutputError(f"The output database refused to {action} in table {self.name}: {_first_line(exc)}",
                              hint="Check the table's columns and your rights on it.") from None

    # --- the sink --------------------------------------------------------------------------
    def _reflect(self) -> Any:
        if not inspect(self.engine).has_table(self.table_name, schema=self.schema):
            return None
        table = Table(self.table_name, MetaData(), schema=self.schema, autoload_with=self.engine)
        if ROW_COLUMN not in table.c:
            raise InputError(f"Table {self.name} exists and has no {ROW_COLUMN} column: it is not a batch output.",
                             hint="Choose another table name.")
        return table

    def checkpoint(self) -> Checkpoint | None:
        table = self._retrying("read it", self._reflect)
        return None if table is None else self._retrying("read it", self._read_checkpoint, table)

    def begin(self, *, resume: bool) -> Checkpoint | None:
        self._table = self._retrying("open it", self._reflect)
        if self._table is None:
            return None
        state = self._retrying("read it", self._read_checkpoint, self._table)
        if state is not None and not resume:
            raise InputError(
                f"Table {self.name} already holds {state['rows_done']} rows of results.",
                hint="Resume the job to continue it, or write to another table.",
            )
        return state

    def _read_checkpoint(self, table: Any) -> Checkpoint | None:
        with self.engine.connect() as conn:
            top, count = conn.execute(select(func.max(table.c[ROW_COLUMN]), func.count())).one()
            if not count:
                return None
            reasons: dict[str, int] = {}
            rejected = 0
            if "error" in table.c:
                query = select(table.c.error, func.count()).where(table.c.error != "").group_by(table.c.error)
                for error, n in conn.execute(query):
                    key = str(error).split(":")[0]
                    reasons[key] = reasons.get(key, 0) + n
                    rejected += n
            parameters = self._recorded_parameters(conn)
        if top != count:
            raise OutputError(f"Table {self.name} has {count} rows but its last input_row is {top}: rows were "
                              "removed or added since the last run.", hint="Start the job again into a new table.")
        columns = [c.name for c in table.columns if c.name != ROW_COLUMN]
        return {"rows_done": int(top), "rows_scored": int(count) - rejected, "rows_rejected": rejected,
                "columns": columns, "reasons": reasons, **({"parameters": parameters} if parameters is not None else {})}

    def _recorded_parameters(self, conn: Any) -> dict[str, Any] | None:
        """What the job sent with every row (None: a table from before they were kept)."""
        if not inspect(conn).has_table(self._job.name, schema=self.schema):
            return None
        text = conn.execute(select(self._job.c.parameters)).scalar()
        return None if text is None else json.loads(text)

    def write(self, frame: pd.DataFrame, checkpoint: Checkpoint) -> None:
        if ROW_COLUMN in frame.columns:
            raise InputError(f"The input has a column named {ROW_COLUMN}, which the output table uses for row numbers.",
                             hint="Rename that column.")
        last = int(checkpoint["rows_done"])
        if self._table is None:
            self._table = self._retrying("create it", self._create, frame)
        records = _records(frame, self._table, first_row=last - len(frame) + 1)
        attempts = {"n": 0}

        def insert() -> None:
            attempts["n"] += 1
            with self.engine.begin() as conn:
                if attempts["n"] > 1:  # the last commit may have landed before the connection broke
                    top = conn.execute(select(func.max(self._table.c[ROW_COLUMN]))).scalar()
                    if top is not None and top >= last:
                        return
                conn.execute(self._table.insert(), records)
                if last == len(frame) and checkpoint.get("parameters") is not None:  # the job's first chunk
                    conn.execute(self._job.delete())
                    conn.execute(self._job.insert(), [{"parameters": json.dumps(checkpoint["parameters"])}])

        self._retrying(f"write rows {last - len(frame) + 1}-{last}", insert)

    def _create(self, frame: pd.DataFrame) -> Any:
        columns = [Column(ROW_COLUMN, BigInteger, primary_key=True, autoincrement=False)]
        for name in frame.columns:
            series = frame[name]
            if series.isna().all() or pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
                kind: Any = Text
            elif pd.api.types.is_bool_dtype(series):
                kind = Boolean
            elif pd.api.types.is_integer_dtype(series):
                kind = BigInteger
            elif pd.api.types.is_float_dtype(series):
                kind = Float
            else:
                kind = Text
            columns.append(Column(str(name), kind))
        table = Table(self.table_name, MetaData(), *columns, schema=self.schema)
        table.create(self.engine, checkfirst=True)
        self._job.create(self.engine, checkfirst=True)
        return table

    def finish(self) -> None:  # the job is complete: nothing left to resume, so its record goes
        self._retrying("finish it", lambda: self._job.drop(self.engine, checkfirst=True))
        self.engine.dispose()

    def close(self) -> None:
        self.engine.dispose()


def _records(frame: pd.DataFrame, table: Any, *, first_row: int) -> list[dict[str, Any]]:
    """Plain Python rows: NaN as NULL, numbers as Python numbers, text columns as text."""
    out: dict[str, list[Any]] = {ROW_COLUMN: list(range(first_row, first_row + len(frame)))}
    for name in frame.columns:
        col = table.c.get(str(name))
        if col is None:
            raise OutputError(f"Table {table.name} has no column {name!r}; the input's columns changed since it "
                              "was created.", hint="Write to a new table.")
        series = frame[name]
        mask = series.isna().to_numpy()
        if isinstance(col.type, Text):
            values = [None if m else str(v) for v, m in zip(series.tolist(), mask, strict=True)]
        else:
            values = [None if m else (v.item() if isinstance(v, np.generic) else v)
                      for v, m in zip(series.tolist(), mask, strict=True)]
        out[str(name)] = values
    names = list(out)
    return [dict(zip(names, row, strict=True)) for row in zip(*out.values(), strict=True)]


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
