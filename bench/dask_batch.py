"""Distributed vs single-process batch scoring, side by side on the same server and the same rows.

    (a) the single-process engine (``BatchScorer``, defaults: 4 threads, minibatches of 2,000);
    (b) ``score_with_dask`` on a ``LocalCluster`` of 2 worker processes (one task thread each, each
        task running the same engine with ``--task-threads`` threads), partitions of 100,000 rows,
        output joined into one CSV in input order; timed with and without starting the cluster
        (start: the processes and their imports of the scorer).

Both read one Parquet file of wine rows (row groups of 100,000) and write one CSV, against the
embedded MDS's MLServer (V2) ``wine`` model. Goal: (b) takes at most 1.3x the time of (a).

    .venvs/app/bin/python bench/dask_batch.py [--rows 1000000] [--task-threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _servers import start_local_mds

from bench._figures import shown
from mds_client import MDSClient, load_catalog
from mds_client.batch.dask_scoring import score_with_dask, warm_up
from mds_client.batch.scorer import BatchScorer

ROW_GROUP = 100_000


def write_wine(sample: Path, rows: int, path: Path) -> None:
    base = pd.read_csv(sample)
    low, high = base["alcohol"].min(), base["alcohol"].max()
    rng = np.random.default_rng(0)
    block = pd.concat([base] * (ROW_GROUP // len(base) + 1), ignore_index=True).iloc[:ROW_GROUP]
    writer = None
    for start in range(0, rows, ROW_GROUP):
        part = block.iloc[: min(ROW_GROUP, rows - start)].copy()
        part["alcohol"] = (part["alcohol"] + rng.uniform(-0.05, 0.05, len(part))).clip(low, high).round(3)
        table = pa.Table.from_pandas(part, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--task-threads", type=int, default=2)
    parser.add_argument("--dask-workers", type=int, default=2)
    args = parser.parse_args()

    running = start_local_mds()
    ref = next(r for r in load_catalog(running.catalog_path) if r.name == "wine")
    client = MDSClient()
    schema = client.schema(ref)
    work = Path(tempfile.mkdtemp(prefix="dask-bench-"))
    source = work / "wine.parquet"
    write_wine(Path(ref.sample_data), args.rows, source)
    print(f"wine Parquet: {args.rows:,} rows in row groups of {ROW_GROUP:,}; MLServer V2 at {ref.endpoint}")

    write_wine(Path(ref.sample_data), 20_000, work / "warm.parquet")
    BatchScorer(client, ref, schema).run(work / "warm.parquet", work / "warm.csv")  # warm-up: connections, imports
    started = time.perf_counter()
    single = BatchScorer(client, ref, schema).run(source, work / "single.csv")
    single_s = time.perf_counter() - started
    assert single.rows_scored == args.rows, single

    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(n_workers=args.dask_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    dask_client = Client(cluster)
    warm_up(dask_client)  # what a running cluster has done already: the workers have imported the scorer
    startup_s = time.perf_counter() - started
    try:
        started = time.perf_counter()
        result = score_with_dask(str(source), ref, schema, work / "dask.csv", client=dask_client,
                                 workers=args.task_threads)
        dask_s = time.perf_counter() - started
    finally:
        dask_client.close()
        cluster.close()
    assert result.rows_scored == args.rows, result
    a = pd.read_csv(work / "single.csv", usecols=["prediction"])["prediction"]
    b = pd.read_csv(work / "dask.csv", usecols=["prediction"])["prediction"]
    assert a.equals(b), "the two outputs differ"

    print(f"(a) single process:              {shown(args.rows, single_s, '10,.0f')} rows/s  ({single_s:6.1f} s)")
    print(f"(b) Dask, {args.dask_workers} workers x {args.task_threads} threads:   {shown(args.rows, dask_s, '10,.0f')} rows/s  ({dask_s:6.1f} s, "
          f"{result.partitions} partitions; cluster start {startup_s:.1f} s more)")
    print(f"time (b) / (a): {shown(dask_s, single_s, '.2f', 'x')}, with the cluster start "
          f"{shown(dask_s + startup_s, single_s, '.2f', 'x')} "
          "(goal <= 1.3x); the outputs are equal row for row")


if __name__ == "__main__":
    main()
