"""Embedded MDS start-up: seconds from `up` to every server ready, first start (trains the demo
models) and second start (models already trained), alibi server on and off."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded_mds import local_mds
from embedded_mds.ports import LocalPorts


def timed_up(home: Path, alibi: bool) -> tuple[float, dict]:
    t0 = time.perf_counter()
    mds = local_mds.up(home, LocalPorts.free(), alibi=alibi, mlflow=False)
    elapsed = time.perf_counter() - t0
    local_mds.down(home)
    return elapsed, mds.failures


def main() -> None:
    for alibi in (False, True):
        home = Path(tempfile.mkdtemp(prefix="mds-up-"))
        cold, failures = timed_up(home, alibi)
        warm, _ = timed_up(home, alibi)
        label = "with alibi server" if alibi else "core only"
        print(f"mds local up ({label}): first start {cold:.1f} s (includes training), "
              f"next start {warm:.1f} s" + (f"; not started: {failures}" if failures else ""))


if __name__ == "__main__":
    main()
