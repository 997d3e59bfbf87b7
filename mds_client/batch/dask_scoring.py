"""Batch scoring on a Dask cluster, for inputs one machine cannot get through in time.

``score_with_dask`` splits the input into partitions (``dask_partitions``: one per CSV / JSON-lines
file, Parquet row groups of about 100,000 rows), submits one task per partition to a
``distributed`` scheduler (``tcp://scheduler:8786``, or ``"local"`` for a ``LocalCluster`` on
this machine) and each worker scores its partition with the single-process engine
(``BatchScorer``), so results are the same row for row. Every worker needs ``mds_client``
installed, network access to the model server, and the output folder on a shared filesystem.

Output: a folder gets one file per partition, ``part-00000.<fmt>`` (the input's format) and a
``.done.json`` beside each; a file (``x.csv``, ``x.jsonl``, ``x.parquet``) or a table
(``URL::table``, see ``batch_output``) gets the partitions joined in input order at the end.
A partition is written under a temporary name and renamed when complete, so a worker that dies
mid-partition leaves nothing behind: the scheduler redoes the task elsewhere. With ``resume``,
complete partitions are skipped and partial ones redone.

Logging (``row_log``, a ``RowLog``): each worker writes the log of its partition's rows itself as it
scores them (nothing passes through the client) and returns a note per chunk with the partition's
summary, kept in its ``.done.json``; the client indexes the notes of a partition once it is complete.
A partition that failed and was redone was never indexed, and indexing the same note twice is a
no-op, so every row is logged once, also on resume. Row numbers are the job's: a partition starts
after the rows the plan counts before it.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from mds_client.batch.checks import check_columns, check_resumed_parameters, checked_parameters
from mds_client.batch.dask_output import Layout, completed
from mds_client.batch.dask_partitions import (
    DEFAULT_PARTITION_ROWS,
    Partition,
    expand_inputs,
    plan_partitions,
    read_partition,
)
from mds_client.batch.inputs import DEFAULT_CHUNK_ROWS, NumberReading
from mds_client.batch.output import AppendFileSink, ParquetSink
from mds_client.batch.scorer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_WORKERS,
    BatchProgress,
    BatchResult,
    BatchScorer,
    ProgressCallback,
)
from mds_client.client import MDSClient
from mds_client.errors import InputError, MDSError
from mds_client.refs import ModelRef
from mds_client.schema.model import ModelSchema

TASK_RETRIES = 2
"""Reruns of a partition that raised (a worker that died is rescheduled by Dask on its own)."""


class RowLog(Protocol):
    """Where a distributed job logs its scored rows: ``write`` runs on the workers, ``index`` on the client.

    The object travels to the workers pickled, so it holds paths and names, not connections.
    """

    def write(self, start_row: int, frame: pd.DataFrame) -> dict[str, Any]:
        """Keep rows ``start_row + 1 ..`` of the job (on a worker); a JSON-able note of what was kept."""

    def index(self, notes: list[dict[str, Any]]) -> None:
        """Make a complete partition's notes visible (on the client); a note indexed before is skipped."""


@dataclass
class DaskResult(BatchResult):
    partitions: int = 0
    partitions_skipped: int = 0


def score_with_dask(
    inputs: str | Path | Sequence[str | Path],
    ref: ModelRef,
    schema: ModelSchema,
    output: str | Path,
    *,
    address: str = "local",
    n_workers: int = 2,
    client: Any = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    column_map: dict[str, str] | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    storage_options: dict | None = None,
    connect_timeout_s: float = 30.0,
    row_log: RowLog | None = None,
    numbers: NumberReading | None = None,
    parameters: dict[str, Any] | None = None,
) -> DaskResult:
    """Score ``inputs`` on Dask workers into ``output`` (a folder, one file, or ``URL::table``).

    ``client`` (a ``distributed.Client``) wins over ``address``; ``workers`` is the threads each
    task uses for its calls, ``n_workers`` the size of a local cluster; ``row_log`` logs every row once;
    ``numbers``: how CSV inputs write numbers (``inputs.READINGS``), by default what each file's cells say;
    ``parameters`` (``schema.params``) go with every call, checked here before any cluster is asked, and kept in each
    partition's ``.done.json``: a resume with other values is refused.
    """
    started = time.perf_counter()
    chosen = checked_parameters(ref, schema, parameters)
    files = expand_inputs(inputs, storage_options)
    parts = plan_partitions(files, target_rows=partition_rows, storage_options=storage_options)
    if parts:  # a missing column stops the job here, before any cluster is asked
        head = next(read_partition(parts[0], 100, storage_options, numbers), None)
        if head is not None:
            check_columns(head.rename(columns=column_map or {}), schema)
    layout = Layout.of(output, parts)
    layout.prepare(resume=resume)
    total = sum(p.rows or 0 for p in parts) if all(p.rows is not None for p in parts) else None
    options = {"batch_size": batch_size, "workers": workers, "chunk_rows": chunk_rows, "column_map": column_map,
               "numbers": numbers, "parameters": parameters}

    done: dict[int, dict[str, Any]] = {}
    for part in parts:
        summary = completed(layout, part)
        if summary is not None:
            check_resumed_parameters(summary, chosen)
            done[part.index] = summary
    skipped, skipped_rows = len(done), sum(d["rows"] for d in done.values())
    if row_log is not None:  # a run killed between a partition's end and its indexing: index it now
        for summary in done.values():
            row_log.index(summary.get("log", []))
    firsts, first = {}, 0
    for part in parts:
        firsts[part.index], first = first, first + (part.rows or 0)
    todo = [p for p in parts if p.index not in done]
    if todo:
        owns_cluster = client is None
        if owns_cluster:
            client = _connect(address, n_workers, connect_timeout_s)
        try:
            _run_tasks(client, todo, ref, schema, layout, options, storage_options, done, skipped_rows=skipped_rows,
                       total=total, progress=progress, started=started, row_log=row_log, firsts=firsts)
        finally:
            if owns_cluster:
                _close(client)
    layout.publish(parts, resume=resume)
    reasons: dict[str, int] = {}
    for summary in done.values():
        for key, n in summary["reasons"].items():
            reasons[key] = reasons.get(key, 0) + n
    return DaskResult(
        output=layout.output, rows_total=sum(d["rows"] for d in done.values()),
        rows_scored=sum(d["scored"] for d in done.values()), rows_rejected=sum(d["rejected"] for d in done.values()),
        elapsed_s=time.perf_counter() - started, resumed_from=skipped_rows,
        reasons=reasons, partitions=len(parts), partitions_skipped=skipped,
    )


# --- the tasks ------------------------------------------------------------------------------
def _connect(address: str, n_workers: int, timeout_s: float) -> Any:
    # distributed costs ~0.3 s of imports: only a Dask job pays for it.
    from distributed import Client, LocalCluster

    if address == "local":
        # One thread per worker: each task already runs a pool of I/O threads for its calls.
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
        warm_up(client)
        return client
    try:
        return Client(address, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"No Dask scheduler answers at {address} ({exc}).",
                         hint="Check the address (tcp://host:8786) or use --dask local.") from None


def warm_up(client: Any) -> None:
    """Import the scoring code on every worker now: a fresh worker takes seconds to import pandas,
    pyarrow and mds_client, which would otherwise stall its first partition."""
    client.run(importlib.import_module, __name__)


def _close(client: Any) -> None:
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _run_tasks(client: Any, todo: list[Partition], ref: ModelRef, schema: ModelSchema, layout: Layout,
               options: dict[str, Any], storage_options: dict | None, done: dict[int, dict[str, Any]], *,
               skipped_rows: int, total: int | None, progress: ProgressCallback | None, started: float,
               row_log: RowLog | None = None, firsts: dict[int, int] | None = None) -> None:
    # distributed costs ~0.3 s of imports: only a Dask job pays for it.
    from distributed import wait

    topic = f"mds-batch-{uuid.uuid4().hex[:8]}"
    live: dict[int, tuple[int, int, int]] = {}  # partition -> rows done, scored, rejected (latest attempt)
    lock = threading.Lock()

    def on_event(event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) else event
        with lock:
            live[msg["part"]] = (msg["rows"], msg["scored"], msg["rejected"])

    client.subscribe_topic(topic, on_event)
    futures = {
        client.submit(_score_partition, part, ref, schema, str(layout.part_path(part)), layout.part_fmt, options,
                      storage_options, topic, row_log, (firsts or {}).get(part.index, 0),
                      key=f"mds-partition-{part.index}-{topic}", pure=False,
                      retries=TASK_RETRIES): part
        for part in todo
    }
    pending = set(futures)
    last_report = -1
    try:
        while pending:
            try:
                finished, _ = wait(list(pending), timeout=0.2, return_when="FIRST_COMPLETED")
            except TimeoutError:
                finished = set()
            for future in finished:
                pending.discard(future)
                try:
                    done[futures[future].index] = summary = future.result()
                    if row_log is not None:
                        row_log.index(summary.get("log", []))
                except MDSError:
                    raise
                except Exception as exc:
                    raise InputError(f"Partition {futures[future].label} failed on the cluster: {exc}",
                                     hint="Fix what it names and rerun with resume: finished partitions are kept.") \
                        from None
            if progress is not None:
                with lock:
                    counts = [done[i]["rows"] if i in done else live.get(i, (0, 0, 0))[0] for i in
                              (p.index for p in todo)]
                    scored = sum(done[p.index]["scored"] if p.index in done else live.get(p.index, (0, 0, 0))[1]
                                 for p in todo)
                    rejected = sum(done[p.index]["rejected"] if p.index in done else live.get(p.index, (0, 0, 0))[2]
                                   for p in todo)
                rows = sum(counts)
                if rows != last_report:
                    last_report = rows
                    progress(BatchProgress(rows, scored, rejected, None if total is None else total - skipped_rows,
                                           time.perf_counter() - started))
    finally:
        client.unsubscribe_topic(topic)
        for future in pending:
            future.cancel()


_CLIENTS: dict[int, Any] = {}


def _worker_client() -> Any:
    """One MDSClient per worker process: pooled connections outlive a partition."""
    pid = os.getpid()
    if pid not in _CLIENTS:
        _CLIENTS[pid] = MDSClient()
    return _CLIENTS[pid]


def _score_partition(part: Partition, ref: ModelRef, schema: ModelSchema, final: str, fmt: str,
                     options: dict[str, Any], storage_options: dict | None, topic: str,
                     row_log: RowLog | None = None, first_row: int = 0) -> dict[str, Any]:
    """Runs on a worker: the partition into a temporary file, renamed when complete; its rows logged."""
    # distributed costs ~0.3 s of imports: only a Dask job pays for it.
    from distributed import get_worker

    worker = get_worker()
    final_path = Path(final)
    tmp = final_path.with_name(f".{final_path.name}.{uuid.uuid4().hex[:8]}.tmp")
    sink = ParquetSink(tmp) if fmt == "parquet" else AppendFileSink(tmp, fmt)
    sink.begin(resume=False)
    options = dict(options)
    numbers = options.pop("numbers", None)  # the reader's, not the scorer's
    scorer = BatchScorer(_worker_client(), ref, schema, **options)

    def report(p: BatchProgress) -> None:
        worker.log_event(topic, {"part": part.index, "rows": p.rows_done, "scored": p.rows_scored,
                                 "rejected": p.rows_rejected})

    notes: list[dict[str, Any]] = []
    logged = [first_row]

    def log(frame: pd.DataFrame) -> None:
        if row_log is not None:
            notes.append(row_log.write(logged[0], frame))
            logged[0] += len(frame)

    result = scorer.score_chunks(read_partition(part, scorer.chunk_rows, storage_options, numbers), sink, total=part.rows,
                                 progress=report, on_rows=log if row_log is not None else None)
    if result.rows_total == 0:
        raise InputError(f"{part.url} has no data rows.")
    os.replace(tmp, final_path)
    summary = {"url": part.url, "index": part.index, "rows": result.rows_total, "scored": result.rows_scored,
               "rejected": result.rows_rejected, "reasons": result.reasons, "log": notes,
               "parameters": scorer.chosen_parameters}
    marker = final_path.with_name(final_path.name + ".done.json")
    marker_tmp = marker.with_name(f".{marker.name}.{uuid.uuid4().hex[:8]}.tmp")
    marker_tmp.write_text(json.dumps(summary))
    os.replace(marker_tmp, marker)
    return summary
