"""Windows, drift per window, estimated accuracy and image drift over a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from mds_client import ModelSchema
from mds_client.schema.features import Feature, FeatureKind
from workbench.monitor.drift import MIN_ROWS, Detector, threshold_for
from workbench.monitor.drift_inputs import DriftInputs
from workbench.monitor.estimated_accuracy import estimate
from workbench.monitor.timeline import (
    SAMPLE_LIMIT,
    TOO_FEW,
    build_timeline,
    ranked_features,
    sustained_drift,
    traffic_summary,
)
from workbench.monitor.windows import WindowPlan, plan_windows
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.store.traffic_windows import window_sample, window_stats

NAMES = [f"x{i}" for i in range(5)]
SCHEMA = ModelSchema(tuple(Feature(n, FeatureKind.NUMBER) for n in NAMES))
NOW = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)


def fill(engine, n: int, days: float, *, shift_last_day: float = 0.0, seed: int = 0, sparse_hour: bool = False):
    rng = np.random.default_rng(seed)
    start = NOW - timedelta(days=days)
    write = LogWrite()
    for i in range(n):
        t = start + (NOW - start) * (i / n)
        values = rng.normal(size=len(NAMES))
        if t >= NOW - timedelta(days=1):
            values[2] += shift_last_day
        write.rows.append(log_row(model="m", request_id=f"r{i}", row_index=0, source="simulate", time=t,
                                  inputs=dict(zip(NAMES, values.tolist(), strict=True)), label="a",
                                  confidence=0.8, status="error" if i % 50 == 0 else "ok",
                                  response_time=t + timedelta(milliseconds=20)))
    if sparse_hour:  # five calls hours after the rest: a window with too few rows, however wide the windows
        for i in range(5):
            t = NOW + timedelta(hours=6, minutes=i)
            write.rows.append(log_row(model="m", request_id=f"late{i}", row_index=0, source="simulate", time=t,
                                      inputs=dict(zip(NAMES, rng.normal(size=5).tolist(), strict=True)), status="ok"))
    store_log(engine, write)


def burst(engine, n: int, start: datetime, *, seconds: float = 120, odd: int | None = None, seed: int = 4) -> None:
    """``n`` calls in ``seconds`` from ``start`` (10 a second for 1,200 in two minutes); call ``odd`` absurd: x0 = 50,
    x1 = -40 (as alcohol 50 and magnesium 0 are for wine)."""
    rng = np.random.default_rng(seed)
    write = LogWrite()
    for i in range(n):
        t = start + timedelta(seconds=seconds * i / n)
        values = rng.normal(size=len(NAMES))
        if i == odd:
            values[0], values[1] = 50.0, -40.0
        write.rows.append(log_row(model="m", request_id=f"b{i}", row_index=0, source="simulate", time=t,
                                  inputs=dict(zip(NAMES, values.tolist(), strict=True)), label="a",
                                  confidence=0.8, status="ok", response_time=t + timedelta(milliseconds=20)))
    store_log(engine, write)


def reference() -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(99).normal(size=(3000, len(NAMES))), columns=NAMES)


def test_windows_adapt_to_the_span():
    day = plan_windows(NOW - timedelta(days=1), NOW)
    month = plan_windows(NOW - timedelta(days=30), NOW)
    assert (day.width, month.width) == (timedelta(hours=1), timedelta(days=1))
    assert 24 <= day.count <= 26 and 30 <= month.count <= 32
    assert day.start.minute == 0 and month.start.hour == 0  # windows start on whole hours / days
    assert day.label(day.start) == day.start.strftime("%d %b %H:%M") and month.label(month.start).count(":") == 0


def test_shifted_feature_ranked_first_and_none_without_drift(engine):
    fill(engine, 3000, days=6, shift_last_day=1.5)
    tl = build_timeline(engine, "m", SCHEMA, reference())
    assert tl.plan.width == timedelta(hours=6)
    assert ranked_features(tl)[0] == "x2"
    drifted = tl.windows[tl.windows["is_drift"] == True]  # noqa: E712
    assert not drifted.empty and (drifted["window"] >= NOW - timedelta(days=1, hours=6)).all()
    assert set(drifted["top_feature"]) == {"x2"} and list(sustained_drift(tl)) == ["x2"]
    assert tl.threshold == pytest.approx(0.05 / 5) and "below 0.01 (0.05 shared by the 5 features" in tl.correction


def test_no_drift_without_shift(engine):
    fill(engine, 3000, days=6, seed=1)
    tl = build_timeline(engine, "m", SCHEMA, reference())
    # each window is tested at 5%: a single crossing is chance, and no feature drifts two windows running
    assert sustained_drift(tl) == {} and tl.windows["is_drift"].dropna().sum() <= 2
    assert tl.windows["estimated_accuracy"].dropna().round(6).eq(0.8).all()


def test_window_with_too_few_rows_says_so(engine):
    fill(engine, 400, days=0.5, sparse_hour=True)
    tl = build_timeline(engine, "m", SCHEMA, reference())
    last = tl.windows.iloc[-1]
    assert last["calls"] == 5 and last["status"] == TOO_FEW and np.isnan(last["min_p_value"])


def test_sparse_traffic_gets_wider_windows_that_can_be_tested(engine):
    fill(engine, 160, days=2)
    tl = build_timeline(engine, "m", SCHEMA, reference())
    busy = tl.windows[tl.windows["calls"] > 0]
    assert tl.widened and 2 <= len(tl.windows) <= 5, tl.windows[["label", "calls"]]
    # Windows start on whole half-days, so the first and last may hold part of one; the others are tested.
    inner = busy.iloc[1:-1]
    assert len(inner) >= 2 and (inner["status"] != TOO_FEW).all() and inner["min_p_value"].notna().all()
    assert busy["calls"].sum() == 160


def test_busy_traffic_keeps_the_windows_the_span_gives(engine):
    fill(engine, 3000, days=2)
    tl = build_timeline(engine, "m", SCHEMA, reference())
    assert not tl.widened and tl.plan == plan_windows(tl.plan.start, NOW)


def test_counts_errors_latency_and_the_stated_sample(engine):
    fill(engine, 1000, days=1)
    plan = plan_windows(NOW - timedelta(days=1), NOW)
    stats = window_stats(engine, "m", plan.start, plan.width.total_seconds(), plan.count)
    assert sum(s.calls for s in stats) == 1000 and sum(s.errors for s in stats) == 20
    assert all(s.mean_latency_ms == pytest.approx(20, abs=0.01) for s in stats if s.calls)
    busy = max(range(len(stats)), key=lambda k: stats[k].calls)
    sample = window_sample(engine, "m", *plan.bounds(busy), limit=10, total=stats[busy].calls)
    assert sample.sampled and sample.total == stats[busy].calls and 5 <= len(sample.rows) <= 10
    full = window_sample(engine, "m", *plan.bounds(busy), limit=10_000, total=stats[busy].calls)
    assert not full.sampled and len(full.rows) == stats[busy].calls


def test_fast_ks_equals_scipy_with_ties():
    rng = np.random.default_rng(5)
    x_ref = rng.integers(0, 7, size=(2000, 3)).astype(float)  # many ties
    x = rng.integers(0, 8, size=(500, 3)).astype(float)
    inputs = DriftInputs.of(ModelSchema(tuple(Feature(f"f{i}", FeatureKind.NUMBER) for i in range(3))))
    report = Detector(inputs, x_ref).test(x)
    for j, name in enumerate(inputs.names):
        expected = ks_2samp(x_ref[:, j], x[:, j], method="asymp")
        assert report.p_values[name] == pytest.approx(expected.pvalue, rel=1e-12)
        assert report.distances[name] == pytest.approx(expected.statistic, rel=1e-12)
    assert report.threshold == threshold_for(3)


def test_estimated_accuracy_is_mean_confidence_with_its_error():
    guess = estimate([0.9, 0.6, None, 1.0])
    assert guess.accuracy == pytest.approx(2.5 / 3) and guess.rows == 3
    assert guess.standard_error == pytest.approx(np.sqrt(0.09 + 0.24) / 3)
    assert estimate([None]) is None


def test_image_drift_on_summaries_sees_a_darker_camera():
    schema = ModelSchema((Feature("image", FeatureKind.TENSOR, shape=(8, 8)),))
    inputs = DriftInputs.of(schema)
    rng = np.random.default_rng(2)
    ref = pd.DataFrame(rng.uniform(0, 16, size=(500, 64)), columns=schema.tensor_columns(schema.features[0]))
    darker = [{"image": (rng.uniform(0, 16, size=(8, 8)) * 0.7).tolist()} for _ in range(200)]
    same = [{"image": rng.uniform(0, 16, size=(8, 8)).tolist()} for _ in range(200)]
    detector = Detector(inputs, inputs.encode(ref))
    dark_matrix, kept = inputs.from_logged([*darker, {"other": 1}])
    assert dark_matrix.shape == (200, 6) and len(kept) == 200
    report = detector.test(dark_matrix)
    assert report.is_drift and report.drifted[0] in ("mean intensity", "contrast (std)")
    assert not detector.test(inputs.from_logged(same)[0]).is_drift


@pytest.mark.parametrize("seed", range(6))
def test_fast_ks_equals_scipy_bit_for_bit(seed):
    """Ties, tiny and lopsided samples: the window-points-only statistic is ks_2samp's, to the last bit."""
    rng = np.random.default_rng(seed)
    n1, n2 = int(rng.integers(1, 400)), int(rng.integers(1, 400))
    x_ref = rng.normal(size=(n1, 2)).round(seed % 3)
    x = (rng.normal(size=(n2, 2)) + 0.2).round(seed % 3)
    inputs = DriftInputs.of(ModelSchema((Feature("a", FeatureKind.NUMBER), Feature("b", FeatureKind.NUMBER))))
    report = Detector(inputs, x_ref).test(x)
    for j, name in enumerate(inputs.names):
        expected = ks_2samp(x_ref[:, j], x[:, j], method="asymp")
        assert (report.distances[name], report.p_values[name]) == (expected.statistic, expected.pvalue)


def test_sample_reads_every_row_once_with_its_inputs(engine):
    fill(engine, 600, days=1)
    plan = plan_windows(NOW - timedelta(days=1), NOW)
    stats = window_stats(engine, "m", plan.start, plan.width.total_seconds(), plan.count)
    samples = [window_sample(engine, "m", *plan.bounds(k), limit=10_000, total=s.calls) for k, s in enumerate(stats)]
    assert sum(len(s) for s in samples) == 600
    rows = [r for s in samples for r in s.rows]
    assert sorted(int(r.request_id[1:]) for r in rows) == list(range(600))
    assert all(set(r.inputs) == set(NAMES) for r in rows) and all(r.latency_ms == pytest.approx(20) for r in rows)


@pytest.mark.parametrize(("width", "name"), [(timedelta(minutes=5), "5-minute"), (timedelta(hours=1), "hour"),
                                             (timedelta(days=1), "day"), (timedelta(hours=2), "2-hour")])
def test_a_window_is_named_as_people_say_it(width, name):
    assert WindowPlan(datetime(2026, 1, 1, tzinfo=UTC), width, 1).window_name == name


def test_a_burst_keeps_the_windows_of_the_history_and_every_call_is_scored(engine):
    """Issue 27, items 3 and 6: three days of calls, then two minutes at 12 calls/s with one absurd request."""
    fill(engine, 280, days=3)
    before = build_timeline(engine, "m", SCHEMA, reference(), now=NOW)
    burst(engine, 1500, NOW, odd=700)
    after = build_timeline(engine, "m", SCHEMA, reference(), now=NOW + timedelta(minutes=2))
    assert before.plan.width == after.plan.width == timedelta(hours=12) and after.widened
    assert after.plan.count == before.plan.count
    tested = after.windows[after.windows["min_p_value"].notna()]
    assert len(tested) >= len(before.windows) - 1  # half-days with enough calls, the burst's among them
    w = after.windows
    assert int(w["calls"].sum()) == 1780 and int(w["errors"].sum()) == 6
    assert len(after.outliers) == int(w["scored_rows"].sum()) == 1780 - 6  # every answered call, none sampled away
    top = after.outliers.sort_values("score", ascending=False).iloc[0]
    assert top["request_id"] == "b700" and bool(top["is_outlier"]) and top["score"] > 10 * after.outlier_threshold
    busiest = w.loc[w["calls"].idxmax()]
    assert busiest["tested_rows"] == SAMPLE_LIMIT < busiest["scored_rows"]  # drift on a stated sample, outliers on all


def test_past_the_scoring_limit_each_window_scores_its_share(engine):
    fill(engine, 3000, days=2)
    tl = build_timeline(engine, "m", SCHEMA, reference(), scored_limit=600, sample_limit=50)
    w = tl.windows
    assert 600 <= len(tl.outliers) == int(w["scored_rows"].sum()) <= 600 + len(w)  # each window rounds its share up
    assert (w["tested_rows"] <= 50).all() and (w.loc[w["calls"] > 0, "scored_rows"] > 0).all()


def test_the_last_hour_of_a_burst_is_cut_in_five_minute_windows(engine):
    fill(engine, 280, days=3)
    burst(engine, 1500, NOW)
    tl = build_timeline(engine, "m", SCHEMA, reference(), period="hour", now=NOW + timedelta(minutes=2))
    assert tl.plan.width == timedelta(minutes=5) and not tl.widened and 12 <= tl.plan.count <= 13
    assert tl.period.key == "hour" and tl.span == (NOW + timedelta(minutes=2) - timedelta(hours=1),
                                                     NOW + timedelta(minutes=2))
    summary = traffic_summary(tl)
    assert summary.calls == int(tl.windows["calls"].sum()) >= 1500
    # the rate over the last 5 minutes (the burst's 1,500 calls and the history's last few), not the hour's
    assert summary.recent == timedelta(minutes=5) and 1500 / 300 <= summary.recent_rate <= 1510 / 300
    later = build_timeline(engine, "m", SCHEMA, reference(), period="hour", now=NOW + timedelta(minutes=2, seconds=20))
    assert traffic_summary(later).recent_rate >= 1500 / 300  # 20 s into a new window: still the burst's rate


def test_no_accuracy_is_estimated_from_a_handful_of_calls(engine):
    fill(engine, 400, days=0.5, sparse_hour=True)
    tl = build_timeline(engine, "m", SCHEMA, reference())
    few = tl.windows[tl.windows["tested_rows"] < MIN_ROWS]
    assert len(few) and few["estimated_accuracy"].isna().all() and few["estimated_se"].isna().all()


def test_a_period_without_calls_is_empty_and_knows_when_the_last_call_was(engine):
    fill(engine, 100, days=1)
    tl = build_timeline(engine, "m", SCHEMA, reference(), period="hour", now=NOW + timedelta(days=2))
    assert tl.empty and tl.calls_span[1] <= NOW and tl.outliers.empty
