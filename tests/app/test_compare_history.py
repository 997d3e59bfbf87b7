"""Compare sends one input to several models; History lists them and permalinks reopen one."""

from __future__ import annotations

from tests.app.helpers import metric_values, texts
from workbench.store import open_store, recent_predictions


def test_compare_wine_with_its_v1_twin(logged_in, app_env):
    at = logged_in("analyst")
    at.session_state["models.selected"] = "wine"
    at.switch_page("../pages/compare.py").run()
    assert not at.exception, at.exception
    others = at.multiselect(key="compare.others.wine")
    assert "wine-v1" in others.options
    others.set_value(["wine-v1"]).run()
    at.button(key="compare.send").click().run()
    assert not at.exception, at.exception
    metrics = metric_values(at)
    assert set(metrics) == {"wine", "wine-v1"}
    assert metrics["wine"] == metrics["wine-v1"], "the same model answers the same"
    assert at.get("plotly_chart")
    rows = recent_predictions(open_store(f"sqlite:///{app_env / 'wb.db'}"), "analyst")
    assert sorted(r.model for r in rows) == ["wine", "wine-v1"]


def test_compare_classifier_and_regressor(logged_in):
    at = logged_in("analyst")
    at.session_state["models.selected"] = "tips"
    at.switch_page("../pages/compare.py").run()
    at.multiselect(key="compare.others.tips").set_value(["tip-amount"]).run()
    at.button(key="compare.send").click().run()
    metrics = metric_values(at)
    assert metrics["tips"] in ("generous", "standard")
    assert metrics["tip-amount"].endswith("$")


def test_history_lists_and_permalink_reopens(logged_in):
    at = logged_in("analyst")
    at.session_state["models.selected"] = "tips"
    at.switch_page("../pages/predict.py").run()
    at.button(key="predict.send").click().run()
    label = metric_values(at)["Prediction"]
    at.switch_page("../pages/history.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Your recent predictions"
    table = at.dataframe[0].value
    assert list(table["model"]) == ["tips"] and table["link"].iloc[0].endswith("?prediction=1")
    at.query_params["prediction"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert "Prediction 1: tips" in [s.value for s in at.subheader]
    assert metric_values(at)["Prediction"] == label
    assert any(c.value.startswith("curl") for c in at.code)
    at.button(key="history.reopen").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Run a prediction"
    assert metric_values(at)["Prediction"] == label


def test_permalink_of_someone_else_is_refused(logged_in):
    """Analysts see only their own predictions (data scientists open any: tests/app/test_authorisation.py)."""
    at = logged_in("scientist")
    at.switch_page("../pages/predict.py").run()
    at.button(key="predict.send").click().run()
    other = logged_in("analyst")
    other.switch_page("../pages/history.py")
    other.query_params["prediction"] = "1"
    other.run()
    assert "not found, or it is not yours" in texts(other)


def test_empty_history_teaches(logged_in):
    at = logged_in("scientist", page="history")
    assert "No predictions yet" in texts(at)


def test_models_page_try_it_opens_predict(logged_in):
    at = logged_in("analyst")
    assert "5 models, 5 ready." in texts(at) or "models," in texts(at)
    at.button(key="models.try.digits").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Run a prediction"
    assert at.selectbox(key="predict.model").value == "digits"
    assert at.file_uploader
