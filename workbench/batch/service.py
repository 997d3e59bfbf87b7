"""Batch jobs for the app: check a file's columns, run the engine in a background thread, keep state in the store.

    BatchService(engine, client, home)       start / cancel / resume / get / summary / list jobs

Which columns of a file match the model is ``workbench.batch.columns``.

A job lives in ``<home>/jobs/<id>/`` (``input.<ext>``, ``results.csv``, ``rejects.csv``) and in the
``batch_job`` table; its rows are logged off the scoring path to the batch log (one Arrow file per
chunk under ``<home>/batch_log/<id>/``, indexed in the store: ``workbench.batch.log_writer``).
Before scoring, the server's own rate is measured once per model (``server_rate``) so a page can
show the job's rows/s against it. A page only reads the store, so it can poll a job after a
browser refresh or from another tab.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from mds_client import InputError, MDSClient, MDSError, ModelRef, ModelSchema
from mds_client.batch.checks import load_state
from mds_client.batch.inputs import DEFAULT_CHUNK_ROWS, count_rows, file_format, sniff_numbers
from mds_client.batch.progress import BatchProgress
from mds_client.batch.scorer import DEFAULT_BATCH_SIZE, DEFAULT_RETRY_FOR_S, DEFAULT_WORKERS, BatchScorer
from mds_client.schema.params import chosen_parameters
from workbench.batch.log_writer import BatchLogWriter
from workbench.batch.preview import reading_of, write_with_reading
from workbench.batch.server_rate import server_rate
from workbench.batch.views import BatchRow, JobSummary, JobView
from workbench.errors import BatchJobError
from workbench.payload_check.service import explain_failure, explain_reason
from workbench.store import batch_jobs, batch_log
from workbench.store.batch_jobs import JobRecord
from workbench.store.tables import new_id

MAX_WORKERS = 16
ORPHAN_MESSAGE = "The app stopped while this job ran. Resume it to finish the remaining rows."


# --- jobs ------------------------------------------------------------------------------------------
class BatchService:
    """Runs batch jobs in background threads; every fact a page needs is in the store."""

    def __init__(self, engine: Engine, client: MDSClient, home: Path | str, *, log_predictions: bool = True,
                 retry_for_s: float = DEFAULT_RETRY_FOR_S, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.engine = engine
        self.retry_for_s, self.chunk_rows = retry_for_s, chunk_rows  # how long a job rides out a fault; checkpoints
        self.client = client
        self.home = Path(home)
        self.jobs_dir = self.home / "jobs"
        self.log_predictions = log_predictions
        self._threads: dict[str, threading.Thread] = {}
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        batch_jobs.fail_orphans(engine, set(), ORPHAN_MESSAGE)

    # paths
    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def results_path(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "results.csv"

    def rejects_path(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "rejects.csv"

    def _input_path(self, job_id: str, fmt_suffix: str) -> Path:
        return self.job_dir(job_id) / f"input{fmt_suffix}"

    # starting
    def start(
        self, *, user: str, ref: ModelRef, schema: ModelSchema, source: Path | str, input_name: str = "",
        column_map: dict[str, str] | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
        workers: int = DEFAULT_WORKERS, numbers: str | None = None, parameters: dict[str, Any] | None = None,
    ) -> str:
        """Copy the file into the job's folder, record the job, start it; returns the job id.

        ``numbers``: how a text file's numbers are read when a person chose (a ``READINGS`` key); the copy is
        then written with decimal points, so the job and any resume read what the preview showed.
        ``parameters``: the model's inference parameters (``schema.params``) for every row; the job records the
        values that differ from their defaults, and a resumed job sends the same.
        """
        source = Path(source)
        if not source.exists():
            raise BatchJobError(f"The file {source.name} is gone; upload it again.")
        try:
            chosen = chosen_parameters(schema.params, parameters or {})
        except InputError as exc:
            raise BatchJobError(f"Model '{ref.name}': {exc.message}", hint="Change the model parameters.") from None
        job_id = new_id()
        suffix = {"parquet": ".parquet", "jsonl": ".jsonl", "json": ".json"}.get(file_format(source), ".csv")
        target = self._input_path(job_id, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        reading = reading_of(source, numbers)
        if suffix == ".csv" and reading.key != sniff_numbers(source).key:
            write_with_reading(source, target, reading)
        else:
            shutil.copyfile(source, target)
        options = {"column_map": column_map or {}, "batch_size": batch_size, "workers": workers, "numbers": reading.key,
                   "input": target.name, "protocol": ref.protocol, "version": ref.version, "parameters": chosen}
        batch_jobs.create_job(self.engine, job_id=job_id, user=user, model=ref.name,
                              input_name=input_name or source.name, output_path=str(self.results_path(job_id)),
                              rows_total=count_rows(target) or 0, options=options)
        self._launch(job_id, user, ref, schema, target, resume=False)
        return job_id

    def resume(self, job_id: str, *, ref: ModelRef, schema: ModelSchema) -> None:
        job = self._job(job_id)
        if job.active and job_id in self._threads:
            return
        if job.state == "done":
            raise BatchJobError(f"Job {job_id} is already done.")
        batch_jobs.update_job(self.engine, job_id, state="queued", error=None)
        self._launch(job_id, job.user, ref, schema, self.job_dir(job_id) / job.options["input"], resume=True)

    def cancel(self, job_id: str) -> None:
        """Stop after the chunk in flight (its rows are kept); a job no thread runs is marked at once."""
        with self._lock:
            event = self._stops.get(job_id)
            alive = job_id in self._threads and self._threads[job_id].is_alive()
        if event is not None and alive:
            event.set()
        elif self._job(job_id).active:
            batch_jobs.update_job(self.engine, job_id, state="cancelled")

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self._job(job_id)

    # reading
    def get(self, job_id: str) -> JobView:
        job = self._job(job_id)
        rate = float(job.options.get("rows_per_s") or 0.0)
        eta = (job.rows_total - job.rows_done) / rate if rate > 0 and job.active and job.rows_total else None
        server = job.options.get("server_rows_per_s")
        return JobView(job, rate, eta, float(server) if server else None)

    def jobs(self, user: str | None, limit: int = 20) -> list[JobRecord]:
        return batch_jobs.list_jobs(self.engine, user, limit)

    def summary(self, job_id: str) -> JobSummary:
        """Counts, reasons and the label distribution, read from the results file in chunks."""
        job = self._job(job_id)
        labels: Counter[str] = Counter()
        results = self.results_path(job_id)
        if results.exists() and results.stat().st_size:
            for chunk in pd.read_csv(results, chunksize=50_000, usecols=lambda c: c in ("prediction", "error"),
                                     keep_default_na=False, dtype=str):
                if "prediction" in chunk:
                    ok = chunk["error"] == "" if "error" in chunk else slice(None)
                    labels.update(chunk.loc[ok, "prediction"].tolist())
        return JobSummary(job.rows_scored, job.rows_rejected, dict(job.options.get("reasons") or {}),
                          dict(labels.most_common()), results, self.rejects_path(job_id))

    def preview(self, job_id: str, rows: int = 10) -> pd.DataFrame:
        """The first rows of the results file, numbered as the file's data rows (1 = first)."""
        results = self.results_path(job_id)
        if not results.exists() or not results.stat().st_size:
            return pd.DataFrame()
        frame = pd.read_csv(results, nrows=rows, keep_default_na=False)
        frame.insert(0, "row", range(1, len(frame) + 1))
        return frame

    def rejected_rows(self, job_id: str, rows: int = 50, *, schema: ModelSchema | None = None) -> pd.DataFrame:
        """The first rejected rows with their reason (the rejects file has them all).

        Rows the server refused also get the field the refusal is about and what to try
        (the payload check's reading of the server's message).
        """
        rejects = self.rejects_path(job_id)
        if not rejects.exists() or not rejects.stat().st_size:
            return pd.DataFrame()
        frame = pd.read_csv(rejects, nrows=rows, keep_default_na=False, dtype=str)
        if "error" in frame:
            frame = frame[["error", *[c for c in frame.columns if c != "error"]]].rename(columns={"error": "reason"})
            advice = [explain_reason(r, schema) for r in frame["reason"]]
            if any(fix for _field, fix in advice):
                frame.insert(1, "about", [f for f, _ in advice])
                frame.insert(2, "what to try", [fix for _, fix in advice])
        return frame

    def row(self, job_id: str, row: int) -> BatchRow:
        """Row ``row`` (1-based, as in the results file) with its logged prediction, for feedback."""
        job = self._job(job_id)
        if not 1 <= row <= max(job.rows_done, 0):
            raise BatchJobError(f"Row {row} is not among the {job.rows_done:,} rows this job scored.",
                                hint="Pick a row number from the results file (1 = first data row).")
        # The prediction row is made from the batch log now, the first time a row is asked for
        # feedback; jobs logged before the batch log have theirs in the prediction table.
        made = batch_log.prediction_of_job_row(self.engine, job_id, row)
        found = (batch_jobs.prediction_by_id(self.engine, made) if made is not None
                 else batch_jobs.prediction_of_row(self.engine, job_id, row))
        if found is None:
            raise BatchJobError(f"Row {row} of job {job_id} was not logged, so feedback cannot be attached to it.",
                                hint="Predictions are logged while a job runs; run the file again to log them.")
        out = found["outputs"] or {}
        return BatchRow(row, int(found["id"]), found["status"], found["error"], dict(found["inputs"] or {}),
                        out.get("label"), out.get("value"), out.get("probabilities"), str(out.get("task") or "other"))

    def _job(self, job_id: str) -> JobRecord:
        job = batch_jobs.get_job(self.engine, job_id)
        if job is None:
            raise BatchJobError(f"There is no batch job {job_id}.")
        return job

    # running
    def _launch(self, job_id: str, user: str, ref: ModelRef, schema: ModelSchema, source: Path, *, resume: bool) -> None:
        stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(job_id, user, ref, schema, source, resume, stop),
                                  name=f"batch-{job_id}", daemon=True)
        with self._lock:
            self._stops[job_id] = stop
            self._threads[job_id] = thread
        thread.start()

    def _run(self, job_id: str, user: str, ref: ModelRef, schema: ModelSchema, source: Path, resume: bool,
             stop: threading.Event) -> None:
        job = self._job(job_id)
        opts = job.options
        batch_jobs.update_job(self.engine, job_id, state="running", options={"started": time.time()})
        results = self.results_path(job_id)
        checkpoint = load_state(results) if resume else None
        rows_done = checkpoint.rows_done if checkpoint else 0
        next_chunk = batch_jobs.chunks_written(self.engine, job_id) if resume else 0
        position = {"chunk": next_chunk, "row": rows_done, "t": time.perf_counter()}
        if not resume:
            batch_jobs.update_job(self.engine, job_id, rows_done=0, rows_scored=0, rows_rejected=0)
        rate = server_rate(self.client, ref, schema, source, column_map=opts.get("column_map") or None)
        if rate:
            batch_jobs.update_job(self.engine, job_id, options={"server_rows_per_s": round(rate, 1)})
        log = (BatchLogWriter(self.engine, self.home, ref, schema, run_id=job_id, user=user, batch_job_id=job_id,
                              output=str(results), first_row=rows_done) if self.log_predictions else None)
        if log is not None and resume:
            log.catch_up(results, rows_done)

        # The chunk's row and the job's counters are written by their own thread, one chunk behind
        # the engine; the rows themselves go to the batch log's writer thread.
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"batch-chunks-{job_id}")
        last_write: list[Future] = []

        def write(frame: pd.DataFrame, index: int, start: int, end: int, latency_ms: float) -> None:
            errors = frame["error"].fillna("").astype(str)
            rejected = int((errors != "").sum())
            batch_jobs.record_chunk(self.engine, job_id, index=index, start_row=start, end_row=end,
                                    rows_scored=len(frame) - rejected, rows_rejected=rejected,
                                    latency_ms=latency_ms, predictions=[])

        def on_rows(frame: pd.DataFrame) -> None:
            start, end = position["row"], position["row"] + len(frame)
            now = time.perf_counter()
            if log is not None:
                log.on_rows(frame)
            if last_write:
                last_write.pop().result()
            last_write.append(writer.submit(write, frame, position["chunk"], start, end, (now - position["t"]) * 1000))
            position.update(chunk=position["chunk"] + 1, row=end, t=now)

        def on_progress(p: BatchProgress) -> None:
            batch_jobs.update_job(self.engine, job_id, options={"rows_per_s": round(p.rows_per_s, 1)})

        try:
            scorer = BatchScorer(self.client, ref, schema, batch_size=int(opts.get("batch_size") or DEFAULT_BATCH_SIZE),
                                 workers=int(opts.get("workers") or DEFAULT_WORKERS),
                                 column_map=opts.get("column_map") or None, retry_for_s=self.retry_for_s,
                                 chunk_rows=self.chunk_rows, parameters=opts.get("parameters") or None)
            try:
                result = scorer.run(source, results, resume=resume, progress=on_progress,
                                    should_stop=stop.is_set, on_rows=on_rows)
            finally:
                writer.shutdown(wait=True)
                log_error = log.close() if log is not None else None
            if last_write:
                last_write.pop().result()
            if log_error is not None:
                batch_jobs.update_job(self.engine, job_id, options={"log_error": str(log_error)})
            self._write_rejects(job_id)
            reasons = dict(result.reasons)  # the engine's checkpoint carries counts across resumes
            batch_jobs.update_job(self.engine, job_id, state="cancelled" if result.cancelled else "done",
                                  rows_done=result.rows_total, rows_scored=result.rows_scored,
                                  rows_rejected=result.rows_rejected,
                                  rows_total=max(job.rows_total, result.rows_total) if result.cancelled
                                  else result.rows_total,
                                  options={"reasons": reasons, "rows_per_s": round(result.rows_per_s, 1),
                                           "elapsed_s": round(result.elapsed_s, 2)})
        except MDSError as exc:
            done = self._job(job_id).rows_done
            kept = (f" {done:,} of {job.rows_total:,} rows are scored and kept; resume the job to score the rest "
                    "once the server answers again.") if job.rows_total else ""
            batch_jobs.update_job(self.engine, job_id, state="failed", error=explain_failure(exc, schema) + kept)
        except Exception as exc:  # a background thread must leave a trace in the store
            batch_jobs.update_job(self.engine, job_id, state="failed", error=f"Unexpected error: {exc!r}")
            raise
        finally:
            with self._lock:
                self._threads.pop(job_id, None)
                self._stops.pop(job_id, None)

    def _write_rejects(self, job_id: str) -> None:
        results, rejects = self.results_path(job_id), self.rejects_path(job_id)
        tmp = rejects.with_suffix(".tmp")
        header = True
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            if results.exists() and results.stat().st_size:
                for chunk in pd.read_csv(results, chunksize=50_000, keep_default_na=False, dtype=str):
                    bad = chunk[chunk["error"] != ""] if "error" in chunk else chunk.iloc[0:0]
                    bad = bad.drop(columns=[c for c in bad.columns if c in ("prediction", "confidence", "request_id")
                                            or c.startswith("p(")])
                    if header or len(bad):
                        handle.write(bad.to_csv(index=False, header=header))
                        header = False
        tmp.replace(rejects)
