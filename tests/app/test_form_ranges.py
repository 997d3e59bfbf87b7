"""The form: a value outside a declared limit is an error; outside the range only observed in the
reference data it is a warning, and the row can still be sent."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.helpers import unescape


def ranges_app():
    import streamlit as st

    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema
    from workbench.predict.service import typical_values

    schema = ModelSchema(features=(
        Feature("alcohol", FeatureKind.NUMBER, minimum=11.03, maximum=14.83, bounds_declared=False),
        Feature("size", FeatureKind.INTEGER, minimum=1, maximum=6),
    ))
    state = render_schema_form(schema, key="r.form", typical=typical_values(schema, None),
                               defaults={"alcohol": 13.0, "size": 2})
    st.session_state["r.errors"] = state.errors


def test_an_observed_range_warns_and_a_declared_limit_blocks():
    at = AppTest.from_function(ranges_app).run()
    assert "Range seen in the reference data: 11.03 to 14.83" in unescape(at.number_input(key="r.form.alcohol").help)
    at.number_input(key="r.form.alcohol").set_value(15.2).run()
    assert at.session_state["r.errors"] == {}
    assert [unescape(w.value) for w in at.warning] == [
        "alcohol: 15.2 is above the highest value seen in the reference data (14.83); the model still scores it."]
    at.number_input(key="r.form.size").set_value(9).run()
    assert at.session_state["r.errors"] == {"size": "size: 9 is above the maximum 6"}
