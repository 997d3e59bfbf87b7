"""What drift is measured on: a model's inputs as a numeric matrix, tabular or image.

- Tabular models: the features themselves (`FeatureSpace`: categories as their index).
- Image/tensor models: a KS test per pixel of a 784-pixel image is 784 tests of noise, and a
  tensor cannot be a column of a CSV. Each image becomes a few summary statistics people can
  name: its mean intensity, its contrast (standard deviation), and the mean of each block of a
  2 x 2 grid (where the ink is). A camera that got darker, or digits written off-centre, move
  these; the test then runs on them exactly as on tabular features.

``DriftInputs.from_logged`` reads logged inputs (the dicts the request log keeps) in either
shape: a tensor under the feature's name, or its flat columns (``image_0_0``...).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from mds_client import FeatureKind, ModelSchema
from workbench.errors import DriftError, FeatureSpaceError
from workbench.explain.feature_space import FeatureSpace

GRID = 2


@dataclass(frozen=True)
class DriftInputs:
    schema: ModelSchema
    image: bool

    @classmethod
    def of(cls, schema: ModelSchema, model: str = "") -> DriftInputs:
        if schema.tensor_feature is not None:
            return cls(schema, image=True)
        try:
            FeatureSpace.of(schema)
        except FeatureSpaceError as exc:
            raise DriftError(f"Cannot check drift for '{model}': {exc}.") from None
        return cls(schema, image=False)

    @property
    def names(self) -> list[str]:
        if not self.image:
            return self.schema.names
        blocks = [f"block {r + 1},{c + 1} mean" for r in range(GRID) for c in range(GRID)]
        return ["mean intensity", "contrast (std)", *blocks]

    @property
    def categorical(self) -> dict[int, int]:
        return {} if self.image else FeatureSpace(self.schema).categorical

    @property
    def all_numeric(self) -> bool:
        return not self.image and all(f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) for f in self.schema.features)

    @property
    def category_labels(self) -> dict[int, list[str]]:
        """Column index -> the labels of its codes (0, 1, ...), for categorical and boolean features."""
        return {} if self.image else FeatureSpace(self.schema).category_names()

    @property
    def method_note(self) -> str:
        if self.image:
            return ("Images are compared through summary statistics per image (mean intensity, contrast, "
                    f"mean of each block of a {GRID} x {GRID} grid), not pixel by pixel.")
        return "Numeric features: Kolmogorov\u2011Smirnov; categories: chi\u2011squared."  # hyphens that never break a line

    # -- encoding ----------------------------------------------------------------------------

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """A frame with the model's table columns (reference data, an uploaded file) as the matrix."""
        if not self.image:
            missing = [c for c in self.schema.names if c not in frame.columns]
            if missing:
                raise DriftError(f"The data lacks the column(s) {', '.join(missing)} the model needs.")
            return FeatureSpace(self.schema).encode(frame)
        feature = self.schema.tensor_feature
        columns = self.schema.tensor_columns(feature)  # type: ignore[arg-type]
        if all(c in frame.columns for c in columns):
            pixels = frame[columns].to_numpy(dtype=float)
        elif feature.name in frame.columns:  # type: ignore[union-attr]
            pixels = np.stack([np.asarray(v, dtype=float).reshape(-1) for v in frame[feature.name]])  # type: ignore[union-attr]
        else:
            raise DriftError(f"The data has neither the column {feature.name} nor its pixel columns "  # type: ignore[union-attr]
                             f"({columns[0]}...).")
        return self._summaries(pixels)

    def from_logged(self, inputs: list[Any]) -> tuple[np.ndarray, list[int]]:
        """Logged input dicts as the matrix, and the positions of the rows that could be read."""
        if not self.image:
            names = self.schema.names
            if self.all_numeric:
                try:  # one array of every row at once; any row that is not a dict of numbers takes the long way
                    # itemgetter picks a row's values in C: a third of the time of a comprehension per row
                    take = itemgetter(*names) if len(names) > 1 else (lambda row: tuple(row[n] for n in names))
                    return np.array(list(map(take, inputs)), dtype=float).reshape(
                        len(inputs), len(names)), list(range(len(inputs)))
                except (KeyError, TypeError, ValueError):
                    pass
            kept = [i for i, row in enumerate(inputs) if isinstance(row, dict) and all(n in row for n in names)]
            frame = pd.DataFrame.from_records([{n: inputs[i][n] for n in names} for i in kept], columns=names)
            return (FeatureSpace(self.schema).encode(frame) if kept else np.empty((0, len(names)))), kept
        feature = self.schema.tensor_feature
        size = int(np.prod(feature.shape or (1,)))  # type: ignore[union-attr]
        columns = self.schema.tensor_columns(feature)  # type: ignore[arg-type]
        pixels, kept = [], []
        for i, row in enumerate(inputs):
            if not isinstance(row, dict):
                continue
            value = row.get(feature.name) if feature.name in row else (  # type: ignore[union-attr]
                [row[c] for c in columns] if all(c in row for c in columns) else None)
            flat = None if value is None else np.asarray(value, dtype=float).reshape(-1)
            if flat is not None and flat.size == size:
                pixels.append(flat)
                kept.append(i)
        matrix = self._summaries(np.stack(pixels)) if pixels else np.empty((0, len(self.names)))
        return matrix, kept

    def _summaries(self, pixels: np.ndarray) -> np.ndarray:
        feature = self.schema.tensor_feature
        shape = tuple(feature.shape or (pixels.shape[1],))  # type: ignore[union-attr]
        images = pixels.reshape(len(pixels), *shape)
        if images.ndim == 2:  # a flat vector: one row of pixels
            images = images[:, None, :]
        images = images.reshape(len(images), images.shape[1], images.shape[2], -1).mean(axis=3)
        h, w = images.shape[1], images.shape[2]
        cols = [images.mean(axis=(1, 2)), images.std(axis=(1, 2))]
        for r in range(GRID):
            for c in range(GRID):
                block = images[:, r * h // GRID:max((r + 1) * h // GRID, r * h // GRID + 1),
                               c * w // GRID:max((c + 1) * w // GRID, c * w // GRID + 1)]
                cols.append(block.mean(axis=(1, 2)))
        return np.column_stack(cols)
