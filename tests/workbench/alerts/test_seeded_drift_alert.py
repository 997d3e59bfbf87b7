"""Seeded drift to a stored alert, every step real: calls logged as the demo seeds them (the seeding's own row
drawing and drift, a mixed-type model with string classes), the health exporter's `HealthMonitor` measuring them
on minute windows, Prometheus scraping the exporter and evaluating the default rules, Alertmanager posting to
the webhook, the store keeping it; it resolves once the drifted calls stop; and nothing fires for the same traffic
without the drift."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from logsink.simulate import Drift, apply_drift, draw_rows
from mds_client import ModelRef, ModelSchema
from mds_client.schema.features import Feature, FeatureKind
from workbench.monitor.model_health import HealthMonitor, window_end
from workbench.store.alerts import notifications
from workbench.store.request_log import LogWrite, log_row, store_log

WIDTH = timedelta(seconds=60)  # the embedded MDS's health windows
CLASSES = ["low risk", "review", "high risk"]
SCHEMA = ModelSchema((Feature("income_k", FeatureKind.NUMBER), Feature("age", FeatureKind.INTEGER),
                      Feature("housing", FeatureKind.CATEGORY, categories=("rent", "own", "mortgage"))))


def reference() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({"income_k": rng.normal(52.0, 9.0, 800), "age": rng.integers(21, 70, 800),
                         "housing": rng.choice(["rent", "own", "mortgage"], 800, p=[0.5, 0.3, 0.2])})


def seed(engine, model: str, end: datetime, *, drift: Drift | None, windows: int = 6, per_window: int = 40) -> None:
    """``windows`` minutes of calls before ``end``, drawn and drifted by the demo seeding's own functions; the
    drift (if any) in the last two windows only."""
    ref, rng = reference(), np.random.default_rng(8)
    rows = draw_rows(ref, windows * per_window, rng)
    start = end - windows * WIDTH
    times = [start + WIDTH * (i + 0.5) / per_window for i in range(len(rows))]
    if drift is not None:
        rows = apply_drift(rows, ref, drift, np.array([t >= end - 2 * WIDTH for t in times]), rng)
    write = LogWrite()
    for i, (t, record) in enumerate(zip(times, rows.to_dict("records"), strict=True)):
        label = CLASSES[i % 3]
        write.rows.append(log_row(model=model, request_id=f"{model}-{i}", row_index=0, source="simulate", time=t,
                                  inputs={k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()},
                                  outputs={"label": label}, label=label, confidence=0.86, status="ok",
                                  response_time=t + timedelta(milliseconds=15), tag="demo"))
    store_log(engine, write)


def stored(engine, model: str, status: str = "firing") -> list:
    return [n for n in notifications(engine, model=model) if n.alertname == "ModelDrift" and n.status == status]


def wait_stored(engine, model: str, status: str) -> list:
    deadline = time.monotonic() + 30
    while not (found := stored(engine, model, status)):
        assert time.monotonic() < deadline, f"ModelDrift {status} of the seeded drift did not reach the store in 30 s"
        time.sleep(0.25)
    return found


@pytest.fixture
def stack(alerting):
    yield alerting
    alerting.set()


def test_seeded_drift_fires_model_drift_into_the_store_resolves_when_it_stops_and_calm_traffic_fires_nothing(stack, tmp_path):
    csv = tmp_path / "reference.csv"
    reference().to_csv(csv, index=False)
    refs = [ModelRef(name=name, protocol="v2", endpoint="http://127.0.0.1:9/", reference_data=str(csv),
                     card={"metrics": {"mean_confidence": 0.86}}) for name in ("loan-drifting", "loan-calm")]
    now = datetime.now(UTC)
    end = window_end(now, WIDTH)
    seed(stack.engine, "loan-drifting", end, drift=Drift("income_k", 2.5))
    seed(stack.engine, "loan-calm", end, drift=None)
    monitor = HealthMonitor(stack.engine, lambda: refs, lambda ref: SCHEMA, reference_of=lambda ref: reference(),
                            window_seconds=WIDTH.total_seconds(), history=6)
    measured = monitor.refresh(now)
    drifting, calm = measured["loan-drifting"], measured["loan-calm"]
    assert drifting.last.top_feature == "income_k" and drifting.last.drifting_features >= 1
    assert drifting.previous.drifting_features >= 1
    assert calm.last.drifting_features == 0 and calm.previous.drifting_features == 0

    stack.set(drifting, calm)  # what the exporter publishes: Prometheus scrapes it every second
    (firing,) = wait_stored(stack.engine, "loan-drifting", "firing")
    assert firing.summary.startswith("loan-drifting: its inputs drifted two windows in a row")
    assert firing.deliveries >= 1 and firing.labels["severity"] == "warning"
    assert stored(stack.engine, "loan-calm") == []

    # the drifted calls stop: two windows later nothing drifts (no calls to test), and the alert resolves
    later = monitor.refresh(now + 2 * WIDTH)
    assert later["loan-drifting"].last.calls == 0 and later["loan-drifting"].last.drifting_features is None
    stack.set(*later.values())
    (resolved,) = wait_stored(stack.engine, "loan-drifting", "resolved")
    assert resolved.starts_at == firing.starts_at and resolved.ends_at >= firing.starts_at
