"""Is the data the model sees still like the data it learned from? Drift and outliers as plain data.

One correction and one threshold for every view of drift: a feature drifts when its p-value is
below ``P_VALUE / n_features`` (Bonferroni; 0.05 / 13 = 0.00385 for 13 features), and a window
drifts when any feature does. That is what alibi-detect's TabularDrift answers for
``drift_type="batch"``, so the catalog's drift detector server (fitted with p_val 0.05) and the
workbench read the same number on the same file; `CORRECTION` says it on the page.

- ``Detector``: TabularDrift fitted once on the reference (K-S per numeric feature,
  chi-squared per categorical one), then asked about any number of windows;
- ``detect_drift``: one window, computed here; ``detect_drift_with_server``: the same question
  to the catalog's drift detector (MLServer's alibi-detect runtime);
- ``outliers``: each row's distance to the reference data (`novelty.NoveltyCheck`, as on Predict), an
  outlier when farther than 99% of the reference lies from itself;
- ``OutlierScorer``: alibi-detect's isolation forest, its threshold set so that 5% of reference rows
  would be flagged (the alerts' outlier share). It cannot see a value beyond the reference's range
  (alcohol 50 splits like the largest alcohol it learnt), which is why the pages use the distance.

alibi_detect is imported inside the functions (seconds of import time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mds_client import MDSClient, ModelRef, ModelSchema
from workbench.errors import DriftError

from .drift_inputs import DriftInputs
from .novelty import NoveltyCheck

P_VALUE = 0.05
MIN_ROWS = 20


def threshold_for(n_features: int, p_val: float = P_VALUE) -> float:
    """The per-feature p-value under which a feature drifts (Bonferroni)."""
    return p_val / max(1, n_features)


def correction_text(n_features: int, p_val: float = P_VALUE) -> str:
    if n_features <= 1:
        return f"The feature drifts when its p-value is below {p_val:g}."
    return (f"A feature drifts when its p-value is below {threshold_for(n_features, p_val):.3g} ({p_val:g} shared "
            f"by the {n_features} features tested at once: Bonferroni's correction); a window drifts when any "
            "feature does.")


@dataclass
class DriftReport:
    is_drift: bool
    method: str
    threshold: float
    p_values: dict[str, float]
    distances: dict[str, float]
    n_reference: int
    n_current: int
    source: str = "computed in the workbench"
    drifted: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.is_drift:
            smallest = min(self.p_values.values()) if self.p_values else 1.0
            return (f"No drift detected in {self.n_current} rows: the smallest p-value is {smallest:.3g}, "
                    f"above the threshold {self.threshold:.3g}.")
        names = ", ".join(self.drifted[:5]) + ("..." if len(self.drifted) > 5 else "")
        return (f"Drift detected in {len(self.drifted)} of {len(self.p_values)} features ({names}) "
                f"over {self.n_current} rows.")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "feature": list(self.p_values),
            "p_value": list(self.p_values.values()),
            "distance": [self.distances.get(k, np.nan) for k in self.p_values],
            "drifted": [k in self.drifted for k in self.p_values],
        })


class Detector:
    """Drift of any number of windows against one reference, fitted once.

    All-numeric inputs take the fast path: each reference column is sorted once, and a window's
    two-sample K-S statistic and two-sided asymptotic p-value are computed exactly as
    ``scipy.stats.ks_2samp(..., method="asymp")`` (alibi-detect's KSDrift call) does, without
    re-sorting the reference per window and feature, and searching only the window's points in it
    (`_ks_statistic`; `tests/workbench/monitor` checks equality).
    With categories, alibi-detect's TabularDrift answers (K-S and chi-squared).
    """

    def __init__(self, inputs: DriftInputs, x_ref: np.ndarray, *, p_val: float = P_VALUE) -> None:
        self.inputs, self.n_reference = inputs, len(x_ref)
        self.threshold = threshold_for(x_ref.shape[1], p_val)
        self._sorted: np.ndarray | None = None
        self._detector: Any = None
        if not inputs.categorical:
            # One contiguous row per feature: sorting and searching along a C-order column strides memory.
            self._sorted = np.sort(np.ascontiguousarray(np.asarray(x_ref, dtype=float).T), axis=1)
            return
        # alibi_detect costs seconds of imports: only categorical features need its detector.
        from alibi_detect.cd import TabularDrift

        categories = {i: None for i in inputs.categorical}
        self._detector = TabularDrift(x_ref, p_val=p_val, categories_per_feature=categories,
                                      correction="bonferroni")

    def _scores(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._sorted is None:
            # A category the reference never had is encoded NaN; chi-squared then failed on a zero expected count
            # (one call of 'fax' stopped Monitor): it counts as a category of its own, one the reference lacks.
            x = np.array(x, dtype=float)
            for j, known in self.inputs.categorical.items():
                x[np.isnan(x[:, j]), j] = known
            data = self._detector.predict(x, drift_type="batch", return_p_val=True, return_distance=True)["data"]
            return np.ravel(data["p_val"]), np.ravel(data["distance"])
        # scipy.stats (~0.2 s of imports) only when a drift test runs.
        from scipy.stats import distributions

        ref, cur = self._sorted, np.sort(np.ascontiguousarray(np.asarray(x, dtype=float).T), axis=1)
        n1, n2 = ref.shape[1], cur.shape[1]
        d = np.empty(len(ref))
        for j in range(len(ref)):
            d[j] = _ks_statistic(ref[j], cur[j], n1, n2)
        m, n = max(n1, n2), min(n1, n2)
        p = np.clip(distributions.kstwo.sf(d, np.round(m * n / (m + n))), 0, 1)
        return p, d

    def test(self, x: np.ndarray, *, source: str = "computed in the workbench") -> DriftReport:
        p_vals, dists = self._scores(x)
        names = self.inputs.names
        p_values = {n: float(p) for n, p in zip(names, p_vals, strict=True)}
        distances = {n: float(d) for n, d in zip(names, dists, strict=True)}
        drifted = sorted((n for n, p in p_values.items() if p < self.threshold), key=p_values.__getitem__)
        return DriftReport(bool(drifted), "K-S per numeric feature, chi-squared per category (Bonferroni)",
                           self.threshold, p_values, distances, self.n_reference, len(x), source=source,
                           drifted=drifted)


def _ks_statistic(ref: np.ndarray, cur: np.ndarray, n1: int, n2: int) -> float:
    """``ks_2samp``'s two-sided D of two sorted samples, looking only at the window's points.

    ks_2samp takes ``F_ref - F_cur`` (right-continuous) at every point of both samples. Between two
    window values ``F_cur`` stands still while ``F_ref`` climbs, so that difference is largest just
    before the next window value (``F_ref`` there counts the reference strictly below it) and smallest
    at a window value itself: two searches of the window's n2 points in the reference, not of the
    reference's n1 points in the window. The same counts divided the same way give the same floats.
    """
    below_ref = np.searchsorted(ref, cur, side="left") / n1
    upto_ref = np.searchsorted(ref, cur, side="right") / n1
    upto_cur = _at_or_below(cur)
    below_cur = upto_cur - _run_lengths(cur)
    top = max(0.0, float((below_ref - below_cur / n2).max()))
    bottom = float((upto_cur / n2 - upto_ref).max())
    return max(top, float(np.clip(bottom, 0, 1)))


def _run_lengths(sorted_values: np.ndarray) -> np.ndarray:
    """For each element of a sorted array, the length of its run of equal values."""
    ends = np.r_[sorted_values[1:] != sorted_values[:-1], True]
    stops = np.flatnonzero(ends) + 1
    sizes = np.diff(np.r_[0, stops])
    return np.repeat(sizes, sizes).astype(float)


def _at_or_below(sorted_values: np.ndarray) -> np.ndarray:
    """For each element of a sorted array, how many elements are <= it (ties counted to their run's end)."""
    ends = np.r_[sorted_values[1:] != sorted_values[:-1], True]
    run = np.cumsum(np.r_[0, ends[:-1]])
    return (np.flatnonzero(ends) + 1)[run].astype(float)


def _check_rows(reference: pd.DataFrame | None, n_current: int, model: str) -> None:
    if reference is None or reference.empty:
        raise DriftError(f"Model '{model}' has no reference data to compare with.")
    if n_current < MIN_ROWS:
        raise DriftError(f"Only {n_current} rows to compare for '{model}'; drift needs at least {MIN_ROWS}.")


def detect_drift(
    schema: ModelSchema, reference: pd.DataFrame, current: pd.DataFrame, *, model: str = "", p_val: float = P_VALUE
) -> DriftReport:
    inputs = DriftInputs.of(schema, model)
    _check_rows(reference, len(current), model)
    return Detector(inputs, inputs.encode(reference), p_val=p_val).test(inputs.encode(current))


def detect_drift_with_server(
    client: MDSClient, ref: ModelRef, schema: ModelSchema, current: pd.DataFrame | np.ndarray
) -> DriftReport:
    """Ask the catalog's drift detector (alibi-detect on MLServer) about a window of inputs.

    ``current`` is a frame of the model's columns or an already encoded matrix.
    """
    if ref.drift is None:
        raise DriftError(f"No drift detector is configured for model '{ref.name}'.")
    inputs = DriftInputs.of(schema, ref.name)
    if len(current) < MIN_ROWS:
        raise DriftError(f"Only {len(current)} rows to compare for '{ref.name}'; drift needs at least {MIN_ROWS}.")
    matrix = current if isinstance(current, np.ndarray) else inputs.encode(current)
    body = {"inputs": [{"name": "drift", "shape": list(matrix.shape), "datatype": "FP64",
                        "data": matrix.reshape(-1).tolist()}]}
    outputs = client.predict_body(ref.drift, body, n_rows=1).outputs
    try:
        p_vals = np.ravel(outputs["p_val"]).astype(float)
        distances = np.ravel(outputs["distance"]).astype(float)
        threshold = float(np.ravel(outputs["threshold"])[0])
        is_drift = bool(np.ravel(outputs["is_drift"])[0])
    except KeyError as exc:
        raise DriftError(f"The drift detector of '{ref.name}' did not return {exc}.") from None
    p_values = dict(zip(inputs.names, p_vals.tolist(), strict=False))
    drifted = sorted((n for n, p in p_values.items() if p < threshold), key=p_values.__getitem__)
    return DriftReport(is_drift, "TabularDrift on the drift detector server", threshold, p_values,
                       dict(zip(inputs.names, distances.tolist(), strict=False)), 0, len(matrix),
                       source="drift detector server", drifted=drifted)


class OutlierScorer:
    """Isolation forest fitted once on the reference; ``score`` rates any matrix (higher is stranger)."""

    def __init__(self, x_ref: np.ndarray, *, percentile: float = 95.0, seed: int = 0) -> None:
        # alibi_detect costs seconds of imports: only the outlier view pays for it.
        from alibi_detect.od import IForest

        np.random.seed(seed)  # IForest draws from numpy's global generator: fixed for repeatable scores
        self._detector = IForest(n_estimators=100)
        self._detector.fit(x_ref)
        self._detector.infer_threshold(x_ref, threshold_perc=percentile)

    def score(self, x: np.ndarray) -> pd.DataFrame:
        data: dict[str, Any] = self._detector.predict(x)["data"]
        return pd.DataFrame({"score": np.asarray(data["instance_score"], dtype=float),
                             "is_outlier": np.asarray(data["is_outlier"]).astype(bool)})


def outliers(schema: ModelSchema, reference: pd.DataFrame, current: pd.DataFrame, *, model: str = "",
             percentile: float = 99.0) -> pd.DataFrame:
    """One row per current input: ``score`` (its distance to the reference data, higher is stranger) and
    ``is_outlier`` (farther than ``percentile`` % of the reference lies from itself): the check Predict makes
    beside an answer and the Monitor's timeline makes on every call (`novelty.NoveltyCheck`)."""
    inputs = DriftInputs.of(schema, model)
    if reference is None or reference.empty:
        raise DriftError(f"Model '{model}' has no reference data to learn what is normal.")
    check = NoveltyCheck.fit(inputs.encode(reference), percentile=percentile)
    scores, unusual = check.unusual(inputs.encode(current))
    return pd.DataFrame({"score": scores, "is_outlier": unusual}, index=current.index)
