"""Accuracy estimated without labels, per window, from the model's own confidence (CBPE-style).

When a classifier's probabilities are calibrated, the chance that its answer is right is the
probability it gave that answer: the expected accuracy of a window is the mean of the maximum
class probability of its rows (NannyML's confidence-based performance estimation, CBPE, in its
simplest form). Its standard error is ``sqrt(sum p(1-p)) / n`` (each row a Bernoulli with
chance ``p``). The estimate is only as good as the calibration: an over-confident model reads
too high. NannyML itself is not used: it pins its own pandas / numpy / scikit-learn ranges and
brings a large dependency tree that conflicts with the app's pins; these lines do what the page needs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

CALIBRATION_NOTE = ("Estimated from the model's confidence: the mean of the probability it gave its answer "
                    "(as NannyML's CBPE does). Right when the model's probabilities are calibrated; an "
                    "over-confident model reads too high. Compare with accuracy from feedback where both exist. "
                    "NannyML itself is not installed: its dependency tree conflicts with the app's pins.")


@dataclass(frozen=True)
class Estimate:
    accuracy: float
    standard_error: float
    rows: int


def estimate(confidences: Iterable[float | None]) -> Estimate | None:
    """Expected accuracy of rows with these max-class probabilities; None when no row has one."""
    values = [float(c) for c in confidences if c is not None and math.isfinite(float(c)) and 0 <= float(c) <= 1]
    if not values:
        return None
    n = len(values)
    mean = sum(values) / n
    return Estimate(mean, math.sqrt(sum(p * (1 - p) for p in values)) / n, n)
