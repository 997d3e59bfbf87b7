"""Demo traffic: seeded for every tabular model through the real endpoints and a real sink, drift on the last day
for one chosen by schema, tagged demo and removed exactly by ``clear-demo``; seeded once per home; the drift going
on live (drifted calls now, tagged demo)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from logsink.demo import DEMO_TAG, MARKER, clear_demo, drift_live, plan_demo, seed_demo, seed_once_in_background
from logsink.simulate import simulate
from mds_client import MDSClient, load_catalog, read_reference
from workbench.monitor.drift import detect_drift
from workbench.store.tables import RequestLogRow as R
from workbench.store.traffic import window_calls

from .conftest import start_sink, stop_sink

ROWS = 60


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
