"""Is one input unlike the reference data? A nearest-neighbour check fast enough to run beside every answer.

A model answers whatever it is sent (a blank 8x8 image scored "4" at 0.97), so the answer alone cannot
say that the input is strange. The score of a row is its distance to its ``k``-th nearest reference row,
after scaling every column by the reference's spread; the threshold is the ``percentile`` of the same
distance among the reference rows themselves (each left out of its own neighbours). A row above it is
farther from the data the model learnt from than 99% of that data is from itself.

Works for tabular models (categories as codes, booleans 0/1) and tensor inputs (one column per value);
the Monitor page's batch view of outliers stays alibi-detect's IForest, which needs seconds to fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mds_client import ModelSchema
from workbench.errors import DriftError, FeatureSpaceError
from workbench.explain.feature_space import FeatureSpace

DEFAULT_K = 5
DEFAULT_PERCENTILE = 99.0
MAX_REFERENCE_ROWS = 2000
TREE_ROWS = 2048  # from this many rows to score, a k-d tree of the reference beats the matrix product


def matrix_of(schema: ModelSchema, frame: pd.DataFrame) -> np.ndarray:
    """``frame`` as numbers: the tabular encoding, or the tensor columns as they are (DriftError if neither)."""
    try:
        return FeatureSpace.of(schema).encode(frame)
    except FeatureSpaceError:
        columns = schema.table_columns()
        if not columns or any(c not in frame.columns for c in columns):
            raise DriftError("These inputs cannot be compared with the reference data as numbers.") from None
        return frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


@dataclass(frozen=True)
class NoveltyCheck:
    reference: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    threshold: float
    k: int

    @classmethod
    def fit(cls, matrix: np.ndarray, *, k: int = DEFAULT_K, percentile: float = DEFAULT_PERCENTILE,
            seed: int = 0, scale_columns: bool = True) -> NoveltyCheck:
        """``scale_columns``: each column by its own spread (tabular features in their own units); False for
        pixels, which share one unit: a border pixel that is almost always blank must not dominate."""
        x = np.asarray(matrix, dtype=float)
        x = x[~np.isnan(x).any(axis=1)]
        if len(x) <= k:
            raise DriftError(f"The reference data has {len(x)} complete rows; {k + 1} or more are needed.")
        if len(x) > MAX_REFERENCE_ROWS:  # the check runs on every answer: a sample is plenty
            x = x[np.random.default_rng(seed).choice(len(x), MAX_REFERENCE_ROWS, replace=False)]
        center = x.mean(axis=0)
        scale = x.std(axis=0) if scale_columns else np.full(x.shape[1], x.std())
        scale[scale == 0] = 1.0  # a constant column (a border pixel) must not divide by zero
        z = (x - center) / scale
        distances = _kth_distances(z, z, k + 1)  # +1: each row is its own nearest neighbour
        return cls(z, center, scale, float(np.percentile(distances, percentile)), k)

    @classmethod
    def for_schema(cls, schema: ModelSchema, reference: pd.DataFrame) -> NoveltyCheck:
        """Fitted on a model's reference data; tensor inputs (pixels) share one scale."""
        tensor = any(f.is_tensor for f in schema.features)
        return cls.fit(matrix_of(schema, reference), scale_columns=not tensor)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        z = (np.asarray(matrix, dtype=float) - self.center) / self.scale
        return _kth_distances(np.nan_to_num(z), self.reference, self.k)

    def unusual(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scores, whether each is above the threshold)."""
        scores = self.scores(matrix)
        return scores, scores > self.threshold


def _kth_distances(rows: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """Distance of each row to its k-th nearest reference row (chunked to bound memory).

    Many rows (Monitor scores every call of a period) go through a k-d tree of the reference: the same exact
    distances in half the time of the chunked matrix product, whose per-row partition dominated."""
    if len(rows) >= TREE_ROWS:
        # scipy.spatial (~0.1 s of imports) only where thousands of rows are scored at once
        from scipy.spatial import cKDTree

        distances, _ = cKDTree(reference).query(rows, k=[k], workers=-1)
        return distances[:, 0]
    out = np.empty(len(rows))
    ref_sq = (reference**2).sum(axis=1)
    for start in range(0, len(rows), 512):
        block = rows[start:start + 512]
        squared = (block**2).sum(axis=1)[:, None] + ref_sq[None, :] - 2 * block @ reference.T
        squared = np.maximum(squared, 0.0)
        out[start:start + len(block)] = np.sqrt(np.partition(squared, k - 1, axis=1)[:, k - 1])
    return out
