"""Embedded MDS start-up: seconds from `up` to every server ready, first start (trains the demo
models) and second start (models already trained), alibi server on and off.

``--triton``: what NVIDIA Triton (the demo Triton model) costs instead: `up` without and with Triton, one after the
other on one trained home, ``--rounds`` times; prints the median ready time of each, their ratio, and the resident
memory of every server's process group (Triton's with its Python-backend stub) measured once all are ready.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded_mds import local_mds, processes
from embedded_mds.ports import LocalPorts


def timed_up(home: Path, alibi: bool, *, triton: bool = True, rss: dict[str, float] | None = None) -> tuple[float, dict]:
    t0 = time.perf_counter()
    mds = local_mds.up(home, LocalPorts.free(), alibi=alibi, mlflow=False, triton=triton)
    elapsed = time.perf_counter() - t0
    if rss is not None:
        rss.update({s["name"]: group_rss_mb(s["pgid"]) for s in mds.servers})
    local_mds.down(home)
    return elapsed, mds.failures


def group_rss_mb(pgid: int) -> float:
    """Resident memory of a process group's members, in MB (from /proc)."""
    total_kb = 0
    for pid in processes.group_members(pgid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kb += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
    return total_kb / 1024


def compare_triton(rounds: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="mds-up-triton-"))
    timed_up(home, alibi=False, triton=False)  # trains the demo models once
    without, with_triton, rss = [], [], {}
    for _ in range(rounds):
        without.append(timed_up(home, alibi=False, triton=False)[0])
        seconds, failures = timed_up(home, alibi=False, triton=True, rss=rss)
        if failures:
            print(f"not started: {failures}")
            return
        with_triton.append(seconds)
    a, b = statistics.median(without), statistics.median(with_triton)
    print(f"mds local up (without alibi and MLflow), median of {rounds}: "
          f"without Triton {a:.2f} s, with Triton {b:.2f} s: +{b - a:.2f} s, ratio {b / a:.2f}x")
    print("resident memory once ready (MB): " + ", ".join(f"{name} {mb:.0f}" for name, mb in rss.items()))
    print(f"Triton (tritonserver + the demo model's Python-backend stub): {rss.get('triton', 0.0):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triton", action="store_true", help="compare up without and with Triton")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.triton:
        compare_triton(args.rounds)
        return
    for alibi in (False, True):
        home = Path(tempfile.mkdtemp(prefix="mds-up-"))
        cold, failures = timed_up(home, alibi)
        warm, _ = timed_up(home, alibi)
        label = "with alibi server" if alibi else "core only"
        print(f"mds local up ({label}): first start {cold:.1f} s (includes training), "
              f"next start {warm:.1f} s" + (f"; not started: {failures}" if failures else ""))


if __name__ == "__main__":
    main()
