"""Is the data the model sees still like the data it learned from? Drift and outliers as plain data.

- ``detect_drift``: alibi-detect's TabularDrift (Kolmogorov-Smirnov per numeric feature,
  chi-squared per categorical one, Bonferroni across features) between reference data and a
  window of inputs, computed here;
- ``detect_drift_with_server``: the same question to the catalog's drift detector
  (MLServer's alibi-detect runtime), when one is configured;
- ``outliers``: alibi-detect's isolation forest fitted on the reference data, its threshold
  set so that 5% of reference rows would be flagged;
- ``drift_timeline``: drift per day of logged predictions, to put beside feedback accuracy.

alibi_detect is imported inside the functions (seconds of import time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mds_client import MDSClient, ModelRef, ModelSchema
from workbench.errors import DriftError, FeatureSpaceError
from workbench.explain.feature_space import FeatureSpace

P_VALUE = 0.05
MIN_ROWS = 20


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


def _space(schema: ModelSchema, model: str) -> FeatureSpace:
    try:
        return FeatureSpace.of(schema)
    except FeatureSpaceError as exc:
        raise DriftError(f"Cannot check drift for '{model}': {exc}.") from None


def _check_rows(reference: pd.DataFrame | None, current: pd.DataFrame, model: str) -> None:
    if reference is None or reference.empty:
        raise DriftError(f"Model '{model}' has no reference data to compare with.")
    if len(current) < MIN_ROWS:
        raise DriftError(f"Only {len(current)} rows to compare for '{model}'; drift needs at least {MIN_ROWS}.")


def detect_drift(
    schema: ModelSchema, reference: pd.DataFrame, current: pd.DataFrame, *, model: str = "", p_val: float = P_VALUE
) -> DriftReport:
    space = _space(schema, model)
    _check_rows(reference, current, model)
    from alibi_detect.cd import TabularDrift

    x_ref = space.encode(reference)
    x_cur = space.encode(current)
    categories = {i: None for i in space.categorical}
    detector = TabularDrift(x_ref, p_val=p_val, categories_per_feature=categories or None)
    data = detector.predict(x_cur, drift_type="feature", return_p_val=True, return_distance=True)["data"]
    p_values = {n: float(p) for n, p in zip(space.names, np.ravel(data["p_val"]), strict=True)}
    distances = {n: float(d) for n, d in zip(space.names, np.ravel(data["distance"]), strict=True)}
    threshold = float(np.ravel([data["threshold"]])[0])
    drifted = [n for n, flag in zip(space.names, np.ravel(data["is_drift"]), strict=True) if flag]
    return DriftReport(bool(drifted), "TabularDrift (K-S / chi-squared, Bonferroni)", threshold, p_values,
                       distances, len(x_ref), len(x_cur), drifted=drifted)


def detect_drift_with_server(
    client: MDSClient, ref: ModelRef, schema: ModelSchema, current: pd.DataFrame
) -> DriftReport:
    """Ask the catalog's drift detector (alibi-detect on MLServer) about a window of inputs."""
    if ref.drift is None:
        raise DriftError(f"No drift detector is configured for model '{ref.name}'.")
    space = _space(schema, ref.name)
    if len(current) < MIN_ROWS:
        raise DriftError(f"Only {len(current)} rows to compare for '{ref.name}'; drift needs at least {MIN_ROWS}.")
    matrix = space.encode(current)
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
    p_values = dict(zip(space.names, p_vals.tolist(), strict=False))
    drifted = [n for n, p in p_values.items() if p < threshold]
    return DriftReport(is_drift, "TabularDrift on the drift detector server", threshold, p_values,
                       dict(zip(space.names, distances.tolist(), strict=False)), 0, len(matrix),
                       source="drift detector server", drifted=drifted)


def outliers(schema: ModelSchema, reference: pd.DataFrame, current: pd.DataFrame, *, model: str = "",
             percentile: float = 95.0, seed: int = 0) -> pd.DataFrame:
    """One row per current input: ``score`` (higher is stranger) and ``is_outlier``."""
    space = _space(schema, model)
    if reference is None or reference.empty:
        raise DriftError(f"Model '{model}' has no reference data to learn what is normal.")
    from alibi_detect.od import IForest

    x_ref = space.encode(reference)
    detector = IForest(n_estimators=100)
    detector.fit(x_ref)
    detector.infer_threshold(x_ref, threshold_perc=percentile)
    data = detector.predict(space.encode(current))["data"]
    return pd.DataFrame({"score": np.asarray(data["instance_score"], dtype=float),
                         "is_outlier": np.asarray(data["is_outlier"]).astype(bool)}, index=current.index)


def drift_timeline(
    schema: ModelSchema, reference: pd.DataFrame, logged: pd.DataFrame, *, model: str = "", freq: str = "D"
) -> pd.DataFrame:
    """Per window of logged inputs (``created`` + feature columns): rows, smallest p-value, drift or not."""
    rows: list[dict[str, Any]] = []
    if logged.empty:
        return pd.DataFrame(columns=["window", "rows", "min_p_value", "is_drift"])
    windows = logged.groupby(pd.to_datetime(logged["created"], utc=True).dt.floor(freq))
    for window, frame in windows:
        if len(frame) < MIN_ROWS:
            rows.append({"window": window, "rows": len(frame), "min_p_value": np.nan, "is_drift": None})
            continue
        report = detect_drift(schema, reference, frame[schema.names], model=model)
        rows.append({"window": window, "rows": len(frame), "min_p_value": min(report.p_values.values()),
                     "is_drift": report.is_drift})
    return pd.DataFrame(rows)
