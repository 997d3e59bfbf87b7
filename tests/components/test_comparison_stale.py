"""Compare's answers are marked out of date once the inputs on screen change, as Predict's are, and unmarked when
sent again; an unknown value (NaN) left as it was is no change. Any model's form: a schema of the test's own."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.comparison_view import STALE_NOTE
from tests.app.helpers import metric_values, texts


def compare_app() -> None:
    import streamlit as st

    from components.comparison_view import render_comparison
    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema
    from workbench.predict.results import Outcome, Result
    from workbench.ui import state

    schema = ModelSchema(features=(
        Feature("crop", FeatureKind.CATEGORY, categories=("barley", "rye")),
        Feature("rain_mm", FeatureKind.NUMBER, minimum=0.0, maximum=80.0, required=False),
    ))
    form = render_schema_form(schema, key="cmp.form", typical={"crop": "rye", "rain_mm": 12.5})
    shown = state.inputs_fingerprint(form.values)  # as pages/compare.py does
    if st.button("Send", key="cmp.send"):
        answers = [Outcome(m, Result(m, "v2", "classification", label, {"sow": 0.7, "wait": 0.3}, None, 3.0, "r", {}, {}))
                   for m, label in (("field-a", "sow"), ("field-b", "wait"))]
        st.session_state["cmp.sent"] = (shown, answers)
    sent = st.session_state.get("cmp.sent")
    if sent:
        render_comparison(sent[1], key="cmp.view", stale=sent[0] != shown)


def test_a_changed_input_marks_every_answer_out_of_date_until_sent_again():
    at = AppTest.from_function(compare_app).run()
    at.button(key="cmp.send").click().run()
    assert metric_values(at) == {"field-a": "sow", "field-b": "wait"} and STALE_NOTE not in texts(at)
    at.selectbox(key="cmp.form.crop").set_value("barley").run()
    assert not at.exception, at.exception
    assert STALE_NOTE in texts(at)
    assert set(metric_values(at)) == {"field-a (earlier answer)", "field-b (earlier answer)"}
    at.button(key="cmp.send").click().run()
    assert STALE_NOTE not in texts(at) and set(metric_values(at)) == {"field-a", "field-b"}


def test_an_unknown_value_sent_and_left_alone_is_not_a_change():
    at = AppTest.from_function(compare_app).run()
    at.number_input(key="cmp.form.rain_mm").set_value(None).run()
    at.button(key="cmp.send").click().run()
    at.run()  # another rerun with the same empty box (NaN each time)
    assert STALE_NOTE not in texts(at)
    at.number_input(key="cmp.form.rain_mm").set_value(3.0).run()
    assert STALE_NOTE in texts(at)


def test_the_table_says_each_answer_as_its_headline_and_the_chart_names_a_lone_model():
    from components.comparison_view import comparison_figure, comparison_table
    from workbench.predict.results import Outcome, Result

    amount = Outcome("bill-tip", Result("bill-tip", "v2", "regression", None, None, 3.70916, 2.0, "r1", {}, {}, unit="$"))
    kind = Outcome("bill-kind", Result("bill-kind", "v2", "classification", "generous", {"generous": 0.6, "standard": 0.4},
                                       None, 3.0, "r2", {}, {}))
    assert comparison_table([amount, kind])["answer"].tolist() == ["3.71 $", "generous"]
    figure = comparison_figure([amount, kind])
    assert figure is not None and figure.layout.showlegend and [t.name for t in figure.data] == ["bill-kind"]
