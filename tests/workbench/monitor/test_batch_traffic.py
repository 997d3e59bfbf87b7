"""Monitor counts and samples batch-logged rows (written by the real BatchLogWriter) beside the request log's
calls, each row once: a batch row whose request id a logger also reported is the request log's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from mds_client import ModelRef, ModelSchema
from mds_client.schema.features import Feature, FeatureKind
from workbench.batch.log_writer import BatchLogWriter
from workbench.monitor.timeline import build_timeline, traffic_summary
from workbench.store import batch_log
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.store.traffic_windows import window_sample, window_stats

NAMES = ["size", "weight"]
SCHEMA = ModelSchema(features=(Feature("size", FeatureKind.NUMBER), Feature("weight", FeatureKind.NUMBER),
                               Feature("colour", FeatureKind.CATEGORY, categories=("red", "blue"))))
REF = ModelRef(name="fruit", protocol="seldon", endpoint="http://127.0.0.1:9")


def calls(engine, now: datetime) -> None:
    """200 single calls and 25 calls of 4 rows each (``seldon-k``: the batch's first 100 rows, as Seldon's
    logger reported them): 300 request-log rows in the last 20 minutes."""
    rng = np.random.default_rng(1)
    write = LogWrite()
    ids = [(f"one-{i}", 0) for i in range(200)] + [(f"seldon-{k}", j) for k in range(25) for j in range(4)]
    for n, (request_id, row) in enumerate(ids):
        t = now - timedelta(minutes=20) + timedelta(seconds=3 * n)
        write.rows.append(log_row(model="fruit", request_id=request_id, row_index=row, source="seldon", time=t,
                                  inputs={"size": float(rng.normal()), "weight": float(rng.normal()),
                                          "colour": "red"},
                                  label="ripe", confidence=0.9, status="ok", response_time=t + timedelta(milliseconds=5)))
    store_log(engine, write)


def batch(engine, home, n: int = 400) -> None:
    """A batch run of ``n`` rows in chunks of 100: rows 1-100 scored by the requests ``seldon-k``, the rest by
    requests no logger reported; row 7 rejected."""
    rng = np.random.default_rng(2)
    writer = BatchLogWriter(engine, home, REF, SCHEMA, run_id="run1", user="ana")
    for start in range(0, n, 100):
        rows = range(start, start + 100)
        frame = pd.DataFrame({"size": rng.normal(size=100), "weight": rng.normal(size=100),
                              "colour": ["red" if i % 2 else "blue" for i in rows],
                              "prediction": ["ripe" if i % 3 else "green" for i in rows], "confidence": 0.7,
                              "p(ripe)": 0.7, "p(green)": 0.3,
                              "request_id": [f"seldon-{i // 4}" if i < 100 else f"batch-{i // 4}" for i in rows],
                              "error": ["bad size" if i == 106 else "" for i in rows]})
        writer.on_rows(frame)
    assert writer.close() is None


def test_window_counts_and_sample_hold_the_batch_rows_once(engine, tmp_path):
    now = datetime.now(UTC)
    calls(engine, now)
    batch(engine, tmp_path)
    start = now - timedelta(hours=1)
    [stat] = window_stats(engine, "fruit", start, 7200, 1, include_batch=True)
    assert (stat.calls, stat.batch_rows, stat.errors) == (600, 300, 1)
    [alone] = window_stats(engine, "fruit", start, 7200, 1)
    assert alone.calls == 300 and alone.batch_rows == 0  # the default: the request log as before
    full = window_sample(engine, "fruit", start, start + timedelta(hours=2), limit=10_000, total=stat.calls,
                         include_batch=True)
    assert len(full) == 600 and full.sources.count("batch") == 300
    pairs = list(zip(full.request_ids, full.sources, strict=True))
    assert not [p for p in pairs if p[1] == "batch" and p[0].startswith("seldon-")]  # counted once: the log's
    assert full.statuses.count("error") == 1
    row = full.inputs[full.sources.index("batch")]
    assert set(row) == {"size", "weight", "colour"} and row["colour"] in ("red", "blue")
    assert {full.labels[i] for i, s in enumerate(full.sources) if s == "batch"} <= {"ripe", "green", None}
    # Capped: about ``limit`` rows in all, batch rows in their share, not every row of the run read.
    small = window_sample(engine, "fruit", start, start + timedelta(hours=2), limit=60, total=stat.calls,
                          include_batch=True)
    assert small.sampled and 30 <= len(small) <= 80 and 15 <= small.sources.count("batch") <= 40
    # Feedback on a batch row makes it a prediction row (``prediction_for``): still one row, the batch log's.
    batch_log.prediction_for(engine, batch_log.locate(engine, "fruit", "batch-30")[0])
    [again] = window_stats(engine, "fruit", start, 7200, 1, include_batch=True)
    assert (again.calls, again.batch_rows, again.workbench_calls) == (600, 300, 0)
    assert window_sample(engine, "fruit", start, start + timedelta(hours=2), limit=10_000, total=again.calls,
                         include_batch=True).sources.count("workbench") == 0
    assert window_stats(engine, "fruit", start, 7200, 1)[0].calls == 301  # as before: the request log and predictions


def test_the_timeline_tests_and_counts_batch_rows_beside_calls(engine, tmp_path):
    now = datetime.now(UTC)
    calls(engine, now)
    batch(engine, tmp_path)
    reference = pd.DataFrame({"size": np.random.default_rng(3).normal(size=500),
                              "weight": np.random.default_rng(4).normal(size=500),
                              "colour": ["red", "blue"] * 250})
    tl = build_timeline(engine, "fruit", SCHEMA, reference, period="hour", now=now + timedelta(seconds=1))
    summary = traffic_summary(tl)
    assert (summary.calls, summary.batch_rows) == (600, 300)
    assert summary.mean_latency_ms is not None and abs(summary.mean_latency_ms - 5) < 0.5  # batch rows: no latency
    assert int(tl.windows["answered_rows"].sum()) == 599  # every row but the rejected one tested or scored
    assert (tl.outliers["source"] == "batch").sum() == 299
    own = build_timeline(engine, "fruit", SCHEMA, reference, source="workbench", period="hour",
                         now=now + timedelta(seconds=1))
    assert int(own.windows["calls"].sum()) == 0  # the workbench's own calls: no batch rows


def test_a_model_with_only_batch_rows_is_monitored(engine, tmp_path):
    batch(engine, tmp_path)
    reference = pd.DataFrame({"size": np.zeros(50) + 1.0, "weight": np.ones(50), "colour": ["red"] * 50})
    tl = build_timeline(engine, "fruit", SCHEMA, reference, period="hour", now=datetime.now(UTC) + timedelta(seconds=1))
    assert not tl.empty and int(tl.windows["calls"].sum()) == 400 == int(tl.windows["batch_rows"].sum())


def test_segments_count_batch_rows_as_calls_and_say_so(engine, tmp_path):
    from workbench.monitor.segment_reads import model_segments

    now = datetime.now(UTC)
    calls(engine, now)
    batch(engine, tmp_path)
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"size": rng.normal(size=500), "weight": rng.normal(size=500),
                              "colour": ["red", "blue"] * 250})
    report = model_segments(engine, "fruit", reference=reference, since=now - timedelta(hours=1), now=now)
    assert (report.calls, report.batch_rows) == (600, 300)
    assert report.drifting is not None and report.drifting.rows == 599  # every answered row: the rejected one is not
    assert "include 300 rows scored in batches" in report.note
    assert report.as_json()["drift"]["batch_rows"] == 300
    # the logger's calls are all red: the batch's blue rows are what make blue a quarter of the traffic
    blue = [f for f in report.drifting.findings if f.label == "colour = blue"]
    assert blue and blue[0].value == pytest.approx(150 / 599, abs=0.01)
