"""Demo traffic: seeded for every tabular model through the real endpoints and a real sink, drift on the last day
for one chosen by schema, tagged demo and removed exactly by ``clear-demo``; seeded once per home; the drift going
on live (drifted calls now, tagged demo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from logsink.demo import (
    DEMO_TAG,
    LIVE_FILE,
    MARKER,
    STOP_FILE,
    clear_demo,
    drift_live,
    live_drift_pid,
    plan_demo,
    seed_demo,
    seed_once_in_background,
    stop_live_drift,
)
from logsink.simulate import simulate
from mds_client import MDSClient, load_catalog, read_reference
from workbench.cli import main as cli_main
from workbench.monitor.drift import detect_drift
from workbench.settings import get_settings
from workbench.store.tables import RequestLogRow as R
from workbench.store.traffic import window_calls

from .conftest import start_sink, stop_sink

ROWS = 60
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_sink(tmp_path_factory, catalog_path):
    running = start_sink(tmp_path_factory.mktemp("demo-sink"), catalog_path)
    yield running
    stop_sink(running)


def _count(engine, **where) -> dict[str, int]:  # type: ignore[no-untyped-def]
    query = select(R.model, func.count()).group_by(R.model)
    for column, value in where.items():
        query = query.where(getattr(R, column) == value)
    with engine.connect() as connection:
        return dict(connection.execute(query).all())


def test_seed_logs_every_demo_model_with_drift_on_the_last_day_and_clear_removes_only_it(demo_sink, catalog_path):
    client = MDSClient()
    plan = plan_demo(load_catalog(catalog_path), client)
    assert len(plan.models) >= 2 and plan.drift is not None
    drifted_model, drift = plan.drift
    by_name = {ref.name: (ref, schema) for ref, schema in plan.models}
    ref, schema = by_name[drifted_model]
    assert schema.task == "classification" and drift.feature in schema.table_columns()

    engine = demo_sink.engine()
    # Traffic that is not demo data, on the same model: clear-demo must leave it.
    simulate(ref, rows=5, rate=100, sink_url=demo_sink.url, client=client, seed=1)
    logged = seed_demo(catalog_path, sink_url=demo_sink.url, rows=ROWS, days=3, client=client)
    assert logged == {name: ROWS for name in by_name}
    assert _count(engine, tag=DEMO_TAG, source="simulate", status="ok") == {name: ROWS for name in by_name}

    now = datetime.now(UTC)
    last_day = [c for c in window_calls(engine, drifted_model, now - timedelta(days=1), now, include_workbench=False)
                if c.inputs]
    assert len(last_day) >= ROWS // 3 - 1
    current = pd.DataFrame([c.inputs for c in last_day])[schema.table_columns()]
    reference = read_reference(ref.reference_data)[schema.table_columns()]
    report = detect_drift(schema, reference, current, model=drifted_model)
    ranked = sorted(report.p_values, key=report.p_values.get)
    assert ranked[0] == drift.feature and drift.feature in report.drifted

    earlier = [c for c in window_calls(engine, drifted_model, now - timedelta(days=3, hours=1), now - timedelta(days=1),
                                       include_workbench=False) if c.inputs]
    calm = detect_drift(schema, reference, pd.DataFrame([c.inputs for c in earlier])[schema.table_columns()],
                        model=drifted_model)
    assert drift.feature not in calm.drifted, "no drift before the last day"

    removed = clear_demo(engine)
    assert removed == ROWS * len(by_name)
    assert _count(engine, tag=DEMO_TAG) == {}
    assert _count(engine) == {drifted_model: 5}
    client.close()


def test_seeding_starts_once_per_home(tmp_path, catalog_path):
    first = seed_once_in_background(tmp_path, tmp_path / "no-catalog.yaml")
    assert first is not None and (tmp_path / MARKER).exists()
    first.wait(120)  # the catalog does not exist: the process says so and exits
    assert seed_once_in_background(tmp_path, catalog_path) is None


def test_the_drifting_model_gets_drifted_calls_now_tagged_demo(demo_sink, catalog_path):
    client = MDSClient()
    plan = plan_demo(load_catalog(catalog_path), client)
    assert plan.drift is not None
    started = datetime.now(UTC)
    name, result = drift_live(catalog_path, sink_url=demo_sink.url, minutes=0.05, rate=10, client=client)
    assert name == plan.drift[0] and result.calls == 30 and result.drifted_rows == 30 and result.failed_calls == 0

    engine = demo_sink.engine()
    calls = [c for c in window_calls(engine, name, started - timedelta(seconds=1), datetime.now(UTC) + timedelta(
        seconds=1), include_workbench=False) if c.inputs]
    assert len(calls) == 30
    with engine.connect() as connection:
        tags = connection.execute(R.__table__.select().with_only_columns(R.tag).where(
            R.model == name, R.event_ts >= started.timestamp())).scalars()
        assert set(tags) == {DEMO_TAG}
    ref = next(r for r, _s in plan.models if r.name == name)
    feature = plan.drift[1].feature
    reference = read_reference(ref.reference_data)[feature]
    now = pd.DataFrame([c.inputs for c in calls])[feature]
    assert now.mean() > reference.mean() + 1.5 * reference.std()  # shifted 2.5 standard deviations
    client.close()


def _demo_rows(engine) -> int:  # type: ignore[no-untyped-def]
    return sum(_count(engine, tag=DEMO_TAG).values())


def test_clear_demo_stops_a_live_drift_already_running_then_removes_the_demo_traffic(
        demo_sink, catalog_path, tmp_path, monkeypatch, capsys):
    engine = demo_sink.engine()
    plan = plan_demo(load_catalog(catalog_path), MDSClient())
    ref = next(r for r, _s in plan.models if r.name == plan.drift[0])
    simulate(ref, rows=5, rate=100, sink_url=demo_sink.url, tag=DEMO_TAG)  # demo traffic is logged: the drift goes on
    env = {**os.environ, "WORKBENCH_DATABASE_URL": demo_sink.database_url, "WORKBENCH_HOME": str(tmp_path),
           "PYTHONPATH": str(REPO)}
    live = subprocess.Popen([sys.executable, "-m", "logsink.demo", "--catalog", str(catalog_path), "--live-only",
                             "--home", str(tmp_path), "--sink", demo_sink.url, "--live-minutes", "10"],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while live_drift_pid(tmp_path) != live.pid and time.monotonic() < deadline:
            time.sleep(0.2)
        before = _demo_rows(engine)
        while _demo_rows(engine) < before + 3 and time.monotonic() < deadline:  # its drifted calls arrive
            time.sleep(0.5)
        assert _demo_rows(engine) >= before + 3

        monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_sink.database_url)
        monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
        get_settings.cache_clear()
        try:
            code = cli_main(["logs", "clear-demo"])
        finally:
            get_settings.cache_clear()
        out = capsys.readouterr().out
        assert code == 0 and "Removed" in out
        assert live.wait(10) == 0  # it stopped when asked, before the rows went
        assert not (tmp_path / LIVE_FILE).exists() and not (tmp_path / STOP_FILE).exists()
        time.sleep(2)
        assert _demo_rows(engine) == 0  # and no drifted call came after the removal
    finally:
        if live.poll() is None:
            live.kill()
            live.wait()


def test_a_live_drift_that_does_not_stop_is_named_and_the_demo_traffic_is_kept(tmp_path):
    stubborn = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / LIVE_FILE).write_text(json.dumps({"pid": stubborn.pid}))
        problem = stop_live_drift(tmp_path, wait=0.5)
        assert problem is not None and f"kill {stubborn.pid}" in problem and "left in place" in problem
    finally:
        stubborn.kill()
        stubborn.wait()
    assert stop_live_drift(tmp_path, wait=0.5) is None  # a process that ended is no live drift
