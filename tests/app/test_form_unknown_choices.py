"""Categories and texts have an explicit "unknown" where the model accepts a missing value (sent as the wire's
missing value, null), and none where it does not: there an empty text is refused with its reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from components.schema_form import UNKNOWN_NOTE
from mds_client.codecs.v2 import V2Codec
from mds_client.schema import from_reference
from tests.app.helpers import texts, unescape


def unknown_app():
    import streamlit as st

    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema

    schema = ModelSchema(features=(
        Feature("soil", FeatureKind.CATEGORY, categories=("clay", "loam", "sand"), required=False),
        Feature("field", FeatureKind.CATEGORY, categories=("north", "south")),
        Feature("remark", FeatureKind.TEXT, required=False),
        Feature("plot_code", FeatureKind.TEXT),
    ))
    state = render_schema_form(schema, key="u.form",
                               typical={"soil": "loam", "field": "south", "remark": "wet", "plot_code": "P-7"})
    st.session_state["u.sent"] = state.values
    st.session_state["u.errors"] = state.errors


def test_an_optional_category_offers_unknown_and_sends_it_missing():
    at = AppTest.from_function(unknown_app).run()
    soil = at.selectbox(key="u.form.soil")
    assert soil.options[0] == "unknown" and soil.options[1:] == ["clay", "loam", "sand"]
    assert "Choose 'unknown' when unknown: it is sent as a missing value" in unescape(soil.help)
    soil.set_value(None).run()
    assert not at.exception, at.exception
    assert at.session_state["u.sent"]["soil"] is None and "soil" not in at.session_state["u.errors"]
    assert UNKNOWN_NOTE in texts(at)
    at.selectbox(key="u.form.soil").set_value("sand").run()
    assert at.session_state["u.sent"]["soil"] == "sand" and UNKNOWN_NOTE not in texts(at)


def test_a_required_category_has_no_unknown():
    at = AppTest.from_function(unknown_app).run()
    assert at.selectbox(key="u.form.field").options == ["north", "south"]


def test_an_emptied_optional_text_is_sent_missing_and_a_required_one_is_refused():
    at = AppTest.from_function(unknown_app).run()
    assert at.text_area(key="u.form.remark").placeholder == "unknown"
    at.text_area(key="u.form.remark").set_value("").run()
    assert at.session_state["u.sent"]["remark"] is None and UNKNOWN_NOTE in texts(at)
    at.text_area(key="u.form.plot_code").set_value("  ").run()
    error = at.session_state["u.errors"]["plot_code"]
    assert error == ("plot_code is empty, and this model needs a value here (its schema allows no missing value). "
                     "Type one, or press Reset for a typical example.")
    assert error in texts(at)


def test_a_model_that_learnt_from_gaps_takes_unknown_categories_and_texts():
    rows = pd.DataFrame({"soil": ["clay", None, "sand"], "remark": [f"note {i} " * 9 for i in range(2)] + [np.nan],
                         "field": ["north", "south", "north"]})
    found = {f.name: f for f in from_reference(rows).features}
    assert found["soil"].missing_allowed and found["remark"].missing_allowed
    assert not found["field"].missing_allowed


def test_a_missing_text_goes_as_null_on_the_v2_wire_never_as_empty_or_nan():
    schema = from_reference(pd.DataFrame({"soil": ["clay", None], "depth": [1.0, 2.0]}))
    body = V2Codec().encode(pd.DataFrame({"soil": [None, np.nan, "clay"], "depth": [1.0, 2.0, 3.0]}), schema)
    soil = next(i for i in body["inputs"] if i["name"] == "soil")
    assert list(soil["data"]) == [None, None, "clay"]
