"""Model health per fixed window over a real SQLite store, and its exposition as Prometheus gauges."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from workbench.alerts.health_metrics import render
from workbench.monitor import model_health
from workbench.monitor.model_health import HealthMonitor, window_end

from .health_data import SCHEMA, add_verdicts, log_window, model_ref, reference_frame

WIDTH = timedelta(seconds=60)
NOW = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)
END = window_end(NOW, WIDTH)  # 12:00:00


@pytest.fixture
def reference_csv(tmp_path):
    path = tmp_path / "reference.csv"
    reference_frame().to_csv(path, index=False)
    return str(path)


def monitor(engine, refs, **options) -> HealthMonitor:
    return HealthMonitor(engine, lambda: refs, lambda ref: SCHEMA, reference_of=lambda ref: reference_frame(),
                         window_seconds=WIDTH.total_seconds(), history=6, **options)


def test_windows_stand_still_on_whole_multiples_of_their_width():
    assert window_end(NOW, WIDTH) == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert window_end(NOW, timedelta(hours=1)) == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_drift_errors_latency_and_accuracy_of_the_last_two_windows(engine, reference_csv):
    for k in range(6, 2, -1):  # four calm windows, then two where x2 moved
        log_window(engine, "m", END - k * WIDTH, WIDTH, 60, seed=k, source="seldon-logger")
    log_window(engine, "m", END - 2 * WIDTH, WIDTH, 60, shift=1.5, seed=2, errors=6, confidence=0.7)
    log_window(engine, "m", END - WIDTH, WIDTH, 60, shift=1.5, seed=1, latency_ms=300)
    add_verdicts(engine, "m", END - WIDTH + timedelta(seconds=5), correct=3, wrong=1)
    health = monitor(engine, [model_ref("m", reference_csv)]).refresh(NOW)["m"]
    last, previous, recent = health.last, health.previous, health.recent
    assert (last.start, last.end, previous.end) == (END - WIDTH, END, END - WIDTH)
    assert last.drifting_features >= 1 and previous.drifting_features >= 1 and last.top_feature == "x2"
    assert last.min_p_value < 0.01 and last.tested_rows == 60
    assert previous.error_ratio == pytest.approx(6 / 60) and last.error_ratio == 0
    assert last.latency_p95_seconds == pytest.approx(0.3, rel=0.05)
    assert previous.estimated_accuracy == pytest.approx(0.7) and last.estimated_accuracy == pytest.approx(0.9)
    assert 0 <= last.outlier_ratio <= 1
    # the verdicts' predictions are workbench calls of the last window too
    assert (last.feedback_verdicts, last.feedback_accuracy) == (4, 0.75) and last.calls == 64
    assert recent.calls == 6 * 60 + 4 and recent.feedback_verdicts == 4
    assert health.usual_calls == 60 and health.reference_accuracy == 0.95 and health.problem == ""


def test_calm_traffic_drifts_nowhere_and_a_silent_model_reads_zero(engine, reference_csv):
    for k in range(6, 0, -1):
        log_window(engine, "m", END - k * WIDTH, WIDTH, 60, seed=10 + k)
    for k in range(6, 1, -1):
        log_window(engine, "quiet", END - k * WIDTH, WIDTH, 40, seed=20 + k, source="kserve-logger")
    out = monitor(engine, [model_ref("m", reference_csv), model_ref("quiet", reference_csv)]).refresh(NOW)
    assert out["m"].last.drifting_features == 0 and out["m"].previous.drifting_features == 0
    assert out["quiet"].last.calls == 0 and out["quiet"].usual_calls == 40
    assert out["quiet"].last.min_p_value is None and out["quiet"].last.error_ratio is None


def test_a_simulation_that_ended_is_no_usual_traffic_but_real_callers_are(engine, reference_csv):
    for k in range(6, 1, -1):  # a simulation (the demo's live drift) for five windows, then nothing
        log_window(engine, "demo", END - k * WIDTH, WIDTH, 60, seed=30 + k)
        log_window(engine, "both", END - k * WIDTH, WIDTH, 60, seed=40 + k)
        log_window(engine, "both", END - k * WIDTH, WIDTH, 25, seed=50 + k, source="seldon-logger")
    out = monitor(engine, [model_ref("demo", reference_csv), model_ref("both", reference_csv)]).refresh(NOW)
    assert out["demo"].last.calls == 0 and out["demo"].usual_calls == 0  # ModelNoTraffic (usual >= 10) stays quiet
    assert out["both"].last.calls == 0 and out["both"].usual_calls == 25  # real callers went silent: it fires
    assert out["both"].recent.calls == 5 * 85


def test_a_complete_window_is_measured_once(engine, reference_csv, monkeypatch):
    for k in range(3, 0, -1):
        log_window(engine, "m", END - k * WIDTH, WIDTH, 40, seed=k)
    health = monitor(engine, [model_ref("m", reference_csv)])
    calls = []
    measure = health._measure
    monkeypatch.setattr(health, "_measure", lambda *a, **k: calls.append(a[2]) or measure(*a, **k))
    health.refresh(NOW)
    health.refresh(NOW + timedelta(seconds=5))
    assert calls == [END - WIDTH, END - 2 * WIDTH]  # later refreshes of the same windows reuse them
    health.refresh(NOW + WIDTH)  # a new window completes: only it is measured
    assert calls[2:] == [END]


def test_a_model_without_reference_data_still_gets_counts(engine):
    log_window(engine, "m", END - WIDTH, WIDTH, 30)
    health = monitor(engine, [model_ref("m", None, accuracy=None)]).refresh(NOW)["m"]
    assert health.last.calls == 30 and health.last.drifting_features is None
    assert "no reference data" in health.problem and health.reference_accuracy is None


def test_gauges_carry_bounded_labels_and_leave_out_what_was_not_measured(engine, reference_csv):
    log_window(engine, "m", END - WIDTH, WIDTH, 40, seed=3)
    log_window(engine, "few", END - WIDTH, WIDTH, 5, seed=4)
    snapshot = monitor(engine, [model_ref("m", reference_csv), model_ref("few", reference_csv)]).refresh(NOW)
    families = {f.name: f for f in text_string_to_metric_families(render(snapshot, WIDTH.total_seconds()))}
    for family in families.values():
        for sample in family.samples:
            assert set(sample.labels) <= {"model", "window"}
            assert sample.labels.get("window", "last") in model_health.WINDOWS
    calls = {(s.labels["model"], s.labels["window"]): s.value for s in families["mds_model_logged_calls"].samples}
    assert calls[("m", "last")] == 40 and calls[("few", "last")] == 5 and calls[("m", "recent")] == 40
    p_values = {s.labels["model"] for s in families["mds_model_drift_p_value_min"].samples}
    assert p_values == {"m"}  # five rows are not tested: no series rather than NaN
    assert families["mds_model_health_window_seconds"].samples[0].value == 60
    reference = {s.labels["model"]: s.value for s in families["mds_model_reference_accuracy"].samples}
    assert reference == {"m": 0.95, "few": 0.95}


def test_a_scrape_of_fifty_models_writes_the_last_refresh_fast(engine, reference_csv):
    log_window(engine, "m0", END - WIDTH, WIDTH, 40, seed=3)
    one = monitor(engine, [model_ref("m0", reference_csv)]).refresh(NOW)["m0"]
    snapshot = {f"model-{i}": one for i in range(50)}
    started = time.perf_counter()
    for _ in range(10):
        text = render(snapshot, 60)
    per_scrape = (time.perf_counter() - started) / 10
    assert text.count('mds_model_logged_calls{model="model-49",window="last"}') == 1
    assert len(list(text_string_to_metric_families(text))) == 16
    # the goal is 100 ms on an idle machine (bench/health_scrape.py measures it); this bound survives a busy one
    assert per_scrape < 0.1, f"a scrape of 50 models took {per_scrape * 1000:.0f} ms"
