"""Several sink processes on one port: ``python -m logsink --workers N``.

One sink process is CPU-bound (the GIL: uvicorn, the CloudEvents SDK and the store's statements
share one core, bench/sink_throughput.py). Measured on SQLite (2 cores, December 2026) two workers
were *slower* than one (790-850 logged calls/s against 930-1,017): they queue on SQLite's write lock,
whose busy handler sleeps 1, 2, 5... ms, so groups shrink and CPU per event grows (610-750 us). The
default stays one process; more are for a store that takes concurrent writers (Postgres). The supervisor here binds the listening socket once and
starts N ordinary sink processes that accept on it (inherited file descriptor; the kernel hands
each new connection to whichever is free). It serves nothing itself: it waits, and stops them all
when it is stopped or when one of them dies.

Why this is safe with several writers:
- a request and its response may reach different processes: both upsert the same row (key: model,
  request id, row), each in its own transaction, so they join in either order, as between two
  replicas (tests/workbench/test_replicas.py);
- an event delivered twice, to two processes, is stored once (the same upsert);
- the rollup beside the log stays exact because writers are serialised: SQLite's ``BEGIN
  IMMEDIATE`` before the rollup's first read, a transaction-level advisory lock on Postgres
  (``workbench.store.request_log``);
- ``/metrics`` may be scraped from any process: prometheus_client's multiprocess mode
  (``PROMETHEUS_MULTIPROC_DIR``, a fresh folder per supervisor) sums every process's counters.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.settings import get_settings
from workbench.store import open_store

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_STOP_SECONDS = 10.0


def listening_socket(host: str, port: int) -> socket.socket:
    """The sink's listening socket, inheritable, for the workers to accept on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def supervise(host: str, port: int, workers: int, *, catalog: Path | None, database_url: str | None) -> int:
    """Run ``workers`` sink processes on ``host:port`` until stopped (SIGTERM / SIGINT); their worst exit code."""
    if workers < 1:
        raise ValueError("the sink needs at least one worker")

    # Migrate once here, so that N processes do not race to create the schema.
    open_store(database_url or get_settings().database_url).dispose()
    sock = listening_socket(host, port)
    metrics_dir = tempfile.mkdtemp(prefix="mds-sink-metrics-")
    env = {**os.environ, MULTIPROC_ENV: metrics_dir}
    argv = [sys.executable, "-m", "logsink", "--fd", str(sock.fileno())]
    if catalog is not None:
        argv += ["--catalog", str(catalog)]
    if database_url is not None:
        argv += ["--database-url", database_url]
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        children = [subprocess.Popen(argv, env=env, pass_fds=[sock.fileno()]) for _ in range(workers)]
        sock.close()  # the workers hold it; the supervisor accepts nothing
        print(f"request-log sink: {workers} workers on http://{host}:{port}/ (pids "
              f"{', '.join(str(c.pid) for c in children)})", file=sys.stderr, flush=True)
        while not stopping and all(c.poll() is None for c in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + _STOP_SECONDS
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    codes = [c.returncode for c in children]
    return 0 if stopping and all(code in (0, -signal.SIGTERM) for code in codes) else max(abs(c) for c in codes)
