"""A model's segments from the store: its feedback verdicts (or its logged confidence) and its recent calls.

`model_segments` reads what `segments` needs and says in one sentence what it looked at, or why it found
no slice: accuracy comes from feedback verdicts when there are at least ``MIN_VERDICTS`` of them (given
in the period), else from the confidence the model logged with its answers (estimated accuracy), else
there is none to compare; drift compares the period's calls with the reference data. At most
``TRAFFIC_LIMIT`` calls are read (a fixed pseudo-random sample of the period, stated). Rows scored in batches
(the batch log) count as calls here, as in Monitor's drift and outliers: they are inputs the model answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from workbench.feedback.metrics import FeedbackFilter, feedback_frame
from workbench.store.batch_traffic import with_batch_span
from workbench.store.traffic import time_span
from workbench.store.traffic_windows import window_sample, window_stats
from workbench.time_text import when

from .segments import MIN_ROWS, TOP, Finding, Scan, Segment, drifting_segments, failing_segments, slice_table

MIN_VERDICTS = 2 * MIN_ROWS  # a slice of MIN_ROWS verdicts needs as many outside it
TRAFFIC_LIMIT = 50_000


@dataclass(frozen=True)
class SegmentReport:
    model: str
    since: datetime | None
    basis: str
    """"feedback", "estimated" (from the model's confidence) or "none"."""
    failing: Scan
    drifting: Scan | None
    """None without reference data."""
    note: str
    """What was looked at, or why no slice's accuracy could be judged, in one or two sentences."""
    calls: int = 0
    """Calls logged in the period (``drifting.rows`` of them were read)."""
    batch_rows: int = 0
    """Of ``calls``, rows scored in batches (the batch log) that no logger reported."""

    def as_json(self) -> dict[str, Any]:
        def finding(f: Finding) -> dict[str, Any]:
            return {"segment": f.label, "rows": f.rows, "value": f.value, "interval": [f.low, f.high],
                    "baseline": f.baseline, "why": f.reason,
                    "conditions": [{k: v for k, v in vars(c).items() if v not in (None, False)}
                                   for c in f.segment.conditions]}
        return {"model": self.model, "since": self.since.isoformat() if self.since else None, "basis": self.basis,
                "note": self.note, "accuracy": {"rows": self.failing.rows, "overall": self.failing.overall,
                                                "slices_checked": self.failing.checked,
                                                "segments": [finding(f) for f in self.failing.findings]},
                "drift": None if self.drifting is None else {
                    "calls": self.calls, "batch_rows": self.batch_rows, "read": self.drifting.rows, "slices_checked": self.drifting.checked,
                    "segments": [finding(f) for f in self.drifting.findings]}}


def _table(inputs: list[Any]) -> tuple[pd.DataFrame, np.ndarray]:
    """The dict inputs as a frame, and which of ``inputs`` they were (a tensor or a list has no columns)."""
    kept = np.array([isinstance(i, dict) for i in inputs], dtype=bool)
    return pd.DataFrame([i for i in inputs if isinstance(i, dict)]), kept


def in_segment(frame: pd.DataFrame, segment: Segment, column: str = "inputs") -> pd.DataFrame:
    """The rows of a frame of logged cases (an ``inputs`` dict each, as Feedback review reads them) in ``segment``."""
    return frame if frame.empty else frame[segment_keep(segment)(list(frame[column]))]


def segment_keep(segment: Segment) -> Callable[[list[Any]], np.ndarray]:
    """For `timeline.build_timeline`'s ``keep``: which of a window's logged inputs are in ``segment``."""
    def keep(inputs: list[Any]) -> np.ndarray:
        table, kept = _table(inputs)
        mask = np.zeros(len(inputs), dtype=bool)
        mask[np.flatnonzero(kept)] = segment.mask(table)
        return mask
    return keep


def feedback_segments(votes: pd.DataFrame, *, top: int = TOP) -> Scan:
    """The slices of a frame of feedback (`feedback_frame`'s) whose verdicts are surely worse than the rest's."""
    judged = votes[votes["verdict"].isin(["correct", "wrong"])] if not votes.empty else votes
    if judged.empty:
        return Scan([], 0, 0)
    rows, kept = _table(list(judged["inputs"]))
    return failing_segments(rows, (judged["verdict"] == "correct").to_numpy(dtype=float)[kept], top=top)


def model_segments(engine: Engine, model: str, *, features: list[str] | None = None,
                   reference: pd.DataFrame | None = None, since: datetime | None = None,
                   now: datetime | None = None, traffic_limit: int = TRAFFIC_LIMIT, top: int = TOP,
                   until: datetime | None = None) -> SegmentReport:
    """Where ``model`` fails (accuracy) and where its traffic moved (drift) since ``since`` (all history: None),
    up to ``until`` (a link's fixed time; None: now)."""
    now = now or datetime.now(UTC)
    votes = feedback_frame(engine, FeedbackFilter(model=model, since=since, until=until))
    judged = votes[votes["verdict"].isin(["correct", "wrong"])] if not votes.empty else votes
    rows, kept = _table(list(judged["inputs"])) if not judged.empty else (pd.DataFrame(), np.zeros(0, bool))
    right = (judged["verdict"] == "correct").to_numpy()[kept] if len(kept) else np.zeros(0)
    calls, batch_rows, traffic, confidence = _traffic(engine, model, since, now, traffic_limit, until)
    names = features or _features(reference, rows, traffic)
    period = f"since {when(since)} UTC" if since else "in all its history"
    if until is not None:
        period = (f"from {when(since)} to {when(until)} UTC" if since else f"in all its history up to {when(until)} UTC")
    known_conf = int(np.isfinite(confidence).sum())
    # the calls are coded by slice once, for the estimated accuracy and the drift alike
    sliced = slice_table(traffic, names, reference) if reference is not None and len(traffic) else None
    if len(rows) >= MIN_VERDICTS:
        basis, failing = "feedback", failing_segments(rows, right.astype(float), features=names, reference=reference,
                                                       top=top)
        note = f"Accuracy from {len(rows):,} feedback verdicts {period}, slice by slice."
    elif known_conf >= MIN_VERDICTS:
        basis = "estimated"
        failing = failing_segments(traffic, confidence, estimated=True, features=names, reference=reference,
                                   top=top, sliced=sliced)
        note = (f"Only {len(rows):,} feedback verdicts {period} ({MIN_VERDICTS} needed), so accuracy is estimated "
                f"from the confidence the model gave its answers, on {known_conf:,} calls.")
    else:
        basis, failing = "none", Scan([], 0, 0, None, names)
        note = (f"No segments where {model} fails: it has {len(rows):,} feedback verdicts {period} "
                f"({MIN_VERDICTS} are needed to compare slices) and {known_conf:,} logged calls with a confidence "
                "to estimate accuracy from (a regression model, or a server that returns no class probabilities, "
                "logs none). Give feedback under a prediction (Predict, tab Feedback, or mds feedback).")
    drifting = None if reference is None else drifting_segments(traffic, reference, features=names, top=top,
                                                                sliced=sliced)
    if batch_rows:
        note += (f" The {calls:,} calls {period} include {batch_rows:,} rows scored in batches: they count for "
                 "segments as for drift and outliers.")
    return SegmentReport(model, since, basis, failing, drifting, note, calls, batch_rows)


def _features(reference: pd.DataFrame | None, rows: pd.DataFrame, traffic: pd.DataFrame) -> list[str]:
    """Without a schema: the inputs callers send, in the reference's order (its target column is no input)."""
    sent = [str(c) for c in rows.columns.union(traffic.columns, sort=False)]
    if reference is None:
        return sent
    both = [str(c) for c in reference.columns if c in set(sent)]
    return both or [str(c) for c in reference.columns]


def _traffic(engine: Engine, model: str, since: datetime | None, now: datetime,
             limit: int, until: datetime | None = None) -> tuple[int, int, pd.DataFrame, np.ndarray]:
    """(calls in the period, of them rows scored in batches, the answered calls read as a frame, their confidence:
    NaN where none was logged). ``until``: calls after it are left out."""
    first, last = with_batch_span(engine, model, time_span(engine, model))
    if first is None or last is None or (since is not None and since > last) or (until is not None and first > until):
        return 0, 0, pd.DataFrame(), np.zeros(0)
    # a second around the ends: a time read back through a datetime (microseconds) can land just past the
    # stored float, and lose the first or the last call; a link's time is the end itself
    start = since or first - timedelta(seconds=1)
    end = until if until is not None else max(now, last) + timedelta(seconds=1)
    stat = window_stats(engine, model, start, (end - start).total_seconds(), 1, include_batch=True)[0]
    calls = stat.calls
    if not calls:
        return 0, 0, pd.DataFrame(), np.zeros(0)
    sample = window_sample(engine, model, start, end, limit=limit, total=calls, include_batch=stat.batch_rows > 0)
    answered = [i for i, status in enumerate(sample.statuses) if status != "error"]
    table, kept = _table([sample.inputs[i] for i in answered])
    confidence = np.array([np.nan if sample.confidences[i] is None else float(sample.confidences[i])
                           for i in answered], dtype=float)[kept]
    return calls, stat.batch_rows, table, confidence
