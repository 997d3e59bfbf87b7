"""Turn an uploaded picture into the tensor an image model expects.

The picture is converted to grey levels, resized to the model's shape and scaled
to the feature's value range. Pictures on a light background (ink on paper) are
inverted, because models such as the UCI digits one read ink as high values.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from mds_client import InputError


def image_to_tensor(
    data: bytes,
    shape: tuple[int, ...],
    *,
    minimum: float | None = 0.0,
    maximum: float | None = 1.0,
    invert: bool | None = None,
) -> np.ndarray:
    """A float array of ``shape`` (height, width) from image bytes."""
    if len(shape) != 2:
        raise InputError(f"Only 2-D image tensors can be filled from a picture, not shape {shape}.")
    try:
        picture = Image.open(io.BytesIO(data)).convert("L")
    except (UnidentifiedImageError, OSError):
        raise InputError("The file is not a picture this app can read (use PNG or JPEG).") from None
    height, width = shape
    grey = np.asarray(picture.resize((width, height), Image.Resampling.LANCZOS), dtype=float) / 255.0
    if invert is None:
        invert = grey.mean() > 0.5
    if invert:
        grey = 1.0 - grey
    low = 0.0 if minimum is None else float(minimum)
    high = 1.0 if maximum is None else float(maximum)
    return np.round(low + grey * (high - low), 4)
