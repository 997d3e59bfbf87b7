"""Drift, outliers, health and estimated accuracy per window of a model's logged traffic, over a period.

`build_timeline` takes the period the reader asked for (`windows.PERIODS`: the last hour, day, week,
or the whole history) and cuts it into windows fitted to it (`windows.fit_windows`: widened for
sparse traffic by the median window, never by a burst). It reads per-window counts by the database
(`store.traffic_windows`), then each window's rows:

- **outliers** are scored on every call of the period (up to ``SCORED_LIMIT`` calls; above that on
  a stated pseudo-random sample of that size, each window its share), by the same nearest-neighbour distance to the reference data that
  Predict shows beside an answer (`novelty.NoveltyCheck`): a request Predict called unusual is
  among the strangest here, whatever else arrived in its window;
- **drift** is tested on at most ``sample_limit`` calls of a window (the rows with the smallest fixed
  pseudo-random sample keys, the same on every visit; the page says how many of how many). A
  window with fewer than ``MIN_ROWS`` readable calls is marked "too few rows" and not tested: a
  p-value of 12 rows is noise; so is an accuracy estimate, which is left out too.

The reference is encoded and the detectors fitted once for all windows (`fit_reference`, which the
page caches across visits). Everything returned is plain data (frames, arrays), so the page can cache it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from mds_client import ModelSchema
from workbench.store.batch_traffic import with_batch_span
from workbench.store.request_log import as_time
from workbench.store.traffic import WORKBENCH, time_span
from workbench.store.traffic_windows import WindowStats, window_sample, window_stats

from .drift import MIN_ROWS, Detector, OutlierScorer, correction_text
from .drift_inputs import DriftInputs
from .estimated_accuracy import estimate
from .novelty import NoveltyCheck
from .until import period_until
from .windows import DEFAULT_PERIOD, MAX_WINDOWS, PERIODS, Period, WindowPlan, fit_windows, period_span

SOURCES: dict[str, tuple[str, ...] | None] = {"all": None, "workbench": (WORKBENCH,)}
SAMPLE_LIMIT = 1_000  # drift, per window; K-S on 1,000 rows vs the reference sees a shift of 0.15 sd
SCORED_LIMIT = 20_000  # outliers, per period: every call up to 20,000 (scored in about half a second)
TOO_FEW = "too few rows"
OUTLIER_COLUMNS = ["time", "window", "score", "is_outlier", "source", "request_id"]


@dataclass
class Timeline:
    plan: WindowPlan | None
    windows: pd.DataFrame
    """window, label, calls, errors, error_rate, mean_latency_ms, sampled_rows (read of ``calls``),
    answered_rows (of those, the answered ones with readable inputs), scored_rows (of those, the ones scored
    for outliers: all while the period holds at most ``SCORED_LIMIT`` calls), tested_rows (the ones tested for
    drift: at most ``SAMPLE_LIMIT``), status, min_p_value, is_drift, top_feature, estimated_accuracy,
    estimated_se"""
    p_values: pd.DataFrame
    """features x windows (window start as columns); NaN where a window was not tested"""
    threshold: float
    correction: str
    method_note: str
    outliers: pd.DataFrame
    """time, window, score (distance to the reference data), is_outlier, source, request_id: every scored call"""
    matrices: dict[int, np.ndarray] = field(default_factory=dict)
    """tested window index -> its drift-tested input matrix (for distributions and the detector server)"""
    reference: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    category_labels: dict[int, list[str]] = field(default_factory=dict)
    """Column index -> the labels of its codes, for categorical and boolean features."""
    widened: bool = False
    """the windows are wider than the period alone would give, so that a typical window holds enough calls"""
    calls_span: tuple[datetime, datetime] | None = None
    """the first and the last logged call of the whole history"""
    period: Period = PERIODS[DEFAULT_PERIOD]
    span: tuple[datetime, datetime] | None = None
    """what the period covers: from the first to the last call for the whole history, else up to ``as_of``"""
    as_of: datetime | None = None
    """when the log was read"""
    outlier_threshold: float = float("nan")
    """the distance above which a call is an outlier (99% of the reference lies closer to its own neighbours)"""
    recent_calls: int = 0
    """calls in the window's width just before ``as_of`` (the last 5 minutes, the last 12 hours): the rate now"""

    @property
    def empty(self) -> bool:
        return self.windows.empty or int(self.windows["calls"].sum()) == 0


@dataclass
class ReferenceFit:
    """What a model's reference data gives every timeline: its matrix, the drift detector and the outlier
    checks fitted on it. The reference does not change between visits; the traffic does: the page caches
    this (`workbench.ui.monitor`) and fits again only when the reference data changes."""

    inputs: DriftInputs
    x_ref: np.ndarray
    detector: Detector
    _scorer: OutlierScorer | None = None
    _novelty: NoveltyCheck | None = None

    @property
    def scorer(self) -> OutlierScorer:
        """The isolation forest (alerts' outlier share), fitted at its first use: seconds of imports and 100 trees."""
        if self._scorer is None:
            self._scorer = OutlierScorer(self.x_ref)
        return self._scorer

    @property
    def novelty(self) -> NoveltyCheck:
        """Distance to the k-th nearest reference row, Predict's check. The isolation forest cannot see a value
        beyond the reference's range (alcohol 50 splits like the largest alcohol it learnt, 14.8); a distance can."""
        if self._novelty is None:
            self._novelty = NoveltyCheck.fit(self.x_ref)
        return self._novelty


def fit_reference(schema: ModelSchema, reference: pd.DataFrame, model: str = "") -> ReferenceFit:
    inputs = DriftInputs.of(schema, model)
    x_ref = inputs.encode(reference)
    return ReferenceFit(inputs, x_ref, Detector(inputs, x_ref))


def _empty(inputs: DriftInputs, threshold: float, period: Period, as_of: datetime,
           calls_span: tuple[datetime, datetime] | None = None) -> Timeline:
    return Timeline(None, pd.DataFrame(), pd.DataFrame(), threshold, correction_text(len(inputs.names)),
                    inputs.method_note, pd.DataFrame(columns=OUTLIER_COLUMNS), feature_names=inputs.names,
                    category_labels=inputs.category_labels, period=period, as_of=as_of, calls_span=calls_span)


def _read_limit(calls: int, total: int, sample_limit: int, scored_limit: int) -> int:
    """Rows to read of a window of ``calls``: all of them while the period fits ``scored_limit``, else the
    window's share of it (never fewer than the drift test takes)."""
    return max(1, calls) if total <= scored_limit else max(sample_limit, _score_limit(calls, total, scored_limit) or 0)


def build_timeline(engine: Engine, model: str, schema: ModelSchema, reference: pd.DataFrame, *,
                   source: str = "all", period: Period | str = DEFAULT_PERIOD, now: datetime | None = None,
                   sample_limit: int = SAMPLE_LIMIT, scored_limit: int = SCORED_LIMIT,
                   max_windows: int = MAX_WINDOWS, span: tuple[datetime, datetime] | None = None,
                   fitted: ReferenceFit | None = None, keep: Callable[[list[Any]], Any] | None = None,
                   until: datetime | None = None) -> Timeline:
    """The model's traffic from ``source`` ("all" or "workbench") over ``period``, in windows fitted to it.

    ``span``: the first and last call, when the caller has them; ``fitted``: the reference already fitted
    (`fit_reference`); both read here when not given. ``keep``: given a window's logged inputs, which of them
    to look at (a segment's mask): drift, outliers and the accuracy estimate are then of those calls only;
    calls, errors and latency stay of every call. ``until``: the period ends then instead of now (a link's
    fixed time); calls after it are left out, and the sentences say "in the 24 hours to 05 Dec 14:00".
    """
    fit = fitted or fit_reference(schema, reference, model)
    inputs, detector = fit.inputs, fit.detector
    period = PERIODS[period] if isinstance(period, str) else period
    if until is not None:
        now, period = until, period_until(period, until)
    now = now or datetime.now(UTC)
    sources = SOURCES[source]
    batches = sources is None  # batch-logged rows are every caller's traffic, not the workbench's own calls
    first, last = span or time_span(engine, model)
    if batches:
        first, last = with_batch_span(engine, model, (first, last))
    if until is not None and first is not None and last is not None:
        if first > until:  # every call came after the link's time
            return _empty(inputs, detector.threshold, period, now, calls_span=(first, last))
        last = min(last, until)
    if first is None or last is None:
        return _empty(inputs, detector.threshold, period, now)
    start, end = period_span(period, first, last, now)
    counted: dict[WindowPlan, list[WindowStats]] = {}

    def calls_in(plan: WindowPlan) -> list[int]:  # a rollup query per width tried: a few thousand rows each
        counted[plan] = window_stats(engine, model, plan.start, plan.width.total_seconds(), plan.count,
                                     sources=sources, include_batch=batches)
        return [stat.calls for stat in counted[plan]]

    plan, widened = fit_windows(start, end, calls_in, wanted=2 * MIN_ROWS, at_least=MIN_ROWS,
                                max_windows=max_windows)
    stats = counted[plan]
    total = sum(stat.calls for stat in stats)
    # one range of the log's index: the rate now is over the last window's width, not over the latest window,
    # which may have begun seconds ago (21 s after a burst, its rate read 0.6 calls/s for 10)
    recent = window_stats(engine, model, now - plan.width, plan.width.total_seconds(), 1, sources=sources)[0].calls
    rows, p_columns, matrices, parts, to_score = [], {}, {}, [], []
    for k, stat in enumerate(stats):
        w_start, w_end = plan.bounds(k)
        row = {"window": w_start, "label": plan.label(w_start), "calls": stat.calls, "batch_rows": stat.batch_rows, "errors": stat.errors,
               "error_rate": stat.errors / stat.calls if stat.calls else np.nan,
               "mean_latency_ms": stat.mean_latency_ms, "sampled_rows": 0, "answered_rows": 0, "scored_rows": 0,
               "tested_rows": 0,
               "status": "no calls", "min_p_value": np.nan, "is_drift": None, "top_feature": "",
               "estimated_accuracy": np.nan, "estimated_se": np.nan}
        rows.append(row)
        if stat.calls == 0:
            continue
        sample = window_sample(engine, model, w_start, w_end, total=stat.calls, sources=sources,
                               limit=_read_limit(stat.calls, total, sample_limit, scored_limit),
                               include_workbench=stat.workbench_calls > 0, include_batch=stat.batch_rows > 0)
        row["sampled_rows"] = len(sample)
        ok = [i for i, status in enumerate(sample.statuses) if status != "error"]
        if keep is not None and ok:
            ok = [i for i, inside in zip(ok, keep([sample.inputs[i] for i in ok]), strict=True) if inside]
        matrix, kept = inputs.from_logged([sample.inputs[i] for i in ok])
        keys = [sample.keys[ok[i]] for i in kept] if sample.keys else []
        row["answered_rows"] = len(matrix)
        scored = _first_keys(keys, len(matrix), _score_limit(stat.calls, total, scored_limit))
        row["scored_rows"] = len(scored)
        if len(scored):
            chosen = [ok[kept[i]] for i in scored]
            to_score.append(matrix[scored])
            parts.append(pd.DataFrame({"time": [as_time(sample.times[i]) for i in chosen], "window": w_start,
                                       "source": [sample.sources[i] for i in chosen],
                                       "request_id": [sample.request_ids[i] for i in chosen]}))
        tested = matrix[_first_keys(keys, len(matrix), sample_limit)]
        row["tested_rows"] = len(tested)
        if len(tested) < MIN_ROWS:
            row["status"] = TOO_FEW
            continue
        guess = estimate(sample.confidences[i] for i in ok)
        if guess is not None and guess.rows >= MIN_ROWS:  # the estimate of a handful of calls is noise too
            row["estimated_accuracy"], row["estimated_se"] = guess.accuracy, guess.standard_error
        report = detector.test(tested)
        row.update(status="drift" if report.is_drift else "no drift", min_p_value=min(report.p_values.values()),
                   is_drift=report.is_drift, top_feature=min(report.p_values, key=report.p_values.__getitem__))
        p_columns[w_start] = report.p_values
        matrices[k] = tested
    outliers = pd.DataFrame(columns=OUTLIER_COLUMNS)
    if to_score:  # one call for every window: the reference's distances are computed once per block of rows
        scores, unusual = fit.novelty.unusual(np.vstack(to_score))
        outliers = pd.concat(parts, ignore_index=True).assign(score=scores, is_outlier=unusual)[OUTLIER_COLUMNS]
    p_values = pd.DataFrame(p_columns, index=inputs.names) if p_columns else pd.DataFrame(index=inputs.names)
    return Timeline(plan, pd.DataFrame(rows), p_values, detector.threshold, correction_text(len(inputs.names)),
                    inputs.method_note, outliers, matrices, fit.x_ref, inputs.names, inputs.category_labels,
                    widened, (first, last), period, (start, end), now,
                    fit.novelty.threshold if to_score else float("nan"), recent)


def _score_limit(calls: int, total: int, scored_limit: int) -> int | None:
    """Rows of a window of ``calls`` to score for outliers: all of them (None) while the period fits
    ``scored_limit``, else the window's share of it."""
    return None if total <= scored_limit else max(1, math.ceil(scored_limit * calls / total))


def _first_keys(keys: list[int], n: int, limit: int | None) -> np.ndarray:
    """Positions of at most ``limit`` of ``n`` rows, in time order: those with the smallest sample keys (a
    pseudo-random choice, the same on every visit), or all of them."""
    if limit is None or n <= limit:
        return np.arange(n)
    if len(keys) != n:
        return np.arange(limit)
    return np.sort(np.argsort(np.asarray(keys), kind="stable")[:limit])


@dataclass(frozen=True)
class TrafficSummary:
    """The period's calls as the request log holds them, each number with the span it covers."""

    calls: int
    errors: int
    mean_latency_ms: float | None
    recent_rate: float | None
    """Calls per second over the last ``recent`` before the page read the log."""
    recent: timedelta | None
    """One window's width: the last 5 minutes of the last hour, the last 12 hours of three days."""
    batch_rows: int = 0
    """Of ``calls``, rows scored in batches (the batch log) that no logger reported."""


def traffic_summary(timeline: Timeline) -> TrafficSummary:
    """Calls, errors, mean latency of the period, and the rate over its last window's width (not over the whole
    period: three days of 500 calls read 0.002 calls/s while a simulation sends 10 a second)."""
    w = timeline.windows
    calls, errors = int(w["calls"].sum()), int(w["errors"].sum())
    batch = int(w["batch_rows"].sum()) if "batch_rows" in w else 0
    called = w["calls"] - w["batch_rows"] if "batch_rows" in w else w["calls"]  # batch rows have no latency
    timed = w["mean_latency_ms"].notna() & (called > 0)
    latency = (float((w["mean_latency_ms"][timed] * called[timed]).sum() / called[timed].sum())
               if timed.any() else None)
    width = timeline.plan.width if timeline.plan is not None else None
    rate = timeline.recent_calls / width.total_seconds() if width else None
    return TrafficSummary(calls, errors, latency, rate, width, batch)


def ranked_features(timeline: Timeline) -> list[str]:
    """Features from most to least drifted: smallest p-value over the tested windows first."""
    if timeline.p_values.empty or timeline.p_values.shape[1] == 0:
        return []
    return timeline.p_values.min(axis=1).sort_values(kind="stable").index.tolist()


def sustained_drift(timeline: Timeline, run: int = 2) -> dict[str, int]:
    """Features under the threshold in at least ``run`` consecutive tested windows -> their longest run.

    Each window is tested at 5%: over 24 windows about one crosses the line by chance, so one
    crossing is a thing to watch and a run of them is drift to act on. Ranked, longest run first.
    """
    found: dict[str, int] = {}
    below = timeline.p_values.lt(timeline.threshold)
    for name, flags in below.iterrows():
        longest = current = 0
        for flag in flags:
            current = current + 1 if flag else 0
            longest = max(longest, current)
        if longest >= run:
            found[str(name)] = longest
    return dict(sorted(found.items(), key=lambda item: (-item[1], timeline.p_values.loc[item[0]].min())))
