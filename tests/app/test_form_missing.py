"""An emptied number box is never sent as 0: where the schema allows a missing value the form says "unknown" and
sends it missing; where it does not, the field says why and the form cannot be sent."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.helpers import texts


def missing_app():
    import streamlit as st

    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema

    schema = ModelSchema(features=(
        Feature("brood_temp_c", FeatureKind.NUMBER, minimum=30.0, maximum=38.0, bounds_declared=False),
        Feature("mite_count", FeatureKind.NUMBER, minimum=0.0, maximum=40.0, bounds_declared=False, required=False),
        Feature("frames", FeatureKind.INTEGER, minimum=4, maximum=12, required=False, datatype="INT64"),
    ))
    state = render_schema_form(schema, key="m.form", typical={"brood_temp_c": 34.5, "mite_count": 6.0, "frames": 8})
    st.session_state["m.sent"] = state.values
    st.session_state["m.errors"] = state.errors


def test_an_emptied_required_box_is_refused_with_its_reason_not_sent_as_zero():
    at = AppTest.from_function(missing_app).run()
    at.number_input(key="m.form.brood_temp_c").set_value(None).run()
    assert not at.exception, at.exception
    assert at.session_state["m.sent"]["brood_temp_c"] is None
    error = at.session_state["m.errors"]["brood_temp_c"]
    assert error == ("brood_temp_c is empty, and this model needs a number here (its schema allows no missing "
                     "value). Type one, or press Reset for a typical example.")
    assert error in texts(at)
    assert "below the lowest value" not in texts(at) and "0.0" not in texts(at)


def test_an_emptied_optional_box_reads_unknown_and_is_sent_missing():
    at = AppTest.from_function(missing_app).run()
    box = at.number_input(key="m.form.mite_count")
    assert box.placeholder == "unknown"
    box.set_value(None).run()
    assert not at.exception, at.exception
    assert at.session_state["m.sent"]["mite_count"] is None
    assert "mite_count" not in at.session_state["m.errors"]
    assert "Unknown: sent as a missing value, which this model accepts." in texts(at)


def test_an_optional_box_whose_wire_type_has_no_missing_value_is_refused():
    """INT64 cannot carry a missing value: the schema's 'optional' cannot be honoured, and the form says so."""
    at = AppTest.from_function(missing_app).run()
    assert at.number_input(key="m.form.frames").placeholder == "a number is needed"
    at.number_input(key="m.form.frames").set_value(None).run()
    assert at.session_state["m.errors"]["frames"] == "frames: value is missing, and its input type (INT64) has no missing value"


def test_reset_fills_an_emptied_box_again():
    at = AppTest.from_function(missing_app).run()
    at.number_input(key="m.form.brood_temp_c").set_value(None).run()
    at.button(key="m.form.reset").click().run()
    assert at.session_state["m.sent"]["brood_temp_c"] == 34.5
    assert not at.session_state["m.errors"]
