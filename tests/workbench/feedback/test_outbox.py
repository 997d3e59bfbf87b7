"""Feedback forwarding against a real seldon-core v1 microservice, counted by its own metrics.

``seldon_api_model_feedback`` (on the server's metrics port) counts the feedback calls the
microservice handled, but only those with a non-zero reward (seldon_core.metrics.update_reward
returns early on ``not reward``), so "wrong" (reward 0) is checked through the model's own
``feedback_count`` in ``/health/status``. The counter lives in the server process, so across a
restart the deltas of the two lifetimes are added.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import requests
from sqlalchemy import func, select

from embedded_mds import processes
from embedded_mds.layout import HomeLayout, seldon_python
from embedded_mds.ports import LocalPorts
from embedded_mds.server_specs import SELDON_SKLEARN_CLASS
from mds_client import ModelRef
from workbench.feedback.capture import get_feedback, record_feedback
from workbench.feedback.outbox import (
    deliver_pending,
    start_background_delivery,
    stop_background_delivery,
)
from workbench.feedback.sinks import SeldonFeedbackSink, WorkbenchOnlySink
from workbench.paths import REPO_ROOT
from workbench.store import Feedback, PredictionRow, log_prediction, session_scope
from workbench.store.outbox import Delivery

COUNTER = re.compile(r"^seldon_api_model_feedback(?:_total)?(?:\{[^}]*\})?\s+([0-9.eE+-]+)$", re.M)
REWARD = re.compile(r"^seldon_api_model_feedback_reward(?:_total)?(?:\{[^}]*\})?\s+([0-9.eE+-]+)$", re.M)


def read_metric(metrics_url: str, pattern: re.Pattern = COUNTER) -> float:
    text = requests.get(metrics_url, timeout=5).text
    return sum(float(v) for v in pattern.findall(text))


def feedback_count(url: str) -> int:
    """Feedback calls the user model saw (one gunicorn worker), rewards 0 included."""
    doc = requests.get(url + "/health/status", timeout=5).json()
    return int((doc.get("jsonData") or doc).get("feedback_count", 0))


def metrics_url_of(local_mds, name: str = "wine-v1") -> str:
    server = next(s for s in local_mds.servers if s["name"] == name)
    return f"http://127.0.0.1:{server['ports']['metrics']}/metrics"


@pytest.fixture(scope="module")
def wine_sample(refs, client):
    """A real prediction of wine-v1: what is stored and sent back as request/response."""
    ref = refs["wine-v1"]
    schema = client.schema(ref)
    columns = schema.table_columns()
    frame = pd.DataFrame([{c: 1.0 for c in columns}])
    reference = ref.sample_data or ref.reference_data
    if reference is not None and Path(reference).exists():
        frame = pd.read_csv(reference)[columns].head(1) if str(reference).endswith(".csv") else frame
    prediction = client.predict(ref, frame, schema, validate=False)
    return {"request": prediction.request_json(), "response": prediction.response_json(),
            "label": prediction.labels[0], "request_id": prediction.request_id,
            "classes": list(schema.class_names), "inputs": frame.iloc[0].to_dict()}


def log_many(engine, sample, n: int) -> list[int]:
    """``n`` wine-v1 predictions in one insert."""
    rows = [PredictionRow(request_id=f"{sample['request_id']}-{i}", model="wine-v1", version="1", protocol="seldon",
                          user="ana", inputs=sample["inputs"],
                          outputs={"task": "classification", "label": sample["label"], "probabilities": None},
                          request=sample["request"], response=sample["response"], status="ok", source="app")
            for i in range(n)]
    with session_scope(engine) as s:
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def record_many(engine, pids: list[int], sample, *, all_correct: bool = False) -> None:
    """Every third one wrong (with another class as truth) unless ``all_correct``."""
    with session_scope(engine) as s:
        for i, pid in enumerate(pids):
            right = all_correct or bool(i % 3)
            record_feedback(s, pid, "ana", "correct" if right else "wrong",
                            truth=None if right else next(c for c in sample["classes"] if c != sample["label"]),
                            classes=sample["classes"])


def states(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return dict(s.execute(select(Feedback.forwarded, func.count()).group_by(Feedback.forwarded)).all())


def test_forwarded_feedback_reaches_seldon_exactly_once(local_mds, refs, client, engine, wine_sample):
    metrics = metrics_url_of(local_mds)
    pids = log_many(engine, wine_sample, 6)
    record_many(engine, pids, wine_sample)
    v2 = log_prediction(engine, user="ana", model="wine", protocol="v2", outputs={"task": "classification", "label": "x"})
    record_feedback(engine, v2, "ana", "correct")
    sinks = [SeldonFeedbackSink(client, [refs["wine-v1"]]), WorkbenchOnlySink()]
    url = refs["wine-v1"].endpoint
    before, reward_before, seen_before = read_metric(metrics), read_metric(metrics, REWARD), feedback_count(url)

    report = deliver_pending(engine, sinks)
    assert report.delivered == 6 and report.pending == 0 and report.failed == 0
    assert read_metric(metrics) - before == 4  # the 4 correct ones (reward 1); seldon skips reward 0
    assert read_metric(metrics, REWARD) - reward_before == 4
    assert feedback_count(url) - seen_before == 6  # all six reached the model
    assert states(engine) == {"delivered": 6, "not_applicable": 1}

    again = deliver_pending(engine, sinks, respect_backoff=False)
    assert again.delivered == 0
    assert read_metric(metrics) - before == 4 and feedback_count(url) - seen_before == 6  # never twice


def test_a_refused_item_is_failed_not_retried(local_mds, refs, client, engine, wine_sample):
    pid = log_many(engine, {**wine_sample, "request": {"nonsense": True}}, 1)[0]
    item = record_feedback(engine, pid, "ana", "correct", classes=wine_sample["classes"])
    report = deliver_pending(engine, [SeldonFeedbackSink(client, [refs["wine-v1"]])], base_delay=0.01)
    got = get_feedback(engine, item.id)
    if report.failed:  # seldon refused the payload (4xx): kept, marked, with the server's reason
        assert got.forwarded == "failed" and got.last_error
    else:  # seldon ignores what it does not read: then it was delivered, once
        assert got.forwarded == "delivered" and got.attempts == 1


class SeldonServer:
    """Our own wine-v1 microservice (same model folder as the session's) on free ports."""

    def __init__(self, home: Path, model_dir: Path) -> None:
        ports = LocalPorts.free()
        self.http, self.metrics_port = ports.seldon(0)
        self.home, self.model_dir = home, model_dir
        self.url = f"http://127.0.0.1:{self.http}"
        self.metrics = f"http://127.0.0.1:{self.metrics_port}/metrics"
        self.process = None
        self.lifetimes = 0

    def start(self) -> None:
        import os

        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
        argv = [str(seldon_python()), "-m", "embedded_mds.served.seldon_launcher", "--name", "wine-v1",
                "--model-dir", str(self.model_dir), "--class", SELDON_SKLEARN_CLASS, "--host", "127.0.0.1",
                "--http-port", str(self.http), "--metrics-port", str(self.metrics_port)]
        deadline = time.monotonic() + 30
        while not (processes.port_is_free("127.0.0.1", self.http) and processes.port_is_free("127.0.0.1", self.metrics_port)):
            assert time.monotonic() < deadline, "ports not released"
            time.sleep(0.2)
        self.lifetimes += 1
        self.process = processes.start_process(argv, log_path=self.home / f"seldon-{self.lifetimes}.log", env=env,
                                               cwd=self.home)
        while not (processes.http_ok(self.url + "/health/ping") and processes.http_ok(self.metrics)):
            assert self.process.poll() is None, (self.home / f"seldon-{self.lifetimes}.log").read_text()[-2000:]
            assert time.monotonic() < deadline + 60, "seldon not ready"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            processes.stop_group(self.process.pid)
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture()
def own_seldon(local_mds, tmp_path):
    server = SeldonServer(tmp_path, HomeLayout(Path(local_mds.home)).seldon_dir("wine-v1"))
    server.start()
    yield server
    server.stop()


def test_thousand_items_with_the_server_restarted_midway(own_seldon, refs, client, engine, wine_sample):
    n, stop_after = 1000, 400
    ref: ModelRef = replace(refs["wine-v1"], endpoint=own_seldon.url)
    pids = log_many(engine, wine_sample, n)
    record_many(engine, pids, wine_sample, all_correct=True)  # reward 1 each, so the counter sees every one
    assert states(engine) == {"pending": n}  # all stored before any delivery
    first_life: list[float] = []

    class StopsTheServer(SeldonFeedbackSink):
        sent = 0

        def send(self, delivery: Delivery) -> None:
            super().send(delivery)
            StopsTheServer.sent += 1
            if StopsTheServer.sent == stop_after:
                first_life.append(read_metric(own_seldon.metrics))
                assert feedback_count(own_seldon.url) == stop_after
                own_seldon.stop()

    started = time.perf_counter()
    report = deliver_pending(engine, [StopsTheServer(client, [ref])], base_delay=0.05, max_delay=0.2)
    assert report.delivered == stop_after and report.pending == n - stop_after
    assert first_life == [stop_after]
    waiting = states(engine)
    assert waiting == {"delivered": stop_after, "pending": n - stop_after}
    with session_scope(engine) as s:
        tried = s.scalars(select(Feedback).where(Feedback.forwarded == "pending", Feedback.attempts > 0)).all()
    assert len(tried) == 1 and "127.0.0.1" in (tried[0].last_error or "")  # the one that found it down

    # Still down: a second run sends nothing and loses nothing.
    assert deliver_pending(engine, [SeldonFeedbackSink(client, [ref])], respect_backoff=False,
                           base_delay=0.01, max_delay=0.02).delivered == 0

    first_run = time.perf_counter() - started
    own_seldon.start()
    resumed = time.perf_counter()
    rest = deliver_pending(engine, [SeldonFeedbackSink(client, [ref])], respect_backoff=False)
    second_run = time.perf_counter() - resumed
    second_life = read_metric(own_seldon.metrics)
    assert feedback_count(own_seldon.url) == n - stop_after
    assert rest.delivered == n - stop_after
    assert first_life[0] + second_life == n  # every item reached the model, none twice
    assert states(engine) == {"delivered": n}
    assert deliver_pending(engine, [SeldonFeedbackSink(client, [ref])], respect_backoff=False).delivered == 0
    assert read_metric(own_seldon.metrics) == second_life
    print(f"\n{n} items: {n} delivered across a restart, counter {first_life[0]:.0f} + {second_life:.0f}; "
          f"first run {first_run:.1f} s (400 sent, then the server found down), after the restart "
          f"{rest.delivered} in {second_run:.1f} s ({rest.delivered / second_run:.0f} items/s)")


def test_background_delivery_is_started_once_and_delivers(local_mds, refs, client, engine, wine_sample):
    metrics = metrics_url_of(local_mds)
    before = read_metric(metrics)
    sinks = [SeldonFeedbackSink(client, [refs["wine-v1"]])]
    worker = start_background_delivery(0.2, engine=engine, sinks=sinks)
    try:
        assert start_background_delivery(0.2, engine=engine, sinks=sinks) is worker
        record_many(engine, log_many(engine, wine_sample, 3), wine_sample, all_correct=True)
        worker.nudge()
        deadline = time.monotonic() + 20
        while states(engine).get("delivered", 0) < 3:
            assert time.monotonic() < deadline, states(engine)
            time.sleep(0.1)
    finally:
        stop_background_delivery()
    assert read_metric(metrics) - before == 3
