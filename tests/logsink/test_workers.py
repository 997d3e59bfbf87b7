"""``python -m logsink --workers 2``: two sink processes on one port, one store, one /metrics.

Each POST goes on a fresh connection, so the kernel hands it to either worker: a call's request and
response land on different processes, and a redelivered event on the other one. Every call must be
one joined row, the rollup must count each call once, and any worker's /metrics the sum of both.
Two single sinks on one SQLite file (request to one, response to the other, always) pin the cross-
process join deterministically.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.logsink.conftest import REPO, free_port, wait_http
from tests.workbench.test_replicas import events
from workbench.store import make_engine
from workbench.store.tables import RequestLogRow, TrafficRollup

CALLS = 120


def _start(tmp: Path, db: str, *extra: str) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp), "WORKBENCH_HOME": str(tmp)}
    process = subprocess.Popen([sys.executable, "-m", "logsink", "--port", str(port), "--database-url", db,
                                *extra], stdout=(tmp / f"sink-{port}.log").open("wb"), stderr=subprocess.STDOUT,
                               env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/health", process)
    return url, process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _post(item: tuple[str, dict[str, str], bytes]) -> int:
    url, headers, body = item
    return httpx.post(url + "/", headers=headers, content=body, timeout=30).status_code  # a new connection each


def _metric(url: str, name: str) -> float:
    text = httpx.get(url + "/metrics", timeout=5).text
    return sum(float(v) for v in re.findall(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))


def _check_store(db: str, sent: list[tuple[dict[str, str], bytes]]) -> None:
    engine = make_engine(db)
    with engine.connect() as connection:
        rows = connection.execute(select(RequestLogRow.request_id, RequestLogRow.status, RequestLogRow.inputs,
                                         RequestLogRow.label).where(RequestLogRow.model == "workers-sdep")).all()
        calls = connection.execute(select(func.sum(TrafficRollup.calls))
                                   .where(TrafficRollup.model == "workers-sdep")).scalar_one()
    engine.dispose()
    assert len(rows) == CALLS, f"{len(rows)} rows for {CALLS} calls"
    assert {r.request_id for r in rows} == {h["Ce-Requestid"] for h, _ in sent[::2]}
    assert all(r.status == "ok" and r.inputs is not None and r.label == "yes" for r in rows), "a call was not joined"
    assert calls == CALLS, f"the rollup counts {calls} calls for {CALLS}"


@pytest.mark.server  # starts sink worker processes
def test_two_workers_join_dedupe_and_count_as_one_sink(tmp_path):
    db = f"sqlite:///{tmp_path / 'sink.db'}"
    url, supervisor = _start(tmp_path, db, "--workers", "2")
    try:
        children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children").read_text().split()
        assert len(children) == 2, children
        rng = random.Random(6)
        sent = events(CALLS, service="workers-sdep", model_id="clf")
        routed = [(url, h, b) for h, b in sent] + [(url, h, b) for h, b in rng.sample(sent, len(sent) // 5)]
        rng.shuffle(routed)
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(_post, routed))
        assert statuses.count(200) == len(routed), {s: statuses.count(s) for s in set(statuses)}
        # Whichever worker answers the scrape, it counts both processes' events.
        for _ in range(6):
            assert _metric(url, "mds_sink_events_received_total") == len(routed)
        metrics_files = list(Path("/tmp").glob(f"mds-sink-metrics-*/counter_{children[0]}.db")) + \
            list(Path("/tmp").glob(f"mds-sink-metrics-*/counter_{children[1]}.db"))
        assert len(metrics_files) == 2, "both workers took events"
    finally:
        _stop(supervisor)
    _check_store(db, sent)
    assert not list(Path("/tmp").glob(f"mds-sink-metrics-*/counter_{children[0]}.db")), "metrics folder removed"


@pytest.mark.server  # starts sink worker processes
def test_request_and_response_at_different_processes_join_on_sqlite(tmp_path):
    db = f"sqlite:///{tmp_path / 'sink.db'}"
    first, a = _start(tmp_path, db)
    second, b = _start(tmp_path, db)
    try:
        sent = events(CALLS, service="workers-sdep", model_id="clf")
        # the request always to one process, the response to the other, and each redelivered to the other
        routed = [((first, second)[(i % 2) ^ ((i // 2) % 2)], h, body) for i, (h, body) in enumerate(sent)]
        routed += [(second if url == first else first, h, body) for url, h, body in routed[::3]]
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(_post, routed))
        assert statuses.count(200) == len(routed)
    finally:
        _stop(a)
        _stop(b)
    _check_store(db, sent)
