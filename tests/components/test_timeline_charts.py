"""Monitor's charts as a person reads them: heat-map colours that follow the stated threshold, accuracy bars that
stay between 0% and 100%, p-values that never read "0", every outlier drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.colors
import pytest

from components.numbers import p_value
from components.timeline_charts import (
    accuracy_figure,
    heat_levels,
    heat_scale,
    heatmap_figure,
    outliers_over_time_figure,
)
from workbench.monitor.timeline import Timeline
from workbench.monitor.windows import WindowPlan

START = datetime(2026, 12, 5, tzinfo=UTC)
PLAN = WindowPlan(START, timedelta(hours=12), 4)
THRESHOLD = 0.05 / 13  # 0.00385, wine's 13 features


def colour_at(scale: list[list], level: float) -> tuple[int, int, int]:
    """The colour Plotly gives ``level`` (0..10) on ``scale`` (its stops at 0..1)."""
    at = level / 10
    for (x0, c0), (x1, c1) in pairwise(scale):
        if x0 <= at <= x1 and x1 > x0:
            rgb = plotly.colors.find_intermediate_color(plotly.colors.hex_to_rgb(c0), plotly.colors.hex_to_rgb(c1),
                                                        (at - x0) / (x1 - x0))
            return tuple(int(v) for v in rgb)
    raise AssertionError(f"{level} is off the scale")


def reddish(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r > g + 60 and r > b + 60


def timeline(p_values: pd.DataFrame, windows: pd.DataFrame | None = None) -> Timeline:
    starts = [START + k * PLAN.width for k in range(PLAN.count)]
    frame = windows if windows is not None else pd.DataFrame({"window": pd.to_datetime(starts, utc=True)})
    return Timeline(PLAN, frame, p_values, THRESHOLD, "", "", pd.DataFrame())


def test_cells_are_red_exactly_when_the_p_value_is_under_the_threshold():
    """Alcohol at 0.0036 drifted and proline at 0.00651 did not: they never share a colour (issue 27, item 7)."""
    p = np.array([0.0036, 0.00651, THRESHOLD, THRESHOLD * 0.999, 1e-12, 1.0, 0.04, 0.0])
    scale = heat_scale(THRESHOLD)
    colours = [colour_at(scale, z) for z in heat_levels(p, THRESHOLD)]
    assert [reddish(c) for c in colours] == [bool(v < THRESHOLD) for v in p]
    assert colours[0] != colours[1]


def test_the_heat_map_says_drift_or_no_drift_in_each_cell_with_a_readable_p_value():
    starts = [START + k * PLAN.width for k in range(3)]
    table = pd.DataFrame([[0.5, 0.0036, 0.0], [0.3, 0.00651, 0.9]], index=["alcohol", "proline"], columns=starts)
    figure = heatmap_figure(timeline(table), ["alcohol", "proline"])
    cells = np.array(figure.data[0].customdata)
    assert cells[0, 1] == "drift, p = 0.0036" and cells[1, 1] == "no drift, p = 0.00651"
    assert cells[0, 2] == "drift, p < 0.001"  # never "p = 0"
    assert "0.00385" in figure.layout.title.text and "0.00385 (threshold)" in figure.data[0].colorbar.ticktext


@pytest.mark.parametrize(("p", "text"), [(0.0, "< 0.001"), (1e-300, "< 0.001"), (0.0036, "0.0036"), (0.5, "0.5"),
                                         (1.0, "1"), (float("nan"), "n/a"), ("x", "n/a")])
def test_p_values_read_as_people_read_them(p, text):
    assert p_value(p) == text


def test_under_a_tiny_threshold_the_floor_stays_on_the_drift_side():
    assert p_value(0.0005, threshold=0.05 / 64) == "0.0005" and p_value(1e-6, threshold=0.05 / 64) == "< 0.0001"


def test_accuracy_bars_stay_between_nothing_and_everything():
    starts = [START + k * PLAN.width for k in range(3)]
    windows = pd.DataFrame({"window": pd.to_datetime(starts, utc=True), "calls": [40, 40, 40],
                            "estimated_accuracy": [0.97, 0.5, 0.05], "estimated_se": [0.2, 0.1, 0.2]})
    trace = accuracy_figure(timeline(pd.DataFrame(), windows), None).data[0]
    accuracy, up, down = windows["estimated_accuracy"], np.array(trace.error_y.array), np.array(trace.error_y.arrayminus)
    assert (accuracy + up <= 1 + 1e-12).all() and (accuracy - down >= -1e-12).all()
    assert up[1] == pytest.approx(0.2) and down[1] == pytest.approx(0.2)  # inside the range: two standard errors


def test_every_outlier_is_drawn_and_normal_calls_are_thinned_past_a_bound():
    n = 10_000
    scores = pd.DataFrame({"time": pd.date_range(START, periods=n, freq="s", tz="UTC"),
                           "score": np.r_[np.full(n - 3, 1.0), [40.0, 30.0, 20.0]],
                           "is_outlier": np.r_[np.zeros(n - 3, bool), np.ones(3, bool)]})
    tl = timeline(pd.DataFrame())
    tl.outliers, tl.outlier_threshold = scores, 5.0
    normal, odd = outliers_over_time_figure(tl, max_normal=1000).data
    assert sorted(odd.y) == [20.0, 30.0, 40.0] and len(normal.x) <= 1000 and "1 in 10" in normal.name
