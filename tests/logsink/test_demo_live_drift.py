"""The demo's drift goes on live (`drift_live`): the drifting model, chosen by schema, gets drifted calls now
through its real endpoint and the real sink, tagged demo, so the embedded MDS's minute windows see drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from logsink.demo import DEMO_TAG, drift_live, plan_demo
from mds_client import MDSClient, load_catalog, read_reference
from workbench.store.tables import RequestLogRow as R
from workbench.store.traffic import window_calls

from .conftest import start_sink, stop_sink


@pytest.fixture(scope="module")
def live_sink(tmp_path_factory, catalog_path):
    running = start_sink(tmp_path_factory.mktemp("live-sink"), catalog_path)
    yield running
    stop_sink(running)


def test_the_drifting_model_gets_drifted_calls_now_tagged_demo(live_sink, catalog_path):
    client = MDSClient()
    plan = plan_demo(load_catalog(catalog_path), client)
    assert plan.drift is not None
    started = datetime.now(UTC)
    name, result = drift_live(catalog_path, sink_url=live_sink.url, minutes=0.05, rate=10, client=client)
    assert name == plan.drift[0] and result.calls == 30 and result.drifted_rows == 30 and result.failed_calls == 0

    engine = live_sink.engine()
    calls = [c for c in window_calls(engine, name, started - timedelta(seconds=1), datetime.now(UTC) + timedelta(
        seconds=1), include_workbench=False) if c.inputs]
    assert len(calls) == 30
    with engine.connect() as connection:
        tags = connection.execute(R.__table__.select().with_only_columns(R.tag).where(R.model == name)).scalars()
        assert set(tags) == {DEMO_TAG}
    ref = next(r for r, _s in plan.models if r.name == name)
    feature = plan.drift[1].feature
    reference = read_reference(ref.reference_data)[feature]
    now = pd.DataFrame([c.inputs for c in calls])[feature]
    assert now.mean() > reference.mean() + 1.5 * reference.std()  # shifted 2.5 standard deviations
    client.close()
