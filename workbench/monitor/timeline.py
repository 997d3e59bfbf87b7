"""Drift, outliers, health and estimated accuracy per window of a model's logged traffic.

`build_timeline` reads per-window counts by the database (`store.traffic_windows`), then one
window's rows at a time, about ``sample_limit`` of them (drawn by the rows' fixed pseudo-random
sample key; ``sampled_rows`` of ``calls`` says how many of how many, and the page says it beside the result). A window with fewer
than ``MIN_ROWS`` rows is marked "too few rows" and not tested: a p-value of 12 rows is noise. Sparse
traffic gets fewer, wider windows (about ``2 * MIN_ROWS`` calls each on average, ``widened``), so that 160
calls over two days are four tested half-days rather than thirty windows of "too few". The
reference is encoded and the detectors fitted once for all windows (`fit_reference`, which the page
caches across visits). Everything returned is plain data (frames, arrays), so the page can cache it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from mds_client import ModelSchema
from workbench.store.request_log import as_time
from workbench.store.traffic import WORKBENCH, time_span
from workbench.store.traffic_windows import window_sample, window_stats

from .drift import MIN_ROWS, Detector, OutlierScorer, correction_text
from .drift_inputs import DriftInputs
from .estimated_accuracy import estimate
from .windows import MAX_WINDOWS, WindowPlan, plan_windows

SOURCES: dict[str, tuple[str, ...] | None] = {"all": None, "workbench": (WORKBENCH,)}
SAMPLE_LIMIT = 1_000  # per window; K-S on 1,000 rows vs the reference sees a shift of 0.15 sd
OUTLIERS_PER_WINDOW = 100
TOO_FEW = "too few rows"


@dataclass
class Timeline:
    plan: WindowPlan | None
    windows: pd.DataFrame
    """window, label, calls, errors, error_rate, mean_latency_ms, sampled_rows (read of ``calls``),
    tested_rows (of those, the answered ones with readable inputs), status, min_p_value, is_drift,
    top_feature, estimated_accuracy, estimated_se"""
    p_values: pd.DataFrame
    """features x windows (window start as columns); NaN where a window was not tested"""
    threshold: float
    correction: str
    method_note: str
    outliers: pd.DataFrame
    """time, window, score, is_outlier, source, request_id"""
    matrices: dict[int, np.ndarray] = field(default_factory=dict)
    """tested window index -> its sampled input matrix (for distributions and the detector server)"""
    reference: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    category_labels: dict[int, list[str]] = field(default_factory=dict)
    """Column index -> the labels of its codes, for categorical and boolean features."""
    widened: bool = False
    """the windows are wider than the span alone would give, so that each holds enough calls to test"""
    calls_span: tuple[datetime, datetime] | None = None
    """the first and the last logged call (the last window ends after the last call, often in the future)"""

    @property
    def empty(self) -> bool:
        return self.windows.empty or int(self.windows["calls"].sum()) == 0


@dataclass
class ReferenceFit:
    """What a model's reference data gives every timeline: its matrix, the drift detector and the outlier
    scorer fitted on it. The reference does not change between visits; the traffic does: the page caches
    this (`workbench.ui.monitor`) and fits again only when the reference data changes."""

    inputs: DriftInputs
    x_ref: np.ndarray
    detector: Detector
    _scorer: OutlierScorer | None = None

    @property
    def scorer(self) -> OutlierScorer:
        """Fitted at its first use (a forest of 100 trees: most of a cold page when there is traffic)."""
        if self._scorer is None:
            self._scorer = OutlierScorer(self.x_ref)
        return self._scorer


def fit_reference(schema: ModelSchema, reference: pd.DataFrame, model: str = "") -> ReferenceFit:
    inputs = DriftInputs.of(schema, model)
    x_ref = inputs.encode(reference)
    return ReferenceFit(inputs, x_ref, Detector(inputs, x_ref))


def _empty(inputs: DriftInputs, threshold: float) -> Timeline:
    return Timeline(None, pd.DataFrame(), pd.DataFrame(), threshold, correction_text(len(inputs.names)),
                    inputs.method_note, pd.DataFrame(), feature_names=inputs.names,
                    category_labels=inputs.category_labels)


def build_timeline(engine: Engine, model: str, schema: ModelSchema, reference: pd.DataFrame, *,
                   source: str = "all", sample_limit: int = SAMPLE_LIMIT, max_windows: int = MAX_WINDOWS,
                   span: tuple[datetime, datetime] | None = None, fitted: ReferenceFit | None = None) -> Timeline:
    """The model's traffic from ``source`` ("all" or "workbench") in windows fitted to its span.

    ``fitted``: the reference already fitted (`fit_reference`); fitted here when not given.
    """
    fit = fitted or fit_reference(schema, reference, model)
    inputs, detector = fit.inputs, fit.detector
    sources = SOURCES[source]
    first, last = span or time_span(engine, model)
    if first is None or last is None:
        return _empty(inputs, detector.threshold)
    plan = plan_windows(first, last, max_windows=max_windows)
    stats = window_stats(engine, model, plan.start, plan.width.total_seconds(), plan.count, sources=sources)
    fitting = max(1, sum(stat.calls for stat in stats) // (2 * MIN_ROWS))
    widened = fitting < plan.count
    if widened:  # one more aggregate query: cheap beside testing windows
        plan = plan_windows(first, last, max_windows=fitting)
        stats = window_stats(engine, model, plan.start, plan.width.total_seconds(), plan.count, sources=sources)
    rows, p_columns, outlier_parts, matrices, to_score = [], {}, [], {}, []
    for k, stat in enumerate(stats):
        start, end = plan.bounds(k)
        row = {"window": start, "label": plan.label(start), "calls": stat.calls, "errors": stat.errors,
               "error_rate": stat.errors / stat.calls if stat.calls else np.nan,
               "mean_latency_ms": stat.mean_latency_ms, "sampled_rows": 0, "tested_rows": 0,
               "status": "no calls", "min_p_value": np.nan, "is_drift": None, "top_feature": "",
               "estimated_accuracy": np.nan, "estimated_se": np.nan}
        rows.append(row)
        if stat.calls == 0:
            continue
        sample = window_sample(engine, model, start, end, limit=sample_limit, total=stat.calls, sources=sources,
                               include_workbench=stat.workbench_calls > 0)
        row["sampled_rows"] = len(sample)
        ok = [i for i, status in enumerate(sample.statuses) if status != "error"]
        guess = estimate(sample.confidences[i] for i in ok)
        if guess is not None:
            row["estimated_accuracy"], row["estimated_se"] = guess.accuracy, guess.standard_error
        matrix, kept = inputs.from_logged([sample.inputs[i] for i in ok])
        row["tested_rows"] = len(matrix)
        if len(matrix) < MIN_ROWS:
            row["status"] = TOO_FEW
            continue
        report = detector.test(matrix)
        row.update(status="drift" if report.is_drift else "no drift", min_p_value=min(report.p_values.values()),
                   is_drift=report.is_drift, top_feature=min(report.p_values, key=report.p_values.__getitem__))
        p_columns[start] = report.p_values
        matrices[k] = matrix
        step = max(1, len(matrix) // OUTLIERS_PER_WINDOW)
        chosen = [ok[kept[i]] for i in range(0, len(matrix), step)]
        to_score.append(matrix[::step])
        outlier_parts.append(pd.DataFrame({"time": [as_time(sample.times[i]) for i in chosen], "window": start,
                                           "source": [sample.sources[i] for i in chosen],
                                           "request_id": [sample.request_ids[i] for i in chosen]}))
    if to_score:  # one call for all windows: the forest's per-call cost is its 100 trees, not the rows
        scores = fit.scorer.score(np.vstack(to_score))
        outlier_parts = [pd.concat([pd.concat(outlier_parts, ignore_index=True), scores], axis=1)]
    p_values = pd.DataFrame(p_columns, index=inputs.names) if p_columns else pd.DataFrame(index=inputs.names)
    outliers = pd.concat(outlier_parts, ignore_index=True) if outlier_parts else pd.DataFrame(
        columns=["score", "is_outlier", "time", "window", "source", "request_id"])
    return Timeline(plan, pd.DataFrame(rows), p_values, detector.threshold, correction_text(len(inputs.names)),
                    inputs.method_note, outliers, matrices, fit.x_ref, inputs.names, inputs.category_labels,
                    widened, (first, last))


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
