"""The nearest-neighbour check beside every answer: reference-like rows pass, strange ones are flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client import Feature, FeatureKind, ModelSchema
from workbench.errors import DriftError
from workbench.monitor.novelty import NoveltyCheck, matrix_of


def test_rows_like_the_reference_pass_and_far_rows_are_flagged():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(1500, 6))
    check = NoveltyCheck.fit(reference)
    fresh = rng.normal(size=(400, 6))
    _, flags = check.unusual(fresh)
    assert flags.mean() < 0.05  # about 1% by construction
    _, far = check.unusual(np.full((3, 6), 8.0))
    assert far.all()


def test_a_blank_image_is_unlike_images_of_strokes():
    rng = np.random.default_rng(1)
    images = rng.random((300, 8, 8))  # faint noise everywhere...
    for image, column in zip(images, rng.integers(2, 6, size=300), strict=True):
        image[1:7, column] = 16.0  # ...and a stroke, as in a drawn digit
    images[:, :, 0] = 0.0  # a constant border column must not break the scaling
    check = NoveltyCheck.fit(images.reshape(300, -1), scale_columns=False)
    _, flags = check.unusual(np.zeros((1, 64)))
    assert flags[0]


def test_a_blank_digit_is_flagged_against_real_digits():
    from sklearn.datasets import load_digits

    digits = load_digits().data
    check = NoveltyCheck.fit(digits, scale_columns=False)
    assert check.unusual(np.zeros((1, 64)))[1][0]
    assert check.unusual(digits[:300])[1].mean() < 0.03


def test_tabular_frames_are_encoded_with_categories_as_codes():
    schema = ModelSchema((Feature("x", FeatureKind.NUMBER), Feature("day", FeatureKind.CATEGORY, categories=("a", "b"))))
    frame = pd.DataFrame({"x": [1.0, 2.0], "day": ["a", "b"]})
    assert matrix_of(schema, frame).tolist() == [[1.0, 0.0], [2.0, 1.0]]


def test_too_little_reference_data_is_a_typed_error():
    with pytest.raises(DriftError, match="complete rows"):
        NoveltyCheck.fit(np.ones((3, 2)))


def test_many_rows_get_the_same_distances_as_a_few():
    """Monitor scores thousands of calls at once (through a k-d tree); Predict scores one: the same numbers."""
    rng = np.random.default_rng(4)
    check = NoveltyCheck.fit(rng.normal(size=(500, 6)))
    rows = rng.normal(size=(3000, 6)) * 1.5
    together = check.scores(rows)
    one_by_one = np.concatenate([check.scores(rows[i:i + 100]) for i in range(0, 3000, 100)])
    assert np.allclose(together, one_by_one, rtol=1e-12, atol=1e-12)
