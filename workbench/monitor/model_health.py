"""A model's health per fixed window, for alerting: what Monitor computes, on windows Prometheus can follow.

Monitor fits its windows to the span a person looks at; alert rules need windows that stand still. Here a
window is ``[k * width, (k + 1) * width)`` since the epoch (UTC), and three are measured per model:

- ``last``: the last complete window; ``previous``: the one before it. Calls, errors, p95 latency
  (of a sample), drift (the smallest p-value and the number of drifting features, with Monitor's
  Bonferroni threshold), the outlier share (Monitor's isolation forest), accuracy estimated from
  confidence, and analyst feedback on the answers of that window;
- ``recent``: the ``history`` windows up to the last one: calls, errors and feedback (verdicts come
  slowly: a window alone rarely has enough of them).

Plus ``usual_calls`` (the median of calls per window over ``recent`` before ``last``, simulated calls left out:
a simulation, the demo's live drift included, that ends is no outage, so it never makes ``ModelNoTraffic``
fire; real callers' calls count as before) and the
``reference_accuracy`` the model's card states: its mean confidence on held-out data at training time (the
same estimate, so an uncalibrated model is compared like for like), else its accuracy there.

Cost: a complete window's drift, outliers and estimate are computed once (`HealthMonitor` keeps them
by model and window start) and again only if the window was measured before its late events could
arrive (``SETTLE``); the detectors are fitted once per reference data. A refresh in between reads
counts and feedback only.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from mds_client import MDSError, ModelRef, ModelSchema
from workbench.errors import WorkbenchError
from workbench.feedback import metrics as feedback_metrics
from workbench.store.traffic import SIMULATED
from workbench.store.traffic_windows import window_sample, window_stats

from .drift import MIN_ROWS
from .estimated_accuracy import estimate
from .timeline import SAMPLE_LIMIT, ReferenceFit, fit_reference

log = logging.getLogger(__name__)

WINDOWS = ("last", "previous", "recent")
DEFAULT_WINDOW_SECONDS = 3600.0
DEFAULT_HISTORY = 24
SETTLE = timedelta(seconds=10)
"""A window measured sooner than this after its end is measured again: its last calls may still be arriving."""


@dataclass(frozen=True)
class WindowHealth:
    """One window of one model; None where a number could not be measured (too few rows, no confidence)."""

    start: datetime
    end: datetime
    calls: int = 0
    errors: int = 0
    latency_p95_seconds: float | None = None
    tested_rows: int = 0
    min_p_value: float | None = None
    drifting_features: int | None = None
    top_feature: str = ""
    outlier_ratio: float | None = None
    estimated_accuracy: float | None = None
    feedback_verdicts: int = 0
    feedback_correct: int = 0

    @property
    def error_ratio(self) -> float | None:
        return self.errors / self.calls if self.calls else None

    @property
    def feedback_accuracy(self) -> float | None:
        return self.feedback_correct / self.feedback_verdicts if self.feedback_verdicts else None

    @property
    def feedback_coverage(self) -> float | None:
        return min(1.0, self.feedback_verdicts / self.calls) if self.calls else None


@dataclass(frozen=True)
class ModelHealth:
    model: str
    window_seconds: float
    last: WindowHealth
    previous: WindowHealth
    recent: WindowHealth
    usual_calls: float
    reference_accuracy: float | None
    computed_at: datetime
    problem: str = ""
    """Why drift and outliers are not measured for this model (no reference data, no schema...), or ""."""

    def window(self, name: str) -> WindowHealth:
        return {"last": self.last, "previous": self.previous, "recent": self.recent}[name]


def window_end(now: datetime, width: timedelta) -> datetime:
    """The end of the last complete window at ``now`` (a whole multiple of ``width`` since the epoch)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((now - epoch) // width) * width


def reference_accuracy(ref: ModelRef) -> float | None:
    """The accuracy to compare each window's estimate with: the card's ``metrics.mean_confidence`` (the same
    estimate on held-out data at training time, like for like), else its ``metrics.accuracy``."""
    metrics = (ref.card.get("metrics") or {}) if isinstance(ref.card, dict) else {}
    for key in ("mean_confidence", "accuracy"):
        try:
            value = float(metrics[key])
        except (KeyError, TypeError, ValueError):
            continue
        if 0.0 <= value <= 1.0:
            return value
    return None


@dataclass(frozen=True)
class _Fitted:
    key: tuple[object, ...]
    fit: ReferenceFit | None
    problem: str
    retry: bool


@dataclass(frozen=True)
class _Measured:
    """The costly part of a window, kept by (model, start)."""

    health: WindowHealth
    at: datetime
    reference_key: tuple[object, ...]


class HealthMonitor:
    """Measures every model's health; `refresh` is what the exporter calls on its clock, never per scrape.

    ``models`` lists the models (the configured discovery); ``schema_of`` gives a model's schema
    (None when it has none). Both are called on each refresh; they may raise `WorkbenchError`s /
    `MDSError`s, which leave that model out until the next refresh.
    """

    def __init__(self, engine: Engine, models: Callable[[], list[ModelRef]],
                 schema_of: Callable[[ModelRef], ModelSchema | None], *,
                 reference_of: Callable[[ModelRef], pd.DataFrame | None],
                 window_seconds: float = DEFAULT_WINDOW_SECONDS, history: int = DEFAULT_HISTORY,
                 sample_limit: int = SAMPLE_LIMIT) -> None:
        if window_seconds <= 0 or history < 2:
            raise ValueError("the health window must be positive and the history at least 2 windows")
        self.engine, self.models, self.schema_of, self.reference_of = engine, models, schema_of, reference_of
        self.width = timedelta(seconds=window_seconds)
        self.history, self.sample_limit = history, sample_limit
        self._fits: dict[str, _Fitted] = {}
        self._measured: dict[tuple[str, datetime], _Measured] = {}

    # -- one refresh ------------------------------------------------------------------------------

    def refresh(self, now: datetime | None = None) -> dict[str, ModelHealth]:
        now = now or datetime.now(UTC)
        end = window_end(now, self.width)
        out: dict[str, ModelHealth] = {}
        try:
            refs = self.models()
        except MDSError as exc:  # no catalog yet (the embedded MDS writes it once every server is up)
            log.warning("no models to measure: %s", exc)
            return out
        for ref in refs:
            try:
                out[ref.name] = self.model_health(ref, end, now)
            except MDSError as exc:  # one model that cannot be read must not blank the others
                log.warning("health of %s not measured: %s", ref.name, exc)
        # What no refresh will ask again: windows older than the previous one.
        oldest = end - 2 * self.width
        self._measured = {k: v for k, v in self._measured.items() if k[1] >= oldest}
        return out

    def model_health(self, ref: ModelRef, end: datetime, now: datetime) -> ModelHealth:
        width = self.width
        start = end - self.history * width
        stats = window_stats(self.engine, ref.name, start, width.total_seconds(), self.history)
        if any(s.calls >= MIN_ROWS for s in stats[-2:]):
            fit, key, problem = self._fit(ref)
        else:  # nothing to test: no fitting (categorical features import alibi-detect, seconds of CPU)
            cached = self._fits.get(ref.name)
            fit, key, problem = None, ("idle",), cached.problem if cached else _reference_problem(ref)
        last = self._window(ref.name, fit, key, end - width, end, stats[-1], now)
        previous = self._window(ref.name, fit, key, end - 2 * width, end - width, stats[-2], now)
        votes = self._votes(ref.name, start, end)
        recent = WindowHealth(start, end, calls=sum(s.calls for s in stats), errors=sum(s.errors for s in stats),
                              **_verdicts(votes, start, end))
        last = replace(last, **_verdicts(votes, last.start, last.end))
        previous = replace(previous, **_verdicts(votes, previous.start, previous.end))
        simulated = window_stats(self.engine, ref.name, start, width.total_seconds(), self.history,
                                 include_workbench=False, sources=(SIMULATED,))
        usual = float(statistics.median(s.calls - m.calls for s, m in zip(stats[:-1], simulated[:-1], strict=True)))
        return ModelHealth(ref.name, width.total_seconds(), last, previous, recent, usual, reference_accuracy(ref),
                           now, problem)

    # -- parts ------------------------------------------------------------------------------------

    def _fit(self, ref: ModelRef) -> tuple[ReferenceFit | None, tuple[object, ...], str]:
        """The detectors fitted on the model's reference data; fitted again only when that file changes
        (or, while the model gave no schema, at every refresh: its server may be starting)."""
        path = ref.reference_data
        try:
            mtime = Path(path).stat().st_mtime if path else None
        except OSError:
            mtime = None
        cached = self._fits.get(ref.name)
        if cached is not None and cached.key[:2] == (path, mtime) and not cached.retry:
            return cached.fit, cached.key, cached.problem
        fit, problem, retry = None, _reference_problem(ref), False
        if not problem:
            schema = self.schema_of(ref)
            reference = self.reference_of(ref)
            if schema is None or schema.is_empty:
                problem, retry = "no schema yet (the model did not describe its inputs)", True
            elif reference is None or reference.empty:
                problem = f"the reference data {path} cannot be read"
            else:
                try:
                    fit = fit_reference(schema, reference, ref.name)
                except WorkbenchError as exc:
                    problem = str(exc)
        key = (path, mtime, fit is not None)
        self._fits[ref.name] = _Fitted(key, fit, problem, retry)
        return fit, key, problem

    def _window(self, model: str, fit: ReferenceFit | None, key: tuple[object, ...], start: datetime,
                end: datetime, stat: object, now: datetime) -> WindowHealth:
        calls, errors = int(stat.calls), int(stat.errors)  # type: ignore[attr-defined]
        cached = self._measured.get((model, start))
        if cached is not None and cached.reference_key == key and cached.at >= end + SETTLE \
                and cached.health.calls == calls:
            return cached.health
        health = self._measure(model, fit, start, end, calls, errors, stat.workbench_calls)  # type: ignore[attr-defined]
        self._measured[(model, start)] = _Measured(health, now, key)
        return health

    def _measure(self, model: str, fit: ReferenceFit | None, start: datetime, end: datetime, calls: int,
                 errors: int, workbench_calls: int) -> WindowHealth:
        health = WindowHealth(start, end, calls=calls, errors=errors)
        if calls == 0:
            return health
        sample = window_sample(self.engine, model, start, end, limit=self.sample_limit, total=calls,
                               include_workbench=workbench_calls > 0)
        ok = [i for i, status in enumerate(sample.statuses) if status != "error"]
        latencies = [sample.latencies_ms[i] for i in ok if sample.latencies_ms[i] is not None]
        p95 = float(np.percentile(latencies, 95)) / 1000.0 if latencies else None
        guess = estimate(sample.confidences[i] for i in ok)
        health = replace(health, latency_p95_seconds=p95, estimated_accuracy=guess.accuracy if guess else None)
        if fit is None:
            return health
        matrix, _kept = fit.inputs.from_logged([sample.inputs[i] for i in ok])
        health = replace(health, tested_rows=len(matrix))
        if len(matrix) < MIN_ROWS:
            return health
        report = fit.detector.test(matrix)
        smallest = min(report.p_values, key=report.p_values.__getitem__)
        outliers = fit.scorer.score(matrix)["is_outlier"]
        return replace(health, min_p_value=float(report.p_values[smallest]), drifting_features=len(report.drifted),
                       top_feature=smallest, outlier_ratio=float(outliers.mean()))

    def _votes(self, model: str, start: datetime, end: datetime) -> pd.DataFrame:
        # A verdict is given after the answer it judges: verdicts given since the span began cover it.
        frame = feedback_metrics.feedback_frame(self.engine, feedback_metrics.FeedbackFilter(model=model, since=start))
        if frame.empty:
            return frame
        return frame[frame["verdict"].isin(["correct", "wrong"])]


def _reference_problem(ref: ModelRef) -> str:
    path = ref.reference_data
    if path is None:
        return "no reference data in the catalog (reference_data:), so drift and outliers are not measured"
    if not Path(path).exists():
        return f"the reference data {path} is missing, so drift and outliers are not measured"
    return ""


def _verdicts(votes: pd.DataFrame, start: datetime, end: datetime) -> dict[str, int]:
    """Right/wrong verdicts on the answers given in ``[start, end)``."""
    if votes.empty:
        return {"feedback_verdicts": 0, "feedback_correct": 0}
    when = votes["predicted_at"]
    inside = votes[(when >= pd.Timestamp(start)) & (when < pd.Timestamp(end))]
    return {"feedback_verdicts": len(inside), "feedback_correct": int((inside["verdict"] == "correct").sum())}


def finite(value: float | None) -> float | None:
    """None for a missing or non-finite number (what the exporter leaves out rather than writes as NaN)."""
    return value if value is not None and math.isfinite(value) else None
