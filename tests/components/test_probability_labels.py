"""A probability chart's bar labels are readable or hidden, never shrunk to a few pixels (ten classes at 1024 px
drew each at ~5 px); the value stays in the hover."""

from __future__ import annotations

from components.prediction_view import MIN_LABEL_PX, probability_figure


def test_labels_too_big_for_their_bars_are_hidden_not_shrunk():
    figure = probability_figure({str(d): 0.1 for d in range(10)})
    assert figure.layout.uniformtext.minsize == MIN_LABEL_PX >= 10 and figure.layout.uniformtext.mode == "hide"
    assert "probability %{y:.3f}" in figure.data[0].hovertemplate
