"""A model's tabular inputs as a numeric matrix, and back.

Alibi's explainers and detectors work on numeric arrays; our models take mixed frames.
Categories become their index in the schema's category list, booleans 0/1, numbers stay
numbers. ``decode`` turns any such matrix (including the perturbed rows an explainer makes)
back into the frame the model expects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mds_client import FeatureKind, ModelSchema
from workbench.errors import FeatureSpaceError

_NUMERIC = (FeatureKind.NUMBER, FeatureKind.INTEGER)


@dataclass(frozen=True)
class FeatureSpace:
    schema: ModelSchema

    @classmethod
    def of(cls, schema: ModelSchema) -> FeatureSpace:
        if schema.is_empty:
            raise FeatureSpaceError("this model publishes no feature schema")
        for f in schema.features:
            if f.is_tensor:
                raise FeatureSpaceError(f"its input {f.name} is an image or a tensor")
            if f.kind == FeatureKind.TEXT or (f.kind == FeatureKind.CATEGORY and not f.categories):
                raise FeatureSpaceError(f"{f.name} is free text; this view needs numbers, categories or booleans")
        return cls(schema)

    @property
    def names(self) -> list[str]:
        return self.schema.names

    @property
    def categorical(self) -> dict[int, int]:
        """Column index -> number of categories, for the categorical and boolean features."""
        out = {}
        for i, f in enumerate(self.schema.features):
            if f.kind == FeatureKind.CATEGORY:
                out[i] = len(f.categories)
            elif f.kind == FeatureKind.BOOLEAN:
                out[i] = 2
        return out

    def category_names(self) -> dict[int, list[str]]:
        out = {}
        for i, f in enumerate(self.schema.features):
            if f.kind == FeatureKind.CATEGORY:
                out[i] = [f.label_of(c) for c in f.categories]
            elif f.kind == FeatureKind.BOOLEAN:
                out[i] = ["false", "true"]
        return out

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        frame = self.schema.coerce(frame)
        columns = []
        for f in self.schema.features:
            series = frame[f.name]
            if f.kind in _NUMERIC:
                columns.append(pd.to_numeric(series, errors="coerce").to_numpy(dtype=float))
            elif f.kind == FeatureKind.BOOLEAN:
                columns.append(series.astype(bool).to_numpy(dtype=float))
            else:
                index = {c: i for i, c in enumerate(f.categories)}
                columns.append(np.array([index.get(v, np.nan) for v in series.tolist()], dtype=float))
        return np.column_stack(columns) if columns else np.empty((len(frame), 0))

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
        data = {}
        for j, f in enumerate(self.schema.features):
            col = matrix[:, j]
            if f.kind == FeatureKind.INTEGER:
                data[f.name] = np.rint(col).astype(np.int64)
            elif f.kind == FeatureKind.NUMBER:
                data[f.name] = col
            elif f.kind == FeatureKind.BOOLEAN:
                data[f.name] = col >= 0.5
            else:
                idx = np.clip(np.rint(col).astype(int), 0, len(f.categories) - 1)
                data[f.name] = pd.Series([f.categories[i] for i in idx], dtype=object)
        return pd.DataFrame(data)

    def describe_value(self, j: int, value: float) -> str:
        f = self.schema.features[j]
        if f.kind == FeatureKind.BOOLEAN:
            return "true" if value >= 0.5 else "false"
        if f.kind == FeatureKind.CATEGORY:
            return f.label_of(f.categories[int(np.clip(round(value), 0, len(f.categories) - 1))])
        if f.kind == FeatureKind.INTEGER:
            return str(round(value))
        return f"{value:.4g}"
