"""Peak memory of the batch engine: 100,000 vs 1,000,000 rows (goal: within 1.5x of each other).

Each size runs in its own subprocess (our engine, MLServer V2 wine model, defaults: chunks of
10,000 rows, minibatches of 2,000, 4 threads, every row in the batch log as ``mds predict`` logs
it) and reports its ``ru_maxrss``; the parent prints both
and the ratio. The input CSVs are written chunk by chunk, so the parent stays small too.

    .venvs/app/bin/python bench/batch_memory.py [--small 100000] [--large 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _servers import start_local_mds


def write_wine(sample: Path, rows: int, path: Path) -> None:
    base = pd.read_csv(sample)
    low, high = base["alcohol"].min(), base["alcohol"].max()
    rng = np.random.default_rng(0)
    block = pd.concat([base] * (10_000 // len(base) + 1), ignore_index=True).iloc[:10_000]
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, rows, len(block)):
            part = block.iloc[: min(len(block), rows - start)].copy()
            part["alcohol"] = (part["alcohol"] + rng.uniform(-0.05, 0.05, len(part))).clip(low, high).round(3)
            handle.write(part.to_csv(index=False, header=start == 0))


def child(catalog: str, source: str, output: str) -> None:
    from mds_client import MDSClient, load_catalog
    from mds_client.batch.scorer import BatchScorer

    ref = next(r for r in load_catalog(catalog) if r.name == "wine")
    client = MDSClient()
    from workbench.batch.log_writer import BatchLogWriter
    from workbench.store import open_store

    schema = client.schema(ref)
    work = Path(output).parent
    engine = open_store(f"sqlite:///{work / (Path(output).stem + '.db')}")
    started = time.perf_counter()
    log = BatchLogWriter(engine, work / "home", ref, schema, run_id=Path(output).stem, user="bench")
    result = BatchScorer(client, ref, schema).run(source, output, on_rows=log.on_rows)
    assert log.close() is None
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"rows": result.rows_total, "scored": result.rows_scored, "seconds": round(elapsed, 1),
                      "peak_mb": round(peak_mb, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    running = start_local_mds()
    work = Path(tempfile.mkdtemp(prefix="batch-mem-"))
    sample = Path(running.home) / "samples" / "wine.csv"
    figures = {}
    for rows in (args.small, args.large):
        source = work / f"wine-{rows}.csv"
        write_wine(sample, rows, source)
        out = subprocess.run([sys.executable, __file__, "--child", str(running.catalog_path), str(source),
                              str(work / f"out-{rows}.csv")], check=True, capture_output=True, text=True)
        figures[rows] = json.loads(out.stdout.strip().splitlines()[-1])
        f = figures[rows]
        print(f"{rows:>9,} rows: peak RSS {f['peak_mb']:7.1f} MB, {f['seconds']:6.1f} s "
              f"({f['rows'] / f['seconds']:,.0f} rows/s), {f['scored']:,} scored")
        source.unlink()
    ratio = figures[args.large]["peak_mb"] / figures[args.small]["peak_mb"]
    print(f"peak RSS {args.large:,} / {args.small:,} rows: {ratio:.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
