"""Why an image model answered: occlusion, drawn as a heat map over the image.

Each patch of the image (one pixel for small images like 8x8 digits) is replaced by the average
image of the reference data in turn; how much the probability of the predicted class drops
when that patch is hidden is the patch's importance. The input and every occluded copy go to
the model in ONE request.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from mds_client import Feature, MDSClient, ModelRef, ModelSchema
from workbench.errors import ExplainError
from workbench.explain.budget import BlackBox, Budget
from workbench.explain.explanation import Explanation

MAX_PATCHES = 256


def image_feature(schema: ModelSchema) -> Feature:
    """The model's one 2-D image input, or an ExplainError saying why there is none."""
    tensors = [f for f in schema.features if f.is_tensor]
    if len(tensors) != 1 or len(schema.features) != 1 or len(tensors[0].shape) != 2:
        raise ExplainError("Image explanations need a model with exactly one 2-D image input (H x W).")
    return tensors[0]


def explain_image(client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame,
                  reference: pd.DataFrame | None = None, *, budget: Budget | None = None) -> Explanation:
    """Occlusion heat map for one image (a row of flattened ``<input>_<r>_<c>`` columns)."""
    feature = image_feature(schema)
    height, width = feature.shape
    columns = schema.tensor_columns(feature)
    missing = [c for c in columns if c not in row.columns]
    if missing:
        raise ExplainError(f"The image for '{ref.name}' lacks pixel columns such as {missing[0]}.")
    started = time.perf_counter()
    image = row.iloc[0][columns].to_numpy(dtype=float).reshape(height, width)
    if reference is not None and not reference.empty and all(c in reference for c in columns):
        background = reference[columns].to_numpy(dtype=float).mean(axis=0).reshape(height, width)
    else:
        background = np.full((height, width), float(feature.minimum or 0.0))
    patch = max(1, math.ceil(math.sqrt(height * width / MAX_PATCHES)))
    cells = [(r, c) for r in range(0, height, patch) for c in range(0, width, patch)]
    copies = [image.copy()]
    for r, c in cells:
        hidden = image.copy()
        hidden[r:r + patch, c:c + patch] = background[r:r + patch, c:c + patch]
        copies.append(hidden)
    frame = pd.DataFrame(np.stack(copies).reshape(len(copies), -1), columns=columns)
    box = BlackBox(client, ref, schema, None, budget)
    out = box.frames(frame)
    if out.ndim != 2:
        raise ExplainError(f"Model '{ref.name}' gives no class probabilities to explain.")
    k = int(np.argmax(out[0]))
    names = list(schema.class_names) or [str(i) for i in range(out.shape[1])]
    heat = np.zeros((height, width))
    for (r, c), p in zip(cells, out[1:, k], strict=True):
        heat[r:r + patch, c:c + patch] = out[0, k] - p
    top = np.unravel_index(np.argsort(-heat, axis=None)[:3], heat.shape)
    where = ", ".join(f"row {r + 1} col {c + 1}" for r, c in zip(*top, strict=True))
    summary = (f"The model sees {names[k]} (probability {out[0, k]:.2f}). Hiding the red pixels lowers that "
               f"probability most (strongest at {where}); hiding blue ones raises it.")
    return Explanation(kind="occlusion", model=ref.name, source="computed in the workbench", target=names[k],
                       summary=summary, heatmap=heat.round(5).tolist(), image=image.tolist(),
                       base_value=float(out[0, k]), calls=box.calls, seconds=time.perf_counter() - started)
