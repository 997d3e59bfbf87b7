"""Batch scoring: a file in, results out (a file or a database table), at the server's pace and resumable.

The input is streamed in chunks (CSV, Parquet, JSON lines), each row checked
against the schema; valid rows go to the server in minibatches from a pool of
threads over pooled connections; results are handed in input order to an output
sink (``batch_output``), so the output is always a prefix of the final answer.
Each chunk is stored with a checkpoint (rows done, counts), so a run killed at
any point resumes without losing or repeating a row.

Output columns: the input's columns, ``prediction``, ``confidence`` and one
``p(<class>)`` per class when the model gives probabilities, ``request_id``
(of the call that scored the row) and ``error`` (why a row was not scored).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mds_client.batch.checks import State, check_columns, check_resumed_parameters, checked_parameters, row_errors
from mds_client.batch.inputs import DEFAULT_CHUNK_ROWS, NumberReading, count_rows, input_file, read_chunks
from mds_client.batch.output import open_output
from mds_client.batch.output import progress_path as progress_path  # re-exported: callers and tests use it
from mds_client.batch.progress import BatchProgress, BatchResult, ProgressCallback, RowsCallback, ShouldStop
from mds_client.batch.sink import OutputSink
from mds_client.client import MDSClient
from mds_client.errors import InputError, PayloadRejected, RequestError, ServerError
from mds_client.refs import ModelRef
from mds_client.schema.model import ModelSchema
from mds_client.transport.retry import Backoff
from mds_client.triton_config import model_config, with_model_config

DEFAULT_BATCH_SIZE = 2000  # measured: 500 -> 2000 rows per call gives about 1.5-2.5x the rows/s here
DEFAULT_WORKERS = 4
BATCH_SIZE_CHOICES = (50, 100, 250, 500, 1000, 2000, 5000)
"""Rows per request offered to people; the default is one of them."""
CHUNK_ATTEMPTS = 4
DEFAULT_RETRY_FOR_S = 120.0
"""How long a minibatch keeps retrying while its server is down (restarts, rollouts) before the job fails."""
MAX_BACKOFF_S = 4.0
CHUNK_BACKOFF = Backoff(0.25, MAX_BACKOFF_S)
MODEL_FAILED = 500
"""What MLServer and Seldon answer when the model itself raised (a proxy or a restart answers 502, 503, 504)."""


# --- the job ------------------------------------------------------------------------------
@dataclass
class _Submitted:
    """A chunk whose minibatches are in the pool."""

    chunk: pd.DataFrame
    errors: list[str]
    futures: list[tuple[list[int], Future]]


class BatchScorer:
    """Scores a file against one model. Tunable with ``batch_size`` rows per call and ``workers`` threads."""

    def __init__(
        self,
        client: MDSClient,
        ref: ModelRef,
        schema: ModelSchema,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        workers: int = DEFAULT_WORKERS,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        column_map: dict[str, str] | None = None,
        retry_for_s: float = DEFAULT_RETRY_FOR_S,
        split_model_failures: bool = False,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """``split_model_failures``: a 500 (the model raised on these rows; the server is up) is split like a
        refusal to find the rows it fails on, instead of retried as a fault that may clear (a replay, where a
        new version may fail on rows the old one answered). ``parameters`` (``schema.params``) go with every call."""
        if batch_size < 1 or workers < 1:
            raise InputError("batch size and workers must be at least 1.")
        self.chosen_parameters = checked_parameters(ref, schema, parameters)  # kept in the checkpoint
        self.parameters = dict(parameters or {})
        self.client = client
        self.ref = ref
        self.schema = schema
        self.batch_size = batch_size
        self.workers = workers
        self.chunk_rows = max(chunk_rows, batch_size)
        self.column_map = column_map or {}
        self.retry_for_s = retry_for_s
        self.split_model_failures = split_model_failures
        self._server_rows: int | None = None  # rows one request may carry, from the server (0: no limit)

    def run(
        self,
        source: Path | str,
        output: Path | str | OutputSink,
        *,
        resume: bool = False,
        progress: ProgressCallback | None = None,
        should_stop: ShouldStop | None = None,
        on_rows: RowsCallback | None = None,
        numbers: NumberReading | None = None,
    ) -> BatchResult:
        """Score the file ``source`` into ``output``: a file path, a ``URL::table`` or any sink. ``numbers``: how a
        text file writes numbers (``inputs.READINGS``), by default what its cells say."""
        source = input_file(source)
        sink = open_output(output)
        if resume:  # before begin() touches anything: a resume sends what the rows so far were scored with
            check_resumed_parameters(sink.checkpoint(), self.chosen_parameters)
        state = State.of(sink.begin(resume=resume))
        total = count_rows(source)
        chunks = read_chunks(source, self.chunk_rows, skip_rows=state.rows_done, numbers=numbers)
        result = self.score_chunks(chunks, sink, state=state, total=total, progress=progress,
                                   should_stop=should_stop, on_rows=on_rows)
        if result.rows_total == 0 and not result.cancelled:
            raise InputError(f"{source.name} has a header but no data rows.")
        return result

    def score_chunks(
        self,
        chunks: Iterable[pd.DataFrame],
        sink: OutputSink,
        *,
        state: State | None = None,
        total: int | None = None,
        progress: ProgressCallback | None = None,
        should_stop: ShouldStop | None = None,
        on_rows: RowsCallback | None = None,
    ) -> BatchResult:
        """Score frames (the input after ``state.rows_done`` rows) into a sink that ``begin`` prepared.

        The engine under ``run`` and under each partition of a Dask job (``dask_scoring``).
        """
        state = state or State()
        state.parameters = self.chosen_parameters
        resumed_from = state.rows_done
        started = time.perf_counter()
        cancelled = False

        def finish(submitted: _Submitted) -> bool:
            """Write one scored chunk and checkpoint it; True when the caller asked to stop."""
            scored = self._collect(submitted)
            self._append(sink, scored, state)
            if on_rows is not None:
                on_rows(scored)
            if progress is not None:
                progress(BatchProgress(state.rows_done - resumed_from, state.rows_scored, state.rows_rejected,
                                       None if total is None else total - resumed_from,
                                       time.perf_counter() - started))
            return should_stop is not None and should_stop()

        # One chunk of look-ahead: the next chunk's calls are in flight while this one is
        # written, so the server never waits for our CSV writer; memory stays at two chunks.
        pending: _Submitted | None = None
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mds-batch") as pool:
            for chunk in chunks:
                chunk = chunk.rename(columns=self.column_map).reset_index(drop=True)
                if state.rows_done == 0 and pending is None:
                    check_columns(chunk, self.schema)
                submitted = self._submit(pool, chunk)
                if pending is not None and finish(pending):
                    cancelled = True
                    for _, future in submitted.futures:
                        future.cancel()
                    pending = None
                    break
                pending = submitted
            if pending is not None:
                finish(pending)  # the last chunk: the job is complete, a late stop changes nothing
        if not cancelled and state.rows_done > 0:
            sink.finish()
        return BatchResult(
            output=getattr(sink, "path", None) or sink.name,
            rows_total=state.rows_done,
            rows_scored=state.rows_scored,
            rows_rejected=state.rows_rejected,
            elapsed_s=time.perf_counter() - started,
            resumed_from=resumed_from,
            reasons=dict(state.reasons),
            cancelled=cancelled,
        )

    @property
    def rows_per_call(self) -> int:
        """``batch_size``, at most what the server takes in one request (a Triton model's ``max_batch_size``; one row
        for a model without batching), read once from its configuration (which also names a label file's classes)."""
        if self._server_rows is None:
            config = model_config(self.client, self.ref)
            self._server_rows = config.rows_per_request if config is not None else 0
            self.schema = with_model_config(self.schema, config)
        return min(self.batch_size, self._server_rows) if self._server_rows else self.batch_size

    def _submit(self, pool: ThreadPoolExecutor, chunk: pd.DataFrame) -> _Submitted:
        errors = row_errors(chunk, self.schema) if not self.schema.is_empty else [""] * len(chunk)
        valid_idx = [i for i, e in enumerate(errors) if not e]
        futures: list[tuple[list[int], Future]] = []
        per_call = self.rows_per_call
        for start in range(0, len(valid_idx), per_call):
            idx = valid_idx[start : start + per_call]
            futures.append((idx, pool.submit(self._score_rows, chunk.iloc[idx])))
        return _Submitted(chunk, errors, futures)

    def _collect(self, submitted: _Submitted) -> pd.DataFrame:
        chunk, errors = submitted.chunk, submitted.errors
        result_parts: list[pd.DataFrame] = []
        for idx, future in submitted.futures:
            part = future.result()
            part.index = idx
            result_parts.append(part)
        results = pd.concat(result_parts) if result_parts else pd.DataFrame(index=[])
        out = chunk.copy()
        results = results.reindex(range(len(chunk)))
        added = [col for col in results.columns if col != "error" and col not in out.columns]
        for col in results.columns:
            if col != "error" and col not in added:
                out[col] = results[col]  # an input column of the same name: replaced where it stands
        if added:  # in one go: pandas copies its blocks on each column inserted
            out = pd.concat([out, results[added].set_axis(out.index)], axis=1)
        server_errors = results["error"].fillna("").astype(str) if "error" in results else pd.Series([""] * len(chunk))
        out["error"] = [e or s for e, s in zip(errors, server_errors.tolist(), strict=True)]
        return out

    def _score_rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Predictions for these rows; a call refused by the server is split to find the bad rows.

        Other failures (server down, 5xx, timeout) are retried with backoff: at least
        ``CHUNK_ATTEMPTS`` times and for up to ``retry_for_s`` seconds, so a job rides
        out a server restart instead of failing halfway.
        """
        deadline = time.monotonic() + self.retry_for_s
        attempt = 0
        while True:
            try:
                prediction = self.client.predict(self.ref, rows, self.schema, validate=False,
                                                 parameters=self.parameters or None)
            except PayloadRejected as exc:
                if len(rows) == 1:
                    return _failed(rows, f"refused by the server: {exc.body or exc.message}")
                half = len(rows) // 2
                return pd.concat([self._score_rows(rows.iloc[:half]), self._score_rows(rows.iloc[half:])])
            except RequestError as exc:
                if self.split_model_failures and isinstance(exc, ServerError) and exc.status == MODEL_FAILED:
                    if len(rows) == 1:
                        return _failed(rows, f"the model failed on this row: {exc.body or exc.message}")
                    half = len(rows) // 2
                    return pd.concat([self._score_rows(rows.iloc[:half]), self._score_rows(rows.iloc[half:])])
                attempt += 1
                if attempt >= CHUNK_ATTEMPTS and time.monotonic() >= deadline:
                    raise
                time.sleep(CHUNK_BACKOFF.delay(attempt))
                continue
            frame = prediction.to_frame()
            frame["request_id"] = prediction.request_id
            frame["error"] = ""
            frame.index = rows.index
            return frame

    def _output_columns(self, frame: pd.DataFrame) -> list[str]:
        if "prediction" in frame.columns:
            return [str(c) for c in frame.columns]
        names = self.schema.class_names
        extra = ["prediction"] + (["confidence", *[f"p({c})" for c in names]] if names else [])
        inputs = [str(c) for c in frame.columns if c != "error"]
        return [*inputs, *extra, "request_id", "error"]

    def _append(self, sink: OutputSink, frame: pd.DataFrame, state: State) -> None:
        for reason in frame["error"]:
            if reason:
                state.rows_rejected += 1
                key = reason.split(":")[0]
                state.reasons[key] = state.reasons.get(key, 0) + 1
        state.rows_scored += int((frame["error"] == "").sum())
        if not state.columns:
            state.columns = self._output_columns(frame)
        if state.columns:
            # Every chunk has the same columns, whatever it holds (all rejected, new classes).
            frame = frame.reindex(columns=state.columns)
        state.rows_done += len(frame)
        sink.write(frame, asdict(state))


def _failed(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"error": [reason] * len(rows)}, index=rows.index)


def score_file(
    client: MDSClient,
    ref: ModelRef,
    schema: ModelSchema,
    source: Path | str,
    output: Path | str,
    **options: Any,
) -> BatchResult:
    run_keys = {"resume", "progress", "should_stop", "on_rows", "numbers"}
    run_opts = {k: v for k, v in options.items() if k in run_keys}
    init_opts = {k: v for k, v in options.items() if k not in run_keys}
    return BatchScorer(client, ref, schema, **init_opts).run(source, output, **run_opts)
