"""The cost of logging every row of a Dask job, side by side on the same cluster, server and rows.

    (a) ``score_with_dask`` with no log;
    (b) the same with ``DaskRowLog``: each worker writes the Arrow chunk files of its rows, the client
        indexes each partition's chunks in the store (what ``mds predict --dask`` does);
    (c) the way it was done before, for comparison: (a), then the client reads the joined output back and
        logs it through the local batch log writer (every row through one process).

A ``LocalCluster`` of 2 worker processes (one task thread each, each task running the batch engine with
``--task-threads`` threads) against the embedded MDS's MLServer ``wine`` model; a Parquet input in row
groups of 50,000, partitions of ``--partition-rows``, output joined into one CSV; the store is SQLite.
(a) and (b) alternate ``--repeats`` times; the best of each is compared. Goal: (b) <= 1.15x (a).

    PYTHONPATH=$PWD .venvs/app/bin/python bench/dask_log.py [--rows 400000] [--repeats 2]
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
from workbench.batch.dask_log import DaskRowLog
from workbench.batch.log_writer import BatchLogWriter
from workbench.store import batch_log, open_store

ROW_GROUP = 50_000


def write_wine(sample: Path, rows: int, path: Path) -> None:
    base = pd.read_csv(sample)
    low, high = base["alcohol"].min(), base["alcohol"].max()
    rng = np.random.default_rng(0)
    block = pd.concat([base] * (ROW_GROUP // len(base) + 1), ignore_index=True).iloc[:ROW_GROUP]
    with pq.ParquetWriter(path, pa.Table.from_pandas(block, preserve_index=False).schema) as writer:
        for start in range(0, rows, ROW_GROUP):
            part = block.iloc[: min(ROW_GROUP, rows - start)].copy()
            part["alcohol"] = (part["alcohol"] + rng.uniform(-0.05, 0.05, len(part))).clip(low, high).round(3)
            writer.write_table(pa.Table.from_pandas(part, preserve_index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--partition-rows", type=int, default=50_000)
    parser.add_argument("--task-threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    running = start_local_mds()
    ref = next(r for r in load_catalog(running.catalog_path) if r.name == "wine")
    schema = MDSClient().schema(ref)
    work = Path(tempfile.mkdtemp(prefix="dask-log-bench-"))
    source = work / "wine.parquet"
    write_wine(Path(ref.sample_data), args.rows, source)
    engine = open_store(f"sqlite:///{work / 'wb.db'}")
    print(f"wine Parquet: {args.rows:,} rows, partitions of {args.partition_rows:,}; MLServer V2 at {ref.endpoint}")

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    dask_client = Client(cluster)
    warm_up(dask_client)
    options = {"client": dask_client, "workers": args.task_threads, "partition_rows": args.partition_rows}
    times: dict[str, list[float]] = {"a": [], "b": []}
    try:
        score_with_dask(str(source), ref, schema, work / "warm.csv", **options)  # connections, worker imports
        for i in range(args.repeats):
            started = time.perf_counter()
            plain = score_with_dask(str(source), ref, schema, work / f"a{i}.csv", **options)
            times["a"].append(time.perf_counter() - started)
            log = DaskRowLog(engine, work / "home", ref, schema, run_id=f"b{i}", user="bench", source="cli")
            started = time.perf_counter()
            logged = score_with_dask(str(source), ref, schema, work / f"b{i}.csv", row_log=log, **options)
            times["b"].append(time.perf_counter() - started)
            assert plain.rows_scored == logged.rows_scored == args.rows and log.close() is None
            assert len(batch_log.run_frame(engine, f"b{i}")) == args.rows
        started = time.perf_counter()
        reader = BatchLogWriter(engine, work / "home", ref, schema, run_id="c", user="bench", source="cli")
        reader.catch_up(work / "a0.csv", args.rows)
        assert reader.close() is None
        read_back_s = time.perf_counter() - started
    finally:
        dask_client.close()
        cluster.close()
    a, b = min(times["a"]), min(times["b"])
    print(f"(a) no log:                      {shown(args.rows, a, '10,.0f')} rows/s  ({a:6.2f} s; runs "
          f"{', '.join(f'{t:.2f}' for t in times['a'])})")
    print(f"(b) workers write, client indexes: {shown(args.rows, b, '8,.0f')} rows/s  ({b:6.2f} s; runs "
          f"{', '.join(f'{t:.2f}' for t in times['b'])})")
    print(f"(c) (a) then the client logs the output: {a + read_back_s:6.2f} s (reading back and logging {read_back_s:.2f} s)")
    print(f"time (b) / (a): {shown(b, a, '.2f', 'x')} (goal <= 1.15x); (c) / (a): {shown(a + read_back_s, a, '.2f', 'x')}")


if __name__ == "__main__":
    main()
