"""Small picklable scikit-learn transformers used inside the demo pipelines.

Pickles refer to this module by its import path, so it must stay importable in every
environment that trains or serves the models (stdlib, numpy and scikit-learn only).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class Flatten(TransformerMixin, BaseEstimator):
    """Reshape an (n, h, w[, ...]) image batch into (n, h*w*...) rows.

    A 2-D input passes through unchanged, so a frame of flattened pixels also works.
    """

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn's signature
        return self

    def transform(self, X):  # noqa: N803
        array = np.asarray(X, dtype=np.float64)
        if array.ndim == 1:
            array = array.reshape(1, -1)
        return array.reshape(array.shape[0], -1)
