"""The what-if line is drawn only across values that were tested: a far-off value of this case (50, past a sweep
of the data's 11 to 14.8) is a marker of its own, not joined to the sweep by a line through untested values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.whatif_view import broken_at_gaps, whatif_figure
from workbench.explain.whatif import WhatIf


def test_a_far_value_is_not_joined_to_the_sweep():
    values = [*np.linspace(11.0, 14.8, 20).round(3), 50.0]
    points = pd.DataFrame({"value": values, "answer": ["premium"] * 21, "premium": np.linspace(0.9, 0.6, 21),
                           "juice": np.linspace(0.1, 0.4, 21)})
    figure = whatif_figure(WhatIf("m", "alcohol_pct", 50.0, "premium", points, classes=["premium", "juice"]))
    x = list(figure.data[0].x)
    assert x[-2] is None and x[-1] == 50.0 and None not in x[:-2]
    assert list(figure.data[0].y)[-1] == points["premium"].iloc[-1]  # the y values stay beside their x
    assert "markers" in figure.data[0].mode


def test_an_even_sweep_is_one_line():
    assert None not in broken_at_gaps(list(np.linspace(0, 1, 15)))
    assert broken_at_gaps([1.0, 2.0]) == [1.0, 2.0]
