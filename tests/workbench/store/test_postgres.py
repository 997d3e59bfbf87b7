"""The store on a real PostgreSQL server (tests/postgres_fixture.py), not only on SQLite.

Migrations, the prediction log's JSON columns, the feedback outbox with two deliverers racing
for the same items, and batch job rows, each on a fresh database.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select, text

from workbench.feedback.capture import get_feedback, record_feedback
from workbench.feedback.outbox import deliver_pending
from workbench.feedback.sinks import SeldonFeedbackSink
from workbench.paths import REPO_ROOT
from workbench.store import Base, Feedback, batch_jobs, log_prediction, open_store, recent_predictions, session_scope
from workbench.store.engine import _upgrade, current_revision, head_revision
from workbench.store.outbox import Delivery


@pytest.fixture()
def engine(postgres_db):
    """Overrides the SQLite store of tests/workbench/conftest.py: these tests run on Postgres."""
    engine = open_store(postgres_db)
    yield engine
    engine.dispose()


def test_the_engine_is_postgres(engine):
    assert engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        assert "PostgreSQL" in connection.execute(text("SELECT version()")).scalar()


def test_migrations_apply_and_reapply(postgres_db):
    engine = open_store(postgres_db)
    assert current_revision(engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    _upgrade(engine, "head")  # Alembic itself, past the shortcut in migrate(): a no-op at head
    again = open_store(postgres_db)
    assert current_revision(again) == head_revision()
    with again.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
    again.dispose()


def test_processes_migrating_at_once_all_reach_head(postgres_db):
    """The app and ``mds`` starting together on an empty database: the second waits, no duplicate DDL."""
    code = "import sys; from workbench.store import open_store; open_store(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, postgres_db], stderr=subprocess.PIPE, text=True,
                              cwd=REPO_ROOT) for _ in range(3)]
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], "\n".join(e[-800:] for e in errors)
    engine = open_store(postgres_db)
    assert current_revision(engine) == head_revision()
    engine.dispose()


INPUTS = {"alcohol": 13.2, "colour": "rouge", "flags": [True, False, None], "nested": {"é": "ü", "n": 3}}
OUTPUTS = {"task": "classification", "label": "class_1", "probabilities": {"class_0": 0.1, "class_1": 0.9}}


def test_predictions_log_and_read_back_with_json(engine):
    pid = log_prediction(engine, user="ana", model="wine", version="1", protocol="v2", inputs=INPUTS,
                         outputs=OUTPUTS, request={"inputs": [{"name": "x", "data": [1.5]}]},
                         response={"outputs": []}, request_id="r-1", latency_ms=4.5)
    failed = log_prediction(engine, user="ana", model="wine", error="connection refused")
    log_prediction(engine, user="bo", model="tips", inputs=[1, "two", 3.0], outputs=None)

    rows = recent_predictions(engine, "ana")
    assert [r.id for r in rows] == [failed, pid]
    row = rows[1]
    assert row.inputs == INPUTS and row.outputs == OUTPUTS
    assert row.request == {"inputs": [{"name": "x", "data": [1.5]}]}
    assert row.status == "ok" and row.latency_ms == 4.5 and row.request_id == "r-1"
    assert row.created.tzinfo is not None and abs(datetime.now(UTC) - row.created).total_seconds() < 60
    assert rows[0].status == "error" and rows[0].error == "connection refused"
    assert recent_predictions(engine, "bo")[0].inputs == [1, "two", 3.0]
    assert [r.model for r in recent_predictions(engine, None, model="tips")] == ["tips"]


class RecordingSink:
    """Counts sends per item; slow enough that two deliverers overlap."""

    name = "recording"
    forwards = True

    def __init__(self, delay: float = 0.01) -> None:
        self.sent: list[int] = []
        self.delay = delay
        self._lock = threading.Lock()

    def accepts(self, delivery: Delivery) -> bool:
        return delivery.protocol == "seldon"

    def send(self, delivery: Delivery) -> None:
        time.sleep(self.delay)
        with self._lock:
            self.sent.append(delivery.feedback_id)


def _predictions(engine, n: int) -> list[int]:
    return [log_prediction(engine, user="ana", model="wine-v1", protocol="seldon", request_id=f"p-{i}",
                           inputs={"alcohol": 13.0 + i}, outputs={"task": "classification", "label": "class_0",
                                                                  "probabilities": {"class_0": 0.8, "class_1": 0.2}},
                           request={"data": {"ndarray": [[i]]}}, response={"data": {"ndarray": [[0.8, 0.2]]}})
            for i in range(n)]


def test_feedback_is_stored_before_it_is_forwarded(engine):
    pid = _predictions(engine, 1)[0]
    item = record_feedback(engine, pid, "ana", "wrong", truth="class_1", comment="not this one", tags=["x"])
    stored = get_feedback(engine, item.id)
    assert stored.forwarded == "pending" and stored.truth == "class_1" and stored.tags == ("x",)
    report = deliver_pending(engine, [RecordingSink(delay=0)])
    assert report.delivered == 1
    assert get_feedback(engine, item.id).forwarded == "delivered"


def test_two_concurrent_deliverers_never_send_the_same_item_twice(postgres_db):
    """The app's thread and ``mds feedback --retry-pending`` (own engines, own pools) at once."""
    setup = open_store(postgres_db)
    pids = _predictions(setup, 40)
    for pid in pids:
        record_feedback(setup, pid, "ana", "correct")
    sink = RecordingSink()
    engines = [open_store(postgres_db) for _ in range(2)]
    barrier = threading.Barrier(len(engines))
    reports: list = []
    errors: list[BaseException] = []

    def run(engine) -> None:
        try:
            barrier.wait(10)
            reports.append(deliver_pending(engine, [sink], respect_backoff=False))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sorted(sink.sent) == sorted(set(sink.sent)), "an item was sent twice"
    assert len(sink.sent) == 40 and sum(r.delivered for r in reports) == 40
    assert all(r.delivered for r in reports), "expected both deliverers to take part"
    with session_scope(setup) as session:
        states = dict(session.execute(select(Feedback.forwarded, func.count()).group_by(Feedback.forwarded)).all())
        assert states == {"delivered": 40}
        assert set(session.scalars(select(Feedback.attempts))) == {1}
    for engine in (setup, *engines):
        engine.dispose()


def test_feedback_reaches_the_real_seldon_server(engine, refs, client):
    ref = refs["wine-v1"]
    schema = client.schema(ref)
    frame = pd.DataFrame([{c: 1.0 for c in schema.table_columns()}])
    prediction = client.predict(ref, frame, schema, validate=False)
    pid = log_prediction(engine, user="ana", model="wine-v1", protocol="seldon", request_id=prediction.request_id,
                         inputs=frame.iloc[0].to_dict(),
                         outputs={"task": "classification", "label": prediction.labels[0]},
                         request=prediction.request_json(), response=prediction.response_json())
    item = record_feedback(engine, pid, "ana", "correct", classes=list(schema.class_names))
    report = deliver_pending(engine, [SeldonFeedbackSink(client, [ref])])
    assert report.delivered == 1, report.errors
    assert get_feedback(engine, item.id).forwarded == "delivered"


def test_batch_jobs_write_and_read(engine):
    job = batch_jobs.create_job(engine, job_id="job1", user="ana", model="wine", input_name="wine.csv",
                                output_path="/tmp/out.csv", rows_total=4, options={"chunk": 2})
    assert job.state == "queued" and job.options == {"chunk": 2}
    batch_jobs.update_job(engine, "job1", state="running", options={"workers": 4})
    rows = [{"model": "wine", "user": "ana", "request_id": f"b-{i}", "inputs": {"alcohol": 13.0 + i, "name": "é"},
             "outputs": {"prediction": "class_0", "p(class_0)": 0.7}, "latency_ms": 1.0, "batch_job_id": "job1"}
            for i in range(2)]
    batch_jobs.record_chunk(engine, "job1", index=0, start_row=0, end_row=2, rows_scored=2, rows_rejected=0,
                            latency_ms=3.0, predictions=rows)
    batch_jobs.record_chunk(engine, "job1", index=0, start_row=0, end_row=2, rows_scored=2, rows_rejected=0,
                            latency_ms=3.0, predictions=rows)  # a retried call: no-op
    batch_jobs.record_chunk(engine, "job1", index=1, start_row=2, end_row=4, rows_scored=1, rows_rejected=1,
                            latency_ms=None, predictions=rows[:1])
    assert batch_jobs.chunks_written(engine, "job1") == 2
    got = batch_jobs.get_job(engine, "job1")
    assert (got.state, got.rows_done, got.rows_scored, got.rows_rejected) == ("running", 4, 3, 1)
    assert got.options == {"chunk": 2, "workers": 4}
    logged = recent_predictions(engine, "ana", model="wine")
    assert len(logged) == 3 and all(p.source == "batch" and p.status == "ok" for p in logged)
    assert logged[0].inputs["name"] == "é" and logged[0].outputs["p(class_0)"] == 0.7
    assert logged[0].created.tzinfo is not None

    batch_jobs.create_job(engine, job_id="job2", user="bo", model="tips", input_name="t.csv", output_path="")
    assert [j.id for j in batch_jobs.list_jobs(engine, None)] == ["job2", "job1"]
    assert [j.id for j in batch_jobs.list_jobs(engine, "ana")] == ["job1"]
    assert batch_jobs.fail_orphans(engine, {"job1"}, "restarted") == 1
    assert batch_jobs.get_job(engine, "job2").state == "failed"
