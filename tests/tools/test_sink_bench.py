"""The sink benchmark runs end to end on a small load and reports both servers, nothing lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.server  # the bench starts the sink and two bare servers
def test_sink_throughput_bench_runs_and_loses_nothing() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, str(REPO / "bench" / "sink_throughput.py"), "150", "8"], env=env,
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.search(r"sink +:.* 0 non-200, 150 calls stored joined, lost: 0", out.stdout), out.stdout
    assert re.search(r"sink batch :.* 0 non-200, 150 stored joined, lost: 0", out.stdout), out.stdout
    assert re.search(r"bare Starlette:.*calls/s", out.stdout), out.stdout
    assert re.search(r"ratio sink / bare Starlette: \d+\.\d\d", out.stdout), out.stdout
