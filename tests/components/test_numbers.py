"""Numbers for people: rounded, with units, counts that agree with their noun."""

import pytest

from components.numbers import count, number


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (2.812875631391886, "", "2.81"),
    (123.456, "", "123"),
    (1234.5, "", "1,234"),
    (0.00385, "", "0.00385"),
    (14, "", "14"),
    (3.14159, "$", "$3.14"),
    (12.34, "ms", "12.3 ms"),
    ("class_0", "", "class_0"),
    (float("nan"), "", "nan"),
])
def test_number(value, unit, shown):
    assert number(value, unit) == shown


@pytest.mark.parametrize(("n", "shown"), [(0, "0 cases"), (1, "1 case"), (2, "2 cases"), (12000, "12,000 cases")])
def test_count(n, shown):
    assert count(n, "case") == shown


def test_percent_and_confidence_are_one_format():
    from components.numbers import confidence, percent
    assert percent(0.598) == "60%" and percent(1.0) == "100%" and percent(0) == "0%"
    assert percent(0.998) == ">99%" and percent(0.001) == "<1%" and percent(None) == "n/a"
    assert confidence(0.598) == "60%" and confidence(None) == "" and confidence(float("nan")) == ""


def test_count_ticks_are_whole_numbers():
    import pandas as pd

    from components.review_charts import accuracy_figure, confusion_figure
    fig = accuracy_figure(pd.DataFrame({"period": ["2026-12-01"], "labelled": [1], "accuracy": [1.0]}), "m")
    assert fig.layout.yaxis2.dtick == 1 and fig.layout.yaxis2.tickformat == ",d"
    bars = next(t for t in fig.data if t.type == "bar")
    assert bars.width < 0.5 and bars.yaxis == "y2"  # a narrow bar, on a row of its own
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]  # counts under accuracy, not on its gridlines
    assert list(fig.layout.yaxis.tickvals) == [0, 0.5, 1] and fig.layout.yaxis.tickformat == ".0%"
    same = confusion_figure(pd.DataFrame([[1]], index=["a"], columns=["a"]), "m")
    assert same.layout.coloraxis.showscale is False
    mixed = confusion_figure(pd.DataFrame([[1, 2], [0, 3]], index=["a", "b"], columns=["a", "b"]), "m")
    assert mixed.layout.coloraxis.colorbar.dtick == 1


def test_model_card_metrics_read_as_people_read_them():
    from components.model_card import metric_text
    assert metric_text("accuracy", 1.0) == "100%" and metric_text("Accuracy", 0.9444) == "94%"
    assert metric_text("r2", 0.4567891) == "0.457" and metric_text("mae", 12.3456) == "12.3"
    assert metric_text("note", "n/a") == "n/a"


def test_accuracy_labels_sit_below_a_dip_so_the_lines_do_not_cross_them():
    import pandas as pd

    from components.review_charts import label_sides

    assert label_sides(pd.Series([1.0, 0.0, 0.5, 0.5, 1.0])) == [
        "top center", "bottom center", "top center", "top center", "top center"]
    assert label_sides(pd.Series([0.3])) == ["top center"]
