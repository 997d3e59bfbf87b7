"""Predict with a model of the tests' own (tests/hive_model.py, served by a real MLServer): an answer is marked
out of date as soon as the inputs on screen change (form, raw JSON, a drawn image), and an emptied box goes as
a missing value or is refused, never as 0."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.prediction_view import STALE_NOTE
from tests.app.helpers import metric_values, texts
from tests.hive_model import NAME, catalog, publish_hive
from workbench.settings import get_settings

pytestmark = pytest.mark.server


@pytest.fixture
def hive_predict(logged_in, publish_server, client, monkeypatch):
    publish_hive(publish_server, client)
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog(publish_server)))
    get_settings.cache_clear()

    def make(user: str = "analyst") -> AppTest:
        at = logged_in(user)
        at.session_state["models.selected"] = NAME
        at.switch_page("../pages/predict.py").run()
        assert not at.exception, at.exception
        return at

    return make


def _send(at: AppTest, key: str = "predict.send") -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def test_a_changed_field_marks_the_answer_out_of_date_until_sent_again(hive_predict):
    at = _send(hive_predict())
    assert metric_values(at)["Prediction"] in ("treat now", "watch")
    assert STALE_NOTE not in texts(at)
    at.number_input(key=f"predict.form.{NAME}.brood_temp_c").set_value(36.2).run()
    assert STALE_NOTE in texts(at)
    assert "Earlier prediction" in metric_values(at) and "Prediction" not in metric_values(at)
    _send(at)
    assert STALE_NOTE not in texts(at) and "Prediction" in metric_values(at)


def test_an_emptied_optional_box_is_sent_missing_and_a_required_one_blocks_predict(hive_predict):
    at = hive_predict()
    at.number_input(key=f"predict.form.{NAME}.mite_count").set_value(None).run()
    assert "Unknown: sent as a missing value, which this model accepts." in texts(at)
    _send(at)
    request = at.session_state["predict.last_result"].request
    sent = {i["name"]: list(i["data"]) for i in request["inputs"]}
    assert sent["mite_count"] == [None]  # NaN: null on the wire, not 0
    at.number_input(key=f"predict.form.{NAME}.brood_temp_c").set_value(None).run()
    assert at.button(key="predict.send").disabled
    assert "brood_temp_c is empty, and this model needs a number here" in texts(at)
    assert STALE_NOTE in texts(at)


def test_an_edited_raw_payload_marks_the_answer_out_of_date(hive_predict):
    at = hive_predict()
    at.segmented_control(key=f"predict.mode.{NAME}").set_value("Raw JSON").run()
    _send(at, "predict.send_raw")
    assert "Prediction" in metric_values(at) and STALE_NOTE not in texts(at)
    area = at.text_area(key=f"predict.raw.{NAME}.text")
    area.set_value(area.value.replace("hill", "meadow", 1).replace("orchard", "meadow", 1)).run()
    assert STALE_NOTE in texts(at)


def image_app():
    """Any image model's shape (here 6 x 9): Clear marks the earlier answer out of date."""
    import streamlit as st

    from components.prediction_view import render_result
    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema
    from workbench.predict.results import Result
    from workbench.ui import state

    schema = ModelSchema(features=(Feature("scan", FeatureKind.IMAGE, shape=(6, 9), minimum=0.0, maximum=255.0),))
    form = render_schema_form(schema, key="img.form", typical=dict.fromkeys(schema.table_columns(), 255.0),
                              read_picture=lambda *a: np.zeros((6, 9)))
    shown = state.inputs_fingerprint(form.values)
    if st.button("Predict", key="img.send"):
        state.set_answered_inputs("scanner", shown)
        state.set_last_result(Result("scanner", "v2", "classification", "cracked", {"cracked": 0.69, "sound": 0.31},
                                     None, 4.0, "r1", {}, {}))
    result = state.last_result()
    if result is not None:
        render_result(result, key="img.result", stale=state.answer_is_stale("scanner", shown))


def test_clear_marks_the_image_answer_out_of_date_until_sent_again():
    at = AppTest.from_function(image_app).run()
    at.button(key="img.send").click().run()
    assert metric_values(at)["Prediction"] == "cracked" and STALE_NOTE not in texts(at)
    at.button(key="img.form.scan.clear").click().run()
    assert not at.exception, at.exception
    assert STALE_NOTE in texts(at)
    at.button(key="img.send").click().run()
    assert STALE_NOTE not in texts(at)
