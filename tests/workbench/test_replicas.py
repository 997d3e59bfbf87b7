"""Several replicas, one truth: two sinks and two app processes writing to one real Postgres at once.

The cluster runs two app replicas and may run two sinks behind one Service (deploy/). Here each is a
real process: two ``mds logs serve`` on two ports, and two app replicas (`replica_worker`) recording
predictions and feedback through the store API the pages use, then draining the same outbox to the
real seldon-core microservice of ``local_mds``. Every process migrates the same fresh database at
start (they race; the advisory lock in ``workbench/store/engine.py`` orders them). Nothing may be
lost or doubled: exactly N calls logged, M predictions and M feedback rows, and Seldon's own
feedback counter moved by exactly M.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from tests.logsink.conftest import free_port
from tests.logsink.test_sink import T0, seldon_headers
from workbench.store import Feedback, PredictionRow, make_engine, session_scope
from workbench.store.tables import RequestLogRow

REPO = Path(__file__).resolve().parents[2]
CALLS = int(os.environ.get("REPLICA_CALLS", "120"))  # N: distinct calls logged through the two sinks
PER_APP = 40  # predictions (each with feedback) recorded by each app replica: M = 2 * PER_APP
SEED = 15


def env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def start_sink(tmp: Path, database_url: str, catalog: Path) -> tuple[str, subprocess.Popen]:
    """``mds logs serve`` on a free port, on the shared database."""
    port = free_port()
    log = tmp / f"sink-{port}.log"
    process = subprocess.Popen([sys.executable, "-m", "workbench.cli", "logs", "serve", "--port", str(port)],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp,
                               env=env(WORKBENCH_DATABASE_URL=database_url, WORKBENCH_CATALOG=str(catalog)))
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sink exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return url, process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"sink not ready: {log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def worker(log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.workbench.replica_worker", *args], cwd=REPO, env=env(),
                            stdout=subprocess.PIPE, stderr=log.open("wb"))


def finish(process: subprocess.Popen, timeout: float = 180) -> dict:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"replica exited {process.returncode}"
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture()
def sinks(tmp_path, postgres_db):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [
        {"name": "replicated", "protocol": "seldon", "url": "http://127.0.0.1:9", "log_name": "replicated-sdep"}]}))
    with ThreadPoolExecutor(2) as pool:  # both start (and migrate) at once
        started = list(pool.map(lambda _: start_sink(tmp_path, postgres_db, catalog), range(2)))
    yield [url for url, _ in started]
    for _, process in started:
        stop(process)


def events(n: int, *, service: str = "replicated-sdep", model_id: str = "classifier") -> list[tuple[dict[str, str], bytes]]:
    """A request and a response event per call, as Seldon v1's executor sends them."""
    out = []
    for i in range(n):
        rid = uuid.uuid4().hex
        for kind, body in (("request", {"data": {"names": ["x"], "ndarray": [[float(i)]]}, "meta": {"puid": rid}}),
                           ("response", {"data": {"names": ["yes", "no"], "ndarray": [[0.7, 0.3]]},
                                         "meta": {"puid": rid}})):
            headers = seldon_headers(kind, rid, service=service, model_id=model_id,
                                     moment=T0 + timedelta(seconds=i))
            out.append((headers, json.dumps(body).encode()))
    return out


def test_two_sinks_on_one_postgres_log_every_call_once(sinks, postgres_db):
    rng = random.Random(SEED)
    sent = events(CALLS)
    # Behind one Service each event lands on either replica (a call's request and response often on
    # different ones), and a logger that retries may deliver an event twice, to the other replica.
    routed = [(rng.choice(sinks), h, b) for h, b in sent]
    routed += [(rng.choice(sinks), h, b) for h, b in rng.sample(sent, len(sent) // 5)]
    rng.shuffle(routed)

    def post(item: tuple[str, dict[str, str], bytes]) -> int:
        url, headers, body = item
        return httpx.post(url + "/", headers=headers, content=body, timeout=30).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(post, routed))
    assert statuses.count(200) == len(routed), {s: statuses.count(s) for s in set(statuses)}

    engine = make_engine(postgres_db)
    with session_scope(engine) as s:
        rows = s.execute(select(RequestLogRow.request_id, RequestLogRow.row_index, RequestLogRow.status,
                                RequestLogRow.inputs, RequestLogRow.label)
                         .where(RequestLogRow.model == "replicated")).all()
    engine.dispose()
    assert len(rows) == CALLS, f"{len(rows)} rows for {CALLS} calls"
    assert {r.request_id for r in rows} == {h["Ce-Requestid"] for h, _ in sent[::2]}  # no call lost, none doubled
    assert all(r.status == "ok" and r.inputs is not None and r.label == "yes" for r in rows), \
        "a request and its response were not joined into one row"
    received = sum(_metric(url, "mds_sink_events_received_total") for url in sinks)
    assert received == len(routed)
    assert sum(_metric(url, "mds_sink_events_received_total") > 0 for url in sinks) == 2  # both took part


def _metric(url: str, name: str) -> float:
    text = httpx.get(url + "/metrics", timeout=5).text
    return sum(float(v) for v in re.findall(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))


SELDON_FEEDBACK = re.compile(r'^seldon_api_model_feedback_total\{[^}]*model_name="echo-v1"[^}]*\} (\S+)$', re.M)


def seldon_feedback_count(local_mds) -> float:
    server = next(s for s in local_mds.servers if s["name"] == "echo-v1")
    text = httpx.get(f"http://127.0.0.1:{server['ports']['metrics']}/metrics", timeout=5).text
    return sum(float(v) for v in SELDON_FEEDBACK.findall(text))


def start_together(tmp: Path, go: Path, argvs: list[list[str]]) -> list[subprocess.Popen]:
    """Start the replicas, wait until each has opened (and migrated) the store, then let them go."""
    logs = [tmp / f"{go.name}-{i}.log" for i in range(len(argvs))]
    processes = [worker(log, *argv) for log, argv in zip(logs, argvs, strict=True)]
    deadline = time.monotonic() + 60
    while not all(log.exists() and "ready" in log.read_text() for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise AssertionError("a replica did not start: " + " | ".join(log.read_text()[-1500:] for log in logs))
        time.sleep(0.05)
    go.touch()
    return processes


def test_two_apps_record_everything_and_two_outboxes_deliver_each_item_once(
        tmp_path, postgres_db, local_mds, catalog_path):
    go = tmp_path / "go-record"
    record = [["record", "--database-url", postgres_db, "--go", str(go), "--model", "echo-v1",
               "--prefix", prefix, "--count", str(PER_APP)] for prefix in ("a", "b")]
    recorded = [finish(p) for p in start_together(tmp_path, go, record)]
    ids = [i for r in recorded for i in r["feedback_ids"]]
    assert len(ids) == len(set(ids)) == 2 * PER_APP

    engine = make_engine(postgres_db)
    with session_scope(engine) as s:
        predictions = s.scalars(select(PredictionRow.request_id).where(PredictionRow.model == "echo-v1")).all()
        feedback = s.scalar(select(func.count()).select_from(Feedback))
    assert sorted(predictions) == sorted(f"{p}-{i}" for p in "ab" for i in range(PER_APP))
    assert feedback == 2 * PER_APP

    before = seldon_feedback_count(local_mds)
    go = tmp_path / "go-deliver"
    deliver = [["deliver", "--database-url", postgres_db, "--go", str(go), "--model", "echo-v1",
                "--catalog", str(catalog_path)] for _ in range(2)]
    reports = [finish(p) for p in start_together(tmp_path, go, deliver)]
    assert sum(r["delivered"] for r in reports) == 2 * PER_APP, reports
    deadline = time.monotonic() + 10  # seldon's metrics server folds each worker's counts in a moment later
    while seldon_feedback_count(local_mds) - before < 2 * PER_APP and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    assert seldon_feedback_count(local_mds) - before == 2 * PER_APP  # each item reached Seldon exactly once
    with session_scope(engine) as s:
        states = dict(s.execute(select(Feedback.forwarded, func.count()).group_by(Feedback.forwarded)).all())
        attempts = set(s.scalars(select(Feedback.attempts)))
    engine.dispose()
    assert states == {"delivered": 2 * PER_APP} and attempts == {1}
