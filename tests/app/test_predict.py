"""Predict page: the form per feature kind, validation, a result with its request, the audit row, faults."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.app.helpers import dead_url, derived_catalog, metric_values, texts, unescape
from workbench.store import open_store, recent_predictions


def _engine(app_env):
    return open_store(f"sqlite:///{app_env / 'wb.db'}")


def open_predict(logged_in, model: str, user: str = "analyst"):
    at = logged_in(user)
    at.session_state["models.selected"] = model
    at.switch_page("../pages/predict.py").run()
    assert not at.exception, at.exception
    return at


def test_tips_form_has_a_widget_per_kind(logged_in):
    at = open_predict(logged_in, "tips")
    assert at.title[0].value == "Run a prediction"
    numbers = {n.key.rsplit(".", 1)[-1] for n in at.number_input}
    assert {"total_bill", "size"} <= numbers
    sex = at.selectbox(key="predict.form.tips.sex")
    assert list(sex.options) == ["Female", "Male"]
    assert at.checkbox(key="predict.form.tips.smoker").value in (True, False)
    size = at.number_input(key="predict.form.tips.size")
    assert isinstance(size.value, int)
    assert at.button(key="predict.form.tips.random") and at.button(key="predict.form.tips.reset")


@pytest.mark.parametrize("model", ["wine", "tips"])
def test_numbers_on_screen_are_the_numbers_sent(logged_in, model):
    """Each number field shows every decimal of its value, for the typical and for random examples."""
    at = open_predict(logged_in, model)
    for _ in range(3):
        for field in at.number_input:
            fmt = field.proto.format or "%g"
            assert float(fmt % field.value) == pytest.approx(field.value, abs=1e-12), (field.key, fmt, field.value)
        at.button(key=f"predict.form.{model}.random").click().run()
        assert not at.exception, at.exception


def test_predict_shows_answer_request_snippets_and_logs(logged_in, app_env):
    at = open_predict(logged_in, "tips")
    at.selectbox(key="predict.form.tips.day").set_value("Sun")
    at.number_input(key="predict.form.tips.total_bill").set_value(31.5)
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    metrics = metric_values(at)
    assert metrics["Prediction"] in ("generous", "standard")
    shown = metrics["Confidence"]  # a whole percent, as on every page: "59%", ">99%"
    assert shown.endswith("%") and 50 <= float(shown.lstrip("<>").rstrip("%")) <= 100
    assert metrics["Latency"].endswith(" ms")
    assert at.get("plotly_chart"), "no probability chart"
    code = [c.value for c in at.code]
    assert any(c.startswith("curl -sS -X POST") and "/v2/models/tips/infer" in c for c in code)
    assert any("import requests" in c for c in code) and any("MDSClient" in c for c in code)
    assert not at.error
    rows = recent_predictions(_engine(app_env), "analyst")
    assert len(rows) == 1
    row = rows[0]
    assert row.status == "ok" and row.model == "tips" and row.user == "analyst"
    assert row.inputs["total_bill"] == 31.5 and row.inputs["day"] == "Sun"
    assert row.outputs["label"] == metrics["Prediction"]
    assert row.request["inputs"] and row.response["outputs"] and row.request_id == row.request["id"]
    assert row.latency_ms and row.latency_ms > 0


def test_regression_shows_value(logged_in):
    at = open_predict(logged_in, "tip-amount")
    at.button(key="predict.send").click().run()
    value = metric_values(at)["Predicted value"]
    assert value.endswith("$") and 0 < float(value.split()[0]) < 20


def test_validation_next_to_field_before_sending(logged_in, app_env):
    at = open_predict(logged_in, "tips")
    at.number_input(key="predict.form.tips.size").set_value(9).run()
    errors = [e.value for e in at.error]
    assert any("size" in e and "above the maximum 6" in e for e in errors), errors
    assert at.button(key="predict.send").disabled
    assert "Fix the fields marked in red" in texts(at)
    assert recent_predictions(_engine(app_env), "analyst") == []


def test_random_example_and_reset(logged_in):
    at = open_predict(logged_in, "wine")
    key = "predict.form.wine.alcohol"
    typical = at.number_input(key=key).value
    changed = False
    for _ in range(4):
        at.button(key="predict.form.wine.random").click().run()
        changed = changed or at.number_input(key=key).value != typical
    assert changed
    at.button(key="predict.form.wine.reset").click().run()
    assert at.number_input(key=key).value == typical


def test_image_model_uploader_preview_and_predict(logged_in):
    at = open_predict(logged_in, "digits")
    assert at.file_uploader, "no picture uploader"
    assert at.image, "no preview"
    picture = np.full((32, 32), 255, dtype=np.uint8)
    picture[4:28, 14:18] = 0  # a dark vertical stroke on white: a "1"
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    at.file_uploader[0].set_value(("one.png", buffer.getvalue(), "image/png")).run()
    assert not at.exception, at.exception
    tensor = at.session_state["predict.form.digits.image.tensor"]
    assert tensor.shape == (8, 8) and tensor.max() <= 16 and tensor[:, 3:5].mean() > tensor[:, :2].mean()
    at.button(key="predict.send").click().run()
    assert metric_values(at)["Prediction"] in [str(i) for i in range(10)]


def test_the_digit_can_be_drawn_on_the_grid_and_a_blank_one_is_flagged(logged_in):
    at = open_predict(logged_in, "digits")
    at.button(key="predict.form.digits.image.clear").click().run()
    tensor = at.session_state["predict.form.digits.image.tensor"]
    assert tensor.max() == 0
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    assert any("unlike the data the model learnt from" in w.value for w in at.warning), "a blank image scored silently"
    # A stroke drawn in column 4 (the grid writes the tensor the form sends).
    drawn = tensor.copy()
    drawn[1:7, 3] = 16.0
    at.session_state["predict.form.digits.image.tensor"] = drawn
    at.session_state["predict.form.digits.image.version"] = at.session_state["predict.form.digits.image.version"] + 1
    at.run()
    assert not at.exception, at.exception
    sent = at.session_state["predict.values.digits"]
    assert sent["image_1_3"] == 16.0 and sent["image_0_3"] == 0.0


def test_typical_inputs_are_not_flagged(logged_in):
    at = open_predict(logged_in, "wine")
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    assert not any("unlike the data" in w.value for w in at.warning)


def test_server_down_message_keeps_form(logged_in, app_env, catalog_path, monkeypatch):
    broken = derived_catalog(catalog_path, app_env / "catalog.yaml", {"tips": {"url": dead_url()}})
    monkeypatch.setenv("WORKBENCH_CATALOG", str(broken))
    from workbench.settings import get_settings

    get_settings.cache_clear()
    at = open_predict(logged_in, "tips")
    assert "is not ready" in texts(at)
    at.number_input(key="predict.form.tips.total_bill").set_value(42.0)
    at.button(key="predict.send").click().run()
    assert not at.exception
    message = unescape(" ".join(e.value for e in at.error))
    assert "Model 'tips' not reachable" in message and "connection refused" in message
    assert "Is the server running?" in message
    assert "Traceback" not in texts(at)
    assert at.number_input(key="predict.form.tips.total_bill").value == 42.0
    rows = recent_predictions(_engine(app_env), "analyst")
    assert [r.status for r in rows] == ["error"] and "not reachable" in rows[0].error


@pytest.mark.parametrize("protocol", ["v2"])
def test_unknown_schema_falls_back_to_raw_json(logged_in, app_env, catalog_path, local_mds, monkeypatch, protocol):
    mlserver = local_mds.url("mlserver")
    catalog = derived_catalog(catalog_path, app_env / "catalog.yaml", {}, extra=[
        {"name": "mystery", "protocol": protocol, "url": mlserver, "model": "echo", "description": "No schema."}])
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog))
    from workbench.settings import get_settings

    get_settings.cache_clear()
    at = open_predict(logged_in, "mystery")
    assert "edit the JSON payload" in texts(at)
    editor = at.text_area(key="predict.raw.mystery.text")
    assert '"inputs"' in editor.value
    editor.set_value("{not json").run()
    assert any("not valid JSON" in e.value for e in at.error)
    assert at.button(key="predict.send_raw").disabled
    at.button(key="predict.raw.mystery.sample").click().run()
    at.button(key="predict.send_raw").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert {"Predicted value", "Latency"} <= set(metric_values(at))
    assert recent_predictions(_engine(app_env), "analyst")[0].model == "mystery"
