"""Number boxes show the value they send: as many decimals as the value has (padded to the data's usual
precision), never a fixed six, and a typed value is shown and sent as typed."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def numbers_app():
    import pandas as pd
    import streamlit as st

    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema
    from workbench.predict.service import typical_values

    schema = ModelSchema(features=(
        Feature("intensity", FeatureKind.NUMBER, minimum=1.28, maximum=13.0, bounds_declared=False),
        Feature("ratio", FeatureKind.NUMBER),
        Feature("count", FeatureKind.NUMBER, minimum=70.0, maximum=162.0),
        Feature("share", FeatureKind.NUMBER, minimum=0.13, maximum=0.66),
    ))
    # one stray value with six decimals among two-decimal values: it must not set every box to six
    reference = pd.DataFrame({"intensity": [4.68, 5.64, 3.9, 9.899999] + [2.25] * 20, "ratio": [0.5] * 24,
                              "count": [97.0, 120.0] * 12, "share": [0.34, 0.5] * 12})
    state = render_schema_form(schema, key="n.form", typical=typical_values(schema, reference),
                               defaults={"intensity": 4.68, "ratio": 0.123456789, "count": 97.0, "share": 0.34},
                               reference=reference)
    st.session_state["n.sent"] = state.values


def shown(at: AppTest, key: str) -> str:
    field = at.number_input(key=key)
    return field.proto.format % field.value


def test_a_value_is_shown_with_its_own_decimals_not_six():
    at = AppTest.from_function(numbers_app).run()
    assert not at.exception, at.exception
    assert shown(at, "n.form.intensity") == "4.68"
    assert at.session_state["n.sent"]["intensity"] == 4.68


def test_more_decimals_than_a_box_shows_are_rounded_before_sending():
    """A saved value with nine decimals is rounded to what the box can show, and that is what is sent."""
    at = AppTest.from_function(numbers_app).run()
    assert shown(at, "n.form.ratio") == "0.123457"
    assert at.session_state["n.sent"]["ratio"] == 0.123457


@pytest.mark.parametrize(("typed", "text"), [(4.685, "4.685"), (7.0, "7.00"), (9.899999, "9.899999")])
def test_a_typed_value_is_shown_and_sent_as_typed(typed, text):
    at = AppTest.from_function(numbers_app).run()
    at.number_input(key="n.form.intensity").set_value(typed).run()
    assert not at.exception, at.exception
    assert shown(at, "n.form.intensity") == text
    assert at.session_state["n.sent"]["intensity"] == typed


def test_a_box_is_never_finer_than_its_data_is_written():
    """Whole numbers in the data show whole (97, not 97.0); two-decimal data steps by 0.01 and shows 0.34."""
    at = AppTest.from_function(numbers_app).run()
    assert shown(at, "n.form.count") == "97"
    assert at.number_input(key="n.form.count").step == 1
    assert shown(at, "n.form.share") == "0.34"
    assert at.number_input(key="n.form.share").step == 0.01
