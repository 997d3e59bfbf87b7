"""Where a model fails: the slices of its inputs where accuracy is worst and where traffic moved most.

A slice is one feature's range or category, or two together (`segment_slices`). For each slice:

- **accuracy**: from feedback verdicts (right or wrong per row) with a Wilson interval, or, without
  verdicts, estimated from the model's confidence (mean top-class probability, +- z standard errors:
  `estimated_accuracy`);
- **drift**: its share of recent traffic against its share of the reference data, with Newcombe's
  interval of the difference (built from the two Wilson intervals).

Thousands of slices are checked, so at 95% one in twenty would look bad by chance: each interval is
widened for the number of slices checked (Bonferroni), and a slice is listed only when its whole
interval is below the overall accuracy (or its share moved by at least ``MIN_SHIFT``) and it holds at
least ``MIN_ROWS`` rows: three wrong rows are never "a failure". A pair is listed only when it is
worse than each of its two slices alone, so one bad slice does not come back paired with every
feature. Plain data in (frames, arrays), plain data out (`Scan`); the reads are in `segment_reads`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .segment_coding import SlicedTable, cell_counts, segment_of, slice_table
from .segment_slices import Condition, Segment, parse_segment, wilson, z_for

__all__ = ["Condition", "Finding", "Scan", "Segment", "SlicedTable", "drifting_segments", "failing_segments",
           "parse_segment", "slice_table"]

MIN_ROWS = 30  # as feedback accuracy: fewer verdicts than this are not a figure
MIN_SHIFT = 0.02  # a drift finding moved at least 2 points of traffic share, however large the sample
TOP = 10
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Finding:
    segment: Segment
    kind: str
    """"accuracy" (accuracy below the overall) or "drift" (share of traffic moved)."""
    rows: int
    """Rows of the slice: verdicts or calls (accuracy), recent calls (drift)."""
    value: float
    """Its accuracy, or its share of recent traffic."""
    low: float
    high: float
    """The interval of its accuracy, or of its share's change (recent - reference), widened for the slices checked."""
    baseline: float
    """The overall accuracy, or the slice's share of the reference data."""
    reason: str

    @property
    def label(self) -> str:
        return self.segment.label


@dataclass(frozen=True)
class Scan:
    findings: list[Finding]
    rows: int
    """Rows looked at: verdicts or calls (accuracy), recent calls (drift)."""
    checked: int
    """Slices large enough to judge; every interval is widened for this many."""
    overall: float | None = None
    """Accuracy of all the rows (accuracy scans)."""
    features: list[str] = field(default_factory=list)


def _pct(x: float) -> str:
    return f"{x:.1%}" if abs(x) < 0.1 else f"{x:.0%}"


def failing_segments(rows: pd.DataFrame, outcome: Sequence[float] | np.ndarray, *, estimated: bool = False,
                     features: Sequence[str] | None = None, reference: pd.DataFrame | None = None,
                     min_rows: int = MIN_ROWS, top: int = TOP, sliced: SlicedTable | None = None) -> Scan:
    """The slices of ``rows`` whose accuracy is surely below the overall one, worst first.

    ``outcome``: per row 1 (right) or 0 (wrong) from feedback (under 0.5 counts as wrong), or with ``estimated`` the model's confidence in
    its answer (0 to 1); rows whose outcome is missing are left out. ``reference`` gives the numbers' bin edges.
    ``sliced``: `slice_table` of the same rows, features and reference, shared with `drifting_segments` (used
    when every outcome is known; else the known rows are sliced again).
    """
    y = pd.to_numeric(pd.Series(np.asarray(outcome, dtype=object)), errors="coerce").to_numpy(dtype=float)
    if len(y) != len(rows):
        raise ValueError("rows and outcome differ in length")
    known = ~np.isnan(y) & (y >= 0) & (y <= 1)
    if not known.all() or (sliced is not None and sliced.rows != len(rows)):
        sliced = None
        rows, y = rows.loc[known].reset_index(drop=True), y[known]
    n = len(y)
    names = list(features) if features is not None else [str(c) for c in rows.columns]
    if n < 2 * min_rows:  # a slice of min_rows needs rows outside it to be worse than
        return Scan([], n, 0, float(y.mean()) if n else None, names)
    overall = float(y.mean())
    table = sliced or slice_table(rows, names, reference)
    sliced, counts = table.features, table.counts()
    if estimated:
        totals = [t for _, t in cell_counts(sliced, weights=y)]
        spreads = [v for _, v in cell_counts(sliced, weights=y * (1 - y))]
    else:  # right = all - wrong, and the wrong rows are the few: one pass over them only
        wrong = [w for _, w in cell_counts(sliced, rows=np.flatnonzero(y < 0.5))]
        totals = [c - w for (_, c), w in zip(counts, wrong, strict=True)]
        spreads = [np.zeros(len(c)) for _, c in counts]
    tallies = [(which, c, t, v) for (which, c), t, v in zip(counts, totals, spreads, strict=True)]
    checked = sum(int(((c >= min_rows) & (c < n)).sum()) for _, c, _, _ in tallies)
    z = z_for(checked, CONFIDENCE)
    single = {which[0]: np.divide(t, c, out=np.full(len(c), np.nan), where=c > 0)
              for which, c, t, _ in tallies if len(which) == 1}
    found = []
    for which, count, total, spread in tallies:
        cand = np.flatnonzero((count >= min_rows) & (count < n))
        if not len(cand):
            continue
        acc = total[cand] / count[cand]
        if estimated:
            se = np.sqrt(spread[cand]) / count[cand]
            lo, hi = np.clip(acc - z * se, 0, 1), np.clip(acc + z * se, 0, 1)
        else:
            lo, hi = wilson(total[cand], count[cand], z)
        keep = hi < overall
        if len(which) == 2:
            k = len(sliced[which[1]].conditions)
            parents = np.fmin(single[which[0]][cand // k], single[which[1]][cand % k])
            keep &= hi < parents
        for i in np.flatnonzero(keep):
            found.append((overall - hi[i], which, int(cand[i]), int(count[cand[i]]), acc[i], lo[i], hi[i]))
    found.sort(key=lambda f: (-f[0], f[3]))
    findings = [Finding(seg := segment_of(sliced, which, cell), "accuracy", size, float(a), float(lo), float(hi),
                        overall, _accuracy_reason(seg, size, a, lo, hi, overall, estimated))
                for _, which, cell, size, a, lo, hi in found[:top]]
    return Scan(findings, n, checked, overall, names)


def _accuracy_reason(seg: Segment, size: int, acc: float, lo: float, hi: float, overall: float,
                     estimated: bool) -> str:
    what = (f"Expected {_pct(acc)} right from the model's own confidence" if estimated else f"{_pct(acc)} right")
    unit = "calls" if estimated else "verdicts"
    text = (f"{what} on {size:,} {unit} (interval {_pct(lo)} to {_pct(hi)}) against {_pct(overall)} overall: "
            "even the top of its interval is below the model's accuracy.")
    if len(seg.conditions) == 2:
        text += " Worse than either of its two parts alone."
    return text


def drifting_segments(recent: pd.DataFrame, reference: pd.DataFrame, *, features: Sequence[str] | None = None,
                      min_rows: int = MIN_ROWS, top: int = TOP, sliced: SlicedTable | None = None) -> Scan:
    """The slices whose share of ``recent`` traffic moved furthest from their share of ``reference``, surely.

    ``sliced``: `slice_table(recent, features, reference)`, shared with `failing_segments`."""
    n1, n0 = len(recent), len(reference)
    names = list(features) if features is not None else [str(c) for c in reference.columns]
    if n1 < min_rows or n0 < min_rows:
        return Scan([], n1, 0, None, names)
    table = sliced if sliced is not None and sliced.rows == n1 else slice_table(recent, names, reference)
    sliced = table.features
    tallies = [(which, now, before) for (which, now), (_, before)
               in zip(table.counts(), cell_counts(sliced, ref=True), strict=True)]
    big = [(which, now, before, np.maximum(now, before * n1 / n0) >= min_rows) for which, now, before in tallies]
    checked = sum(int(b.sum()) for *_, b in big)
    z = z_for(checked, CONFIDENCE)
    shift = {which[0]: np.abs(now / n1 - before / n0) for which, now, before, _ in big if len(which) == 1}
    found = []
    for which, now, before, large in big:
        cand = np.flatnonzero(large)
        if not len(cand):
            continue
        p1, p0 = now[cand] / n1, before[cand] / n0
        l1, u1 = wilson(now[cand], n1, z)
        l0, u0 = wilson(before[cand], n0, z)
        d = p1 - p0
        lo = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
        hi = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
        sure = np.maximum(lo, -hi)
        keep = sure >= MIN_SHIFT
        if len(which) == 2:
            k = len(sliced[which[1]].conditions)
            keep &= sure > np.fmax(shift[which[0]][cand // k], shift[which[1]][cand % k])
        for i in np.flatnonzero(keep):
            found.append((sure[i], which, int(cand[i]), int(now[cand[i]]), p1[i], lo[i], hi[i], p0[i]))
    found.sort(key=lambda f: -f[0])
    findings = [Finding(seg := segment_of(sliced, which, cell), "drift", size, float(p1), float(lo), float(hi),
                        float(p0), _drift_reason(seg, size, n1, p1, p0, sure))
                for sure, which, cell, size, p1, lo, hi, p0 in found[:top]]
    return Scan(findings, n1, checked, None, names)


def _drift_reason(seg: Segment, size: int, n1: int, p1: float, p0: float, sure: float) -> str:
    way = "more" if p1 > p0 else "less"
    return (f"{_pct(p1)} of recent calls ({size:,} of {n1:,}) against {_pct(p0)} of the reference data: at least "
            f"{sure * 100:.0f} points {way} of the traffic than the model learnt from.")
