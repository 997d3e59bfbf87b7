"""Explanation charts as a person reads them: an image's axes count from 1 like the summary and the drawing grid,
and end at the image's edges; SHAP draws every input (none dropped silently) under a title that fits."""

from __future__ import annotations

import numpy as np

from components.explanation_view import SHAP_BARS, image_figure, shap_caption, shap_figure
from workbench.explain.explanation import Explanation


def occlusion(rows: int, cols: int) -> Explanation:
    heat = np.zeros((rows, cols))
    heat[1, 4] = 0.3
    return Explanation(kind="occlusion", model="scanner", source="computed in the workbench", target="cracked",
                       heatmap=heat.tolist(), image=np.ones((rows, cols)).tolist())


def test_image_axes_count_from_one_and_fit_the_image():
    figure = image_figure(occlusion(6, 9))
    layout = figure.layout
    assert tuple(layout.xaxis.range) == (0.5, 9.5)
    assert tuple(layout.yaxis.range) == (6.5, 0.5)  # row 1 at the top, nothing past the last row
    assert layout.xaxis.constrain == layout.yaxis.constrain == "domain"  # a square cell shrinks the plot, not the axes
    assert list(figure.data[1].x) == list(range(1, 10)) and list(figure.data[1].y) == list(range(1, 7))
    assert layout.xaxis.dtick == layout.yaxis.dtick == 1


def shap(n: int) -> Explanation:
    attributions = {f"feature_{i:02d}": (i + 1) / 100 * (-1) ** i for i in range(n)}
    return Explanation(kind="shap", model="m", source="computed in the workbench", target="premium",
                       attributions=attributions, feature_values={k: "1.0" for k in attributions})


def test_every_input_of_thirteen_is_drawn():
    figure = shap_figure(shap(13))
    assert len(figure.data[0].y) == 13
    assert "Not drawn" not in shap_caption(shap(13))
    assert len(figure.layout.title.text) <= 24  # fits the answer's column at 1024 px


def test_inputs_past_the_limit_are_named_not_dropped():
    caption = shap_caption(shap(SHAP_BARS + 2))
    assert "Not drawn, each smaller than every bar shown (2): feature_00, feature_01." in caption
    assert caption.startswith("What pushed the probability of premium up (green) or down (red)")
