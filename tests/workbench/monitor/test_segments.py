"""The segment finder: a planted weak slice is found with its size and interval, three wrong rows are not a
failure, clean data gives nothing, hostile inputs give no exception; and the reads from a real store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import DriftError
from workbench.monitor.segment_reads import in_segment, model_segments
from workbench.monitor.segment_slices import wilson, z_for
from workbench.monitor.segments import MIN_ROWS, drifting_segments, failing_segments, parse_segment
from workbench.store.request_log import LogWrite, log_row, store_log

from .segment_data import BAD, FEATURES, frame, store_cases


def test_the_planted_weak_slice_comes_first_with_its_size_and_interval():
    rows, right = frame(4000)
    scan = failing_segments(rows, right)
    top = scan.findings[0]
    kiosk = (rows["channel"] == "kiosk").to_numpy()
    assert top.label == BAD
    assert top.rows == int(kiosk.sum())
    assert top.value == pytest.approx(right[kiosk].mean())
    lo, hi = wilson(right[kiosk].sum(), kiosk.sum(), z_for(scan.checked))
    assert (top.low, top.high) == pytest.approx((float(lo), float(hi)))
    assert top.low < 0.40 < top.high < scan.overall
    assert "right on" in top.reason and "below the model's accuracy" in top.reason
    # every other listed slice is a pair worse than its parts, or a slice that is mostly kiosk rows: none is 'fax'
    assert not any("fax" in f.label for f in scan.findings)


def test_three_wrong_rows_are_not_called_a_failure():
    rows, right = frame(4000, bad_rate=0.0, tiny=3)
    fax = rows["channel"] == "fax"
    assert right[fax.to_numpy()].sum() == 0 and fax.sum() == 3
    scan = failing_segments(rows, right)
    assert scan.findings == []  # nothing else is bad, and 3 of 3 wrong is not a finding
    # at a 90% overall, 0 right of 3 has a Wilson upper bound near 83%: the minimum size is what keeps it out
    assert any("fax" in f.label for f in failing_segments(rows, right, min_rows=1).findings)


@pytest.mark.parametrize("seed", range(5))
def test_clean_data_lists_nothing_though_about_a_hundred_slices_are_checked(seed):
    rng = np.random.default_rng(seed + 100)  # not the frame's own stream: that would tie right to channel
    rows, _ = frame(6000, bad_rate=0.0, tiny=0, seed=seed)
    scan = failing_segments(rows, (rng.random(6000) < 0.85).astype(int))
    assert scan.checked > 90 and scan.findings == []


def test_estimated_accuracy_finds_where_the_model_is_unsure():
    rows, _ = frame(3000, tiny=0)
    confidence = np.where(rows["channel"] == "kiosk", 0.55, 0.93)
    scan = failing_segments(rows, confidence, estimated=True)
    assert scan.findings[0].label == BAD and "own confidence" in scan.findings[0].reason


def test_a_moved_slice_of_traffic_is_found_against_the_reference():
    reference, _ = frame(3000, bad_rate=0.05, tiny=0, seed=1)
    recent, _ = frame(2000, bad_rate=0.30, tiny=0, seed=2)
    scan = drifting_segments(recent, reference)
    top = scan.findings[0]
    assert top.label == BAD and top.value > top.baseline and top.low > 0.1
    assert "of recent calls" in top.reason and "more of the traffic" in top.reason
    same, _ = frame(2000, bad_rate=0.05, tiny=0, seed=5)
    assert drifting_segments(same, reference).findings == []


@pytest.mark.parametrize("label", [BAD, "income < 35000", "35000 \u2264 income < 40000", "income \u2265 1.2e+06",
                                   "-0.5 \u2264 x < 0.25",
                                   "channel is missing", "income < 30000 & channel = a = b"])
def test_a_label_reads_back_as_the_same_segment(label):
    assert parse_segment(label).label == label


@pytest.mark.parametrize("text", ["", "nonsense", "income < many"])
def test_an_unreadable_segment_says_so(text):
    with pytest.raises(DriftError, match=r"cannot be read|names no feature"):
        parse_segment(text)


def test_hostile_inputs_give_no_exception():
    rng = np.random.default_rng(0)
    n = 12_000
    wide = pd.DataFrame({"id": [f"c{i % 10_000}" for i in range(n)], "empty": [None] * n,
                         "x": rng.normal(size=n), "nested": [[1, 2]] * n})
    right = (rng.random(n) < 0.8).astype(int)
    scan = failing_segments(wide, right)
    assert scan.rows == n and all(f.rows >= MIN_ROWS for f in scan.findings)
    assert drifting_segments(wide, wide.iloc[::2]).findings == []
    one = failing_segments(wide.iloc[:1], right[:1])
    assert one.findings == [] and one.rows == 1
    assert failing_segments(pd.DataFrame(), []).findings == []
    assert failing_segments(wide.iloc[:100], [None] * 100).rows == 0  # no outcome known: nothing judged
    assert drifting_segments(wide.iloc[:0], wide).findings == []


def test_the_reads_of_a_real_store_find_the_slice_and_filter_to_it(engine):
    rows, right = frame(400, seed=8)
    store_cases(engine, rows, right)
    reference, _ = frame(1000, bad_rate=0.15, tiny=0, seed=9)
    report = model_segments(engine, "loan-desk", features=FEATURES, reference=reference)
    assert report.basis == "feedback" and report.failing.rows == 400
    assert report.failing.findings[0].label == BAD
    assert report.calls == 400 and report.drifting is not None
    as_json = report.as_json()
    assert as_json["accuracy"]["segments"][0]["conditions"] == [{"feature": "channel", "value": "kiosk"}]
    from workbench.feedback.metrics import feedback_frame
    votes = feedback_frame(engine)
    kiosk = in_segment(votes, parse_segment(BAD))
    assert len(kiosk) == int((rows["channel"] == "kiosk").sum())


def test_a_model_without_feedback_or_confidence_gets_a_sentence_why(engine):
    write = LogWrite()
    from datetime import UTC, datetime, timedelta
    now = datetime.now(UTC)
    for i in range(80):
        write.rows.append(log_row(model="fare", request_id=f"f{i}", row_index=0, source="simulate",
                                  time=now - timedelta(minutes=i), inputs={"km": float(i), "zone": "a"}, status="ok"))
    store_log(engine, write)
    report = model_segments(engine, "fare")
    assert report.basis == "none" and report.failing.findings == []
    assert "0 feedback verdicts" in report.note and "0 logged calls with a confidence" in report.note
    unseen = model_segments(engine, "nobody")
    assert unseen.basis == "none" and unseen.calls == 0


def test_a_category_the_reference_never_had_is_tested_not_fatal():
    """Three logged calls of channel 'fax' (no reference row has it) made the chi-squared test raise and Monitor stop."""
    from mds_client.schema.sources import from_reference
    from workbench.monitor.timeline import fit_reference

    reference, _ = frame(1500, bad_rate=0.05, tiny=0, seed=21)
    fit = fit_reference(from_reference(reference), reference)
    window, _ = frame(300, seed=4, tiny=3)
    x = fit.inputs.encode(window)
    assert np.isnan(x[:3, FEATURES.index("channel")]).all()
    report = fit.detector.test(x)
    assert 0 <= report.p_values["channel"] <= 1


def test_a_links_time_leaves_later_calls_and_feedback_out(engine):
    from datetime import UTC, datetime, timedelta
    rows, right = frame(400, seed=8)
    store_cases(engine, rows, right)  # 400 predictions with verdicts, made now
    now, write = datetime.now(UTC), LogWrite()
    for i in range(80):  # every caller's traffic two hours ago
        write.rows.append(log_row(model="loan-desk", request_id=f"old{i}", row_index=0, source="simulate",
                                  time=now - timedelta(hours=2, minutes=i),
                                  inputs={"income": 30000.0 + i, "tenure_months": i, "channel": "web",
                                          "existing_customer": True}, status="ok"))
    store_log(engine, write)
    until = now - timedelta(hours=1)
    linked = model_segments(engine, "loan-desk", features=FEATURES, until=until)
    assert linked.calls == 80 and linked.failing.rows == 0  # the verdicts came after the link's time
    assert linked.basis == "none" and "in all its history up to" in linked.note
    day = model_segments(engine, "loan-desk", features=FEATURES, since=until - timedelta(hours=24), until=until)
    assert day.calls == 80 and " to " in day.note
    latest = model_segments(engine, "loan-desk", features=FEATURES)
    assert latest.calls == 480 and latest.basis == "feedback" and latest.failing.findings[0].label == BAD
