"""Pictures become the tensor an image model expects."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mds_client import InputError
from workbench.predict.image_input import image_to_tensor


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_ink_on_paper_is_inverted_and_scaled():
    picture = np.full((40, 40), 255)
    picture[:, 18:22] = 0
    tensor = image_to_tensor(_png(picture), (8, 8), minimum=0, maximum=16)
    assert tensor.shape == (8, 8)
    assert tensor.min() >= 0 and tensor.max() <= 16
    assert tensor[:, 3:5].mean() > 4 > 0.5 > tensor[:, 0].mean()


def test_light_on_dark_is_kept():
    picture = np.zeros((16, 16))
    picture[4:12, 4:12] = 255
    tensor = image_to_tensor(_png(picture), (4, 4), minimum=0, maximum=1)
    assert tensor[1:3, 1:3].mean() > 0.8 and tensor[0, 0] < 0.2


def test_not_a_picture():
    with pytest.raises(InputError, match="not a picture"):
        image_to_tensor(b"hello", (8, 8))
