"""Replay against the server's own rate, side by side in one run on the same rows and the same server.

(a) replay: N logged calls to a mixed-type classifier (a string category, an integer, a float; string class
    names) read from the request log, sent to its version 2 and compared row by row with the logged answers:
    ``workbench.replay.replay`` from start to finish (status, schema, the store read, scoring, comparison).
    The log (SQLite) holds rows in the exact shape the sink writes: version 1's real answers to real V2
    request bodies of 500 rows, turned into rows by the sink's own ``event_write``.
(b) the server's own rate: the same N rows, already in memory, scored on version 2 by the same
    ``BatchScorer`` (same batch size, threads and chunks) into the same in-memory sink; nothing read or
    compared.
Each is the best of 2 after a warm-up. Goal (issue 23 item 7): (a) >= 50% of (b).

    PYTHONPATH=$PWD .venvs/app/bin/python bench/replay_rate.py [N]     (default 100000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from bench._figures import shown
from embedded_mds import processes
from mds_client import MDSClient
from mds_client.batch.scorer import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, BatchScorer
from tests.publish_fixture import start_publish_server
from tests.workbench.replay import served_versions as sv
from workbench.replay.service import CHUNK_ROWS, AnswerSink, replay
from workbench.store import open_store
from workbench.store.traffic import replay_calls

ROWS_PER_CALL = 500


def direct(client: MDSClient, target, schema, frame: pd.DataFrame) -> tuple[float, float]:
    """Seconds (wall, this process's CPU) to score ``frame`` on ``target`` with the batch scorer alone."""
    scorer = BatchScorer(client, target, schema, batch_size=DEFAULT_BATCH_SIZE, workers=DEFAULT_WORKERS,
                         chunk_rows=CHUNK_ROWS)
    chunks = (frame.iloc[i:i + CHUNK_ROWS] for i in range(0, len(frame), CHUNK_ROWS))
    started, cpu = time.perf_counter(), time.process_time()
    result = scorer.score_chunks(chunks, AnswerSink(list(frame.columns)), total=len(frame))
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    assert result.rows_total == len(frame)
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    home = Path(tempfile.mkdtemp(prefix="replay-bench-"))
    server = start_publish_server(home)
    try:
        traffic = sv.orchard(n, seed=11)
        known = traffic[traffic["variety"] != "fuji"]
        ref = sv.serve_versions(home / "models", server.url, "orchard", {
            "1": (traffic, sv.tree(traffic, sv.grade_a(traffic))), "2": (known, sv.tree(known, sv.grade_b(known)))})
        target = ref.at_version("2")
        client = MDSClient()
        engine = open_store(f"sqlite:///{home / 'bench.db'}")
        started = time.perf_counter()
        sv.log_calls(engine, client, ref, traffic, rows_per_call=ROWS_PER_CALL, spacing=timedelta(milliseconds=10))
        print(f"{n:,} logged calls ({n // ROWS_PER_CALL:,} requests of {ROWS_PER_CALL} rows to version 1, logged as "
              f"the sink writes them) in {time.perf_counter() - started:.1f} s; replayed to version 2 "
              f"(batch size {DEFAULT_BATCH_SIZE:,}, {DEFAULT_WORKERS} threads, chunks of {CHUNK_ROWS:,} rows)")
        schema = client.schema(target)
        start = datetime.now(UTC) - timedelta(hours=2)
        replay(engine, client, ref, target, start=start, limit=2_000)  # warm-up: connections, imports, page cache
        direct(client, target, schema, traffic.head(2_000))

        server_s, replay_s, read_s, result = [], [], [], None
        for _ in range(2):
            server_s.append(direct(client, target, schema, traffic))
            began, cpu = time.perf_counter(), time.process_time()
            result = replay(engine, client, ref, target, start=start)
            replay_s.append((time.perf_counter() - began, time.process_time() - cpu))
            began = time.perf_counter()
            sum(len(part) for part in replay_calls(engine, ref.name, start, datetime.now(UTC)))
            read_s.append(time.perf_counter() - began)
        assert result is not None and result.replayed == n and result.answered == len(known)
        assert result.changed == int((sv.grade_a(known) != sv.grade_b(known)).sum())
        (ours_s, ours_cpu), (theirs_s, theirs_cpu) = min(replay_s), min(server_s)
        ours, theirs = n / ours_s, n / theirs_s
        print(f"(a) replay, from the log:             {ours:10,.0f} rows/s  ({ours_s:.2f} s, client CPU "
              f"{ours_cpu:.2f} s; reading the log alone {min(read_s):.2f} s)")
        print(f"(b) server's own rate, batch scorer:  {theirs:10,.0f} rows/s  ({theirs_s:.2f} s, client CPU "
              f"{theirs_cpu:.2f} s)")
        print(f"    {result.changed:,} of {result.answered:,} answers change, {result.failed:,} rows refused (fuji)")
        print()
        print(f"replay / server's own rate:           {shown(ours, theirs, '6.1%')}  (goal >= 50%)")
    finally:
        processes.stop_group(server.pid)


if __name__ == "__main__":
    main()
