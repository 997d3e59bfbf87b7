"""The segment finder over 1,000,000 logged calls of a 20-feature model (goal: <= 2 s), against pandas groupby.

Times `segments.failing_segments` (every feature's bins and categories, every pair: 20 singles and 190 pairs,
Wilson intervals, ranking) and `segments.drifting_segments` (the same slices against 100,000 reference rows),
each alone, then both as `mds segments` and Monitor run them: the calls coded by slice once (`slice_table`),
for the accuracy and the drift passes alike (the goal's figure). And, in the same run, the obvious way to count the same slices: one pandas ``groupby`` per feature and per pair
of binned columns (counts and sums only, no interval), and prints the ratio. Synthetic data with a planted weak
slice; the finder must find it first.

    .venvs/app/bin/python bench/segments.py [--rows 1000000] [--features 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._figures import shown  # noqa: E402
from workbench.monitor.segments import drifting_segments, failing_segments, slice_table  # noqa: E402


def table(n: int, features: int, rng: np.random.Generator) -> pd.DataFrame:
    """Half numbers, a quarter categories of 8 names, the rest booleans and small integers."""
    columns: dict[str, object] = {}
    for j in range(features):
        kind = j % 4
        if kind in (0, 1):
            columns[f"num_{j}"] = rng.normal(50, 10, n)
        elif kind == 2:
            columns[f"cat_{j}"] = rng.choice([f"level {k}" for k in range(8)], n)
        else:
            columns[f"flag_{j}"] = rng.random(n) < 0.4 if j % 8 == 3 else rng.integers(0, 4, n)
    return pd.DataFrame(columns)


def groupby_way(rows: pd.DataFrame, right: np.ndarray) -> int:
    """Counts and right answers per single and pair slice with pandas: quintiles by qcut, one groupby each."""
    binned = pd.DataFrame({c: pd.qcut(rows[c], 5, labels=False, duplicates="drop") if rows[c].dtype == float
                           else rows[c] for c in rows.columns}).assign(right=right)
    cells = 0
    for c in rows.columns:
        cells += len(binned.groupby(c)["right"].agg(["size", "sum"]))
    for a, b in combinations(rows.columns, 2):
        cells += len(binned.groupby([a, b])["right"].agg(["size", "sum"]))
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = table(args.rows, args.features, rng)
    reference = table(100_000, args.features, np.random.default_rng(1))
    weak = (rows["cat_2"] == "level 3").to_numpy()
    right = (rng.random(args.rows) < np.where(weak, 0.6, 0.9)).astype(float)

    def timed(run):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        out = run()
        return out, time.perf_counter() - wall, time.process_time() - cpu

    scan, accuracy_s, accuracy_cpu = timed(lambda: failing_segments(rows, right))
    moved, drift_s, drift_cpu = timed(lambda: drifting_segments(rows, reference))
    names = list(rows.columns)

    def together():  # type: ignore[no-untyped-def]
        sliced = slice_table(rows, names, reference)
        return (failing_segments(rows, right, reference=reference, sliced=sliced),
                drifting_segments(rows, reference, sliced=sliced))

    (shared, _), both_s, both_cpu = timed(together)
    cells, groupby_s, groupby_cpu = timed(lambda: groupby_way(rows, right))

    print(f"{args.rows:,} calls x {args.features} features: {scan.checked:,} slices of at least 30 rows")
    print(f"  accuracy by slice (Wilson, ranked): {accuracy_s:.2f} s wall, {accuracy_cpu:.2f} s CPU; first: "
          f"{scan.findings[0].label} ({scan.findings[0].rows:,} rows, {scan.findings[0].value:.0%})")
    print(f"  drift by slice vs 100,000 reference rows: {drift_s:.2f} s wall, {drift_cpu:.2f} s CPU "
          f"({len(moved.findings)} listed: none planted)")
    print(f"  pandas groupby per slice (counts and sums only, {cells:,} cells): {groupby_s:.2f} s wall, "
          f"{groupby_cpu:.2f} s CPU")
    print(f"  accuracy and drift sharing one slicing of the calls (as mds segments and Monitor): {both_s:.2f} s wall, "
          f"{both_cpu:.2f} s CPU (goal <= 2 s); first: {shared.findings[0].label}")
    print(f"  finder (accuracy) is {shown(groupby_cpu, accuracy_cpu, '.1f', 'x')} faster than groupby in CPU time; "
          f"accuracy + drift each alone {accuracy_s + drift_s:.2f} s wall, {accuracy_cpu + drift_cpu:.2f} s CPU "
          f"(the load average was {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
