"""Batch scoring: a file in, a result file out, at the server's pace and resumable.

The input is streamed in chunks (CSV, Parquet, JSON lines), each row checked
against the schema; valid rows go to the server in minibatches from a pool of
threads over pooled connections; results are appended in input order, so the
output file is always a prefix of the final answer. After every written chunk
a small progress file records how many input rows are done and how long the
output is, so a run killed at any point resumes without losing or repeating a
row (a torn last line is cut off on resume).

Output columns: the input's columns, ``prediction``, ``confidence`` and one
``p(<class>)`` per class when the model gives probabilities, ``request_id``
(of the call that scored the row) and ``error`` (why a row was not scored).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .client import MDSClient
from .errors import InputError, PayloadRejected, RequestError
from .refs import ModelRef
from .schema import ModelSchema

DEFAULT_BATCH_SIZE = 500
DEFAULT_WORKERS = 4
DEFAULT_CHUNK_ROWS = 10_000
CHUNK_ATTEMPTS = 4


@dataclass
class BatchProgress:
    rows_done: int
    rows_scored: int
    rows_rejected: int
    rows_total: int | None
    elapsed_s: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.rows_total is None or self.rows_per_s <= 0:
            return None
        return max(0.0, (self.rows_total - self.rows_done) / self.rows_per_s)


@dataclass
class BatchResult:
    output: Path
    rows_total: int
    rows_scored: int
    rows_rejected: int
    elapsed_s: float
    resumed_from: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def rows_per_s(self) -> float:
        done = self.rows_total - self.resumed_from
        return done / self.elapsed_s if self.elapsed_s > 0 else 0.0


ProgressCallback = Callable[[BatchProgress], None]
ShouldStop = Callable[[], bool]
RowsCallback = Callable[[pd.DataFrame], None]


# --- reading ----------------------------------------------------------------------------
def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def read_chunks(path: Path | str, chunk_rows: int = DEFAULT_CHUNK_ROWS, *, skip_rows: int = 0) -> Iterator[pd.DataFrame]:
    """The file's rows in frames of at most ``chunk_rows``, after skipping ``skip_rows``."""
    path = Path(path)
    fmt = file_format(path)
    try:
        if fmt == "parquet":
            yield from _skip(_parquet_chunks(path, chunk_rows), skip_rows)
        elif fmt == "jsonl":
            yield from _skip(pd.read_json(path, lines=True, chunksize=chunk_rows), skip_rows)
        elif fmt == "json":
            yield from _skip(iter([_read_json_records(path)]), skip_rows)
        else:
            sep = sniff_delimiter(path)
            reader = pd.read_csv(
                path, sep=sep, chunksize=chunk_rows, skiprows=range(1, skip_rows + 1) if skip_rows else None,
                encoding_errors="strict", skipinitialspace=True,
            )
            yield from reader
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name} is empty: it needs a header row and at least one data row.") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name} could not be read as {fmt.upper()}: {str(exc).strip()}") from None
    except ValueError as exc:
        raise InputError(f"{path.name} could not be read as {fmt.upper()}: {exc}") from None


def _skip(chunks: Iterator[pd.DataFrame], skip_rows: int) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        if skip_rows >= len(chunk):
            skip_rows -= len(chunk)
            continue
        if skip_rows:
            chunk = chunk.iloc[skip_rows:]
            skip_rows = 0
        yield chunk


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        yield batch.to_pandas()


def _read_json_records(path: Path) -> pd.DataFrame:
    doc = json.loads(path.read_text())
    if isinstance(doc, dict):
        doc = doc.get("instances") or doc.get("rows") or [doc]
    if not isinstance(doc, list):
        raise InputError(f"{path.name} must hold a list of records (one object per row).")
    return pd.DataFrame.from_records(doc)


def sniff_delimiter(path: Path) -> str:
    """Comma, semicolon, tab or pipe, whichever splits the header into most columns."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def count_rows(path: Path | str) -> int | None:
    """Data rows in a CSV/JSONL file (fast line count), or Parquet metadata; None if unknown."""
    path = Path(path)
    fmt = file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "json":
        return None
    with open(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(max(0, os.path.getsize(path) - 1))
        last = handle.read(1)
    if last and last != b"\n":
        lines += 1
    return max(0, lines - 1) if fmt == "csv" else lines


# --- checking ---------------------------------------------------------------------------
def check_columns(frame: pd.DataFrame, schema: ModelSchema) -> None:
    """Stop before any call when a required column is missing, naming it."""
    missing = schema.missing_columns(frame)
    if missing:
        have = ", ".join(map(str, frame.columns[:10]))
        raise InputError(
            f"The input lacks the column(s) {', '.join(missing)} that model needs (it has: {have}).",
            hint="Rename the columns or map them to the model's features.",
        )


def row_errors(frame: pd.DataFrame, schema: ModelSchema) -> list[str]:
    """Per row: '' when valid, else every problem in plain words, joined by '; '."""
    problems: list[list[str]] = [[] for _ in range(len(frame))]
    for err in schema.validate(frame):
        if err.row >= 0:
            problems[err.row].append(err.message)
    return ["; ".join(p) for p in problems]


# --- the job ------------------------------------------------------------------------------
@dataclass
class _State:
    rows_done: int = 0
    rows_scored: int = 0
    rows_rejected: int = 0
    output_bytes: int = 0
    header_written: bool = False
    columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)


def progress_path(output: Path) -> Path:
    return output.with_name(output.name + ".progress.json")


def load_state(output: Path) -> _State | None:
    try:
        return _State(**json.loads(progress_path(output).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _save_state(output: Path, state: _State) -> None:
    tmp = progress_path(output).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state)))
    os.replace(tmp, progress_path(output))


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
    ) -> None:
        if batch_size < 1 or workers < 1:
            raise InputError("batch size and workers must be at least 1.")
        self.client = client
        self.ref = ref
        self.schema = schema
        self.batch_size = batch_size
        self.workers = workers
        self.chunk_rows = max(chunk_rows, batch_size)
        self.column_map = column_map or {}

    def run(
        self,
        source: Path | str,
        output: Path | str,
        *,
        resume: bool = False,
        progress: ProgressCallback | None = None,
        should_stop: ShouldStop | None = None,
        on_rows: RowsCallback | None = None,
    ) -> BatchResult:
        source, output = Path(source), Path(output)
        state = load_state(output) if resume else None
        if state is None:
            state = _State()
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(b"")
        else:
            with open(output, "r+b") as handle:  # cut whatever was written after the last checkpoint
                handle.truncate(state.output_bytes)
        resumed_from = state.rows_done
        total = count_rows(source)
        started = time.perf_counter()
        cancelled = False
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mds-batch") as pool:
            for chunk in read_chunks(source, self.chunk_rows, skip_rows=state.rows_done):
                chunk = chunk.rename(columns=self.column_map).reset_index(drop=True)
                if not state.header_written and state.rows_done == 0:
                    check_columns(chunk, self.schema)
                scored = self._score_chunk(pool, chunk)
                self._append(output, scored, state)
                state.rows_done += len(chunk)
                _save_state(output, state)
                if on_rows is not None:
                    on_rows(scored)
                if progress is not None:
                    progress(BatchProgress(state.rows_done - resumed_from, state.rows_scored, state.rows_rejected,
                                           None if total is None else total - resumed_from,
                                           time.perf_counter() - started))
                if should_stop is not None and should_stop():
                    cancelled = True
                    break
        if state.rows_done == 0 and not cancelled:
            raise InputError(f"{source.name} has a header but no data rows.")
        if not cancelled:
            progress_path(output).unlink(missing_ok=True)
        return BatchResult(
            output=output,
            rows_total=state.rows_done,
            rows_scored=state.rows_scored,
            rows_rejected=state.rows_rejected,
            elapsed_s=time.perf_counter() - started,
            resumed_from=resumed_from,
            reasons=dict(state.reasons),
            cancelled=cancelled,
        )

    def _score_chunk(self, pool: ThreadPoolExecutor, chunk: pd.DataFrame) -> pd.DataFrame:
        errors = row_errors(chunk, self.schema) if not self.schema.is_empty else [""] * len(chunk)
        valid_idx = [i for i, e in enumerate(errors) if not e]
        futures: list[tuple[list[int], Future]] = []
        for start in range(0, len(valid_idx), self.batch_size):
            idx = valid_idx[start : start + self.batch_size]
            futures.append((idx, pool.submit(self._score_rows, chunk.iloc[idx])))
        result_parts: list[pd.DataFrame] = []
        for idx, future in futures:
            part = future.result()
            part.index = idx
            result_parts.append(part)
        results = pd.concat(result_parts) if result_parts else pd.DataFrame(index=[])
        out = chunk.copy()
        results = results.reindex(range(len(chunk)))
        for col in results.columns:
            if col != "error":
                out[col] = results[col]
        merged_errors = [e or (results["error"].iloc[i] if "error" in results else "") for i, e in enumerate(errors)]
        out["error"] = [e if isinstance(e, str) else "" for e in merged_errors]
        return out

    def _score_rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Predictions for these rows; a call refused by the server is split to find the bad rows."""
        last: RequestError | None = None
        for attempt in range(CHUNK_ATTEMPTS):
            if attempt:
                time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
            try:
                prediction = self.client.predict(self.ref, rows, self.schema, validate=False)
            except PayloadRejected as exc:
                if len(rows) == 1:
                    return _failed(rows, f"refused by the server: {exc.body or exc.message}")
                half = len(rows) // 2
                return pd.concat([self._score_rows(rows.iloc[:half]), self._score_rows(rows.iloc[half:])])
            except RequestError as exc:
                last = exc
                continue
            frame = prediction.to_frame()
            frame["request_id"] = prediction.request_id
            frame["error"] = ""
            frame.index = rows.index
            return frame
        assert last is not None
        raise last

    def _output_columns(self, frame: pd.DataFrame) -> list[str]:
        if "prediction" in frame.columns:
            return [str(c) for c in frame.columns]
        names = self.schema.class_names
        extra = ["prediction"] + (["confidence", *[f"p({c})" for c in names]] if names else [])
        inputs = [str(c) for c in frame.columns if c != "error"]
        return [*inputs, *extra, "request_id", "error"]

    def _append(self, output: Path, frame: pd.DataFrame, state: _State) -> None:
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
        text = frame.to_csv(index=False, header=not state.header_written)
        with open(output, "ab") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
            state.output_bytes = handle.tell()
        state.header_written = True


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
    run_keys = {"resume", "progress", "should_stop", "on_rows"}
    run_opts = {k: v for k, v in options.items() if k in run_keys}
    init_opts = {k: v for k, v in options.items() if k not in run_keys}
    return BatchScorer(client, ref, schema, **init_opts).run(source, output, **run_opts)
