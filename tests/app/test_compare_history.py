"""Compare sends one input to several models; History lists them and permalinks reopen one."""

from __future__ import annotations

from components.comparison_view import STALE_NOTE
from tests.app.helpers import metric_values, shown_tables, texts, unescape
from workbench.store import log_prediction, open_store, recent_predictions


def test_compare_wine_with_its_v1_twin(logged_in, app_env):
    at = logged_in("analyst")
    at.session_state["models.selected"] = "wine"
    at.switch_page("../pages/compare.py").run()
    assert not at.exception, at.exception
    others = at.multiselect(key="compare.others.wine")
    assert "wine-v1" in others.options
    others.set_value(["wine-v1"]).run()
    assert unescape(at.button(key="compare.send").label) == "Send to wine and wine-v1"  # names, not "2 models"
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


def test_compare_results_belong_to_the_input_that_produced_them(logged_in):
    at = logged_in("analyst")
    at.session_state["models.selected"] = "tips"
    at.switch_page("../pages/compare.py").run()
    at.multiselect(key="compare.others.tips").set_value(["tip-amount"]).run()
    at.button(key="compare.send").click().run()
    assert set(metric_values(at)) == {"tips", "tip-amount"}
    # Another set of models to compare: the answers shown are the earlier set's, and say so.
    at.multiselect(key="compare.others.tips").set_value([]).run()
    assert STALE_NOTE in texts(at) and set(metric_values(at)) == {"tips (earlier answer)", "tip-amount (earlier answer)"}
    at.multiselect(key="compare.others.tips").set_value(["tip-amount"]).run()
    assert STALE_NOTE not in texts(at) and set(metric_values(at)) == {"tips", "tip-amount"}
    # Another model's form: the answers for the tips input are gone, not shown under the new form.
    at.selectbox(key="compare.model").set_value("wine").run()
    assert not at.exception, at.exception
    assert not {"tips", "tip-amount"} & set(metric_values(at))
    # Back to tips with a changed input: the old answers are shown as the previous input's.
    at.selectbox(key="compare.model").set_value("tips").run()
    at.number_input(key="predict.form.tips.total_bill").set_value(12.5).run()
    assert STALE_NOTE in texts(at)
    assert set(metric_values(at)) == {"tips (earlier answer)", "tip-amount (earlier answer)"}


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
    assert list(table["model"]) == ["tips"] and table["id"].iloc[0].endswith("?prediction=1")
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


def test_a_case_shows_inputs_answer_and_feedback_and_a_data_scientist_can_open_it(logged_in):
    at = logged_in("analyst")
    at.session_state["models.selected"] = "tips"
    at.switch_page("../pages/predict.py").run()
    at.button(key="predict.send").click().run()
    sent = dict(at.session_state["predict.values.tips"])
    next(b for b in at.button if b.key and b.key.startswith("predict.feedback.") and b.key.endswith(".correct")).click()
    at.run()
    assert not at.exception, at.exception
    at.switch_page("../pages/history.py").run()
    listed = at.dataframe[0].value
    assert listed["feedback"].iloc[0] == "Correct"
    at.session_state["history.list.table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}  # row 1 picked
    at.run()
    assert "total_bill=" in dict(at.dataframe[1].value.values.tolist())["Inputs"]  # its inputs, in the detail

    other = logged_in("scientist")  # the feedback review links to everyone's cases
    other.switch_page("../pages/history.py")
    other.query_params["prediction"] = "1"
    other.run()
    assert not other.exception, other.exception
    assert "Prediction 1: tips" in [unescape(s.value) for s in other.subheader]
    tables = {tuple(t.columns): t for t in shown_tables(other)}  # grids, and the feedback's wrapped table
    inputs = tables[("feature", "value")]
    assert dict(zip(inputs["feature"], inputs["value"], strict=True)) == {k: str(v) for k, v in sent.items()}
    feedback = next(t for cols, t in tables.items() if "Verdict" in cols)
    assert feedback["Verdict"].tolist() == ["Correct"] and feedback["From"].tolist() == ["analyst"]
    assert "kept in the workbench" in feedback["Delivery"].iloc[0]


def test_permalink_of_someone_else_is_refused(logged_in):
    """Analysts see only their own predictions (data scientists open any)."""
    at = logged_in("scientist")
    at.switch_page("../pages/predict.py").run()
    at.button(key="predict.send").click().run()
    other = logged_in("analyst")
    other.switch_page("../pages/history.py")
    other.query_params["prediction"] = "1"
    other.run()
    assert "was made by someone else" in texts(other)


def test_analysts_cannot_open_each_others_cases():
    from workbench.auth import can_open_case
    from workbench.settings import Settings

    assert can_open_case("analyst", "ana", "ana", Settings())
    assert not can_open_case("analyst", "bo", "ana", Settings())
    assert can_open_case("analyst", "bo", "ana", Settings(analysts_see_all_feedback=True))
    assert can_open_case("data_scientist", "sam", "ana", Settings())


def test_empty_history_teaches(logged_in):
    at = logged_in("scientist", page="history")
    assert "No predictions yet" in texts(at)


def test_empty_own_history_points_to_everyones(logged_in, app_env):
    engine = open_store(f"sqlite:///{app_env / 'wb.db'}")
    for _ in range(2):
        log_prediction(engine, user="someone-else", model="any-model", inputs={"x": 1}, outputs={"label": "a"})
    at = logged_in("scientist", page="history")
    assert "You have no predictions yet; turn on 'Everyone's predictions' to see 2 predictions by others." in texts(at)
    assert "No predictions yet. Run one" not in texts(at)
    at.toggle(key="history.everyone").set_value(True).run()
    assert not at.exception, at.exception
    assert "You have no predictions yet" not in texts(at) and len(at.dataframe[0].value) == 2


def test_models_page_try_it_opens_predict(logged_in):
    at = logged_in("analyst")
    assert "5 models, 5 ready." in texts(at) or "models," in texts(at)
    at.button(key="models.try.digits").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Run a prediction"
    assert at.selectbox(key="predict.model").value == "digits"
    assert at.file_uploader


def test_compare_shows_the_values_predict_was_left_with(logged_in):
    """One form, two pages: the numbers typed on Predict are the numbers Compare shows and sends."""
    at = logged_in("analyst")
    at.session_state["models.selected"] = "wine"
    at.switch_page("../pages/predict.py").run()
    first = at.number_input[0]
    first.set_value(first.value + 1).run()
    on_predict = {n.key: n.value for n in at.number_input}
    at.switch_page("../pages/compare.py").run()
    assert not at.exception, at.exception
    on_compare = {n.key: n.value for n in at.number_input}
    assert on_compare == on_predict
    at.switch_page("../pages/predict.py").run()
    assert {n.key: n.value for n in at.number_input} == on_predict


def test_history_says_when_it_shows_only_the_latest(logged_in, app_env):
    """No silent limit: past 100 predictions the list says how many it leaves out."""
    engine = open_store(f"sqlite:///{app_env / 'wb.db'}")
    for i in range(103):
        log_prediction(engine, user="scientist", model="any-model", inputs={"x": i}, outputs={"label": "a"})
    at = logged_in("scientist", page="history")
    assert not at.exception, at.exception
    assert "The latest 100 of 103 predictions; open an older one by its number below." in texts(at)
    assert len(at.dataframe[0].value) == 100


def test_history_opens_an_older_case_by_number_and_back_stays_on_the_list(logged_in, app_env):
    engine = open_store(f"sqlite:///{app_env / 'wb.db'}")
    ids = [log_prediction(engine, user="scientist", model="any-model", inputs={"x": i}, outputs={"label": "a"})
           for i in range(103)]
    at = logged_in("scientist", page="history")
    at.text_input(key="history.by_id").set_value("abc").run()
    assert any("is not a prediction number" in w.value for w in at.warning)
    at.text_input(key="history.by_id").set_value(str(ids[0])).run()  # the oldest: not in the list of 100
    assert not at.exception, at.exception
    assert at.query_params["prediction"] in (str(ids[0]), [str(ids[0])])
    assert any(f"Prediction {ids[0]}" in unescape(s.value) for s in at.subheader)
    at.button(key="history.back").click().run()
    assert not at.exception, at.exception
    assert "prediction" not in at.query_params and not at.subheader  # the list, not the case again
    at.selectbox(key="history.pick").set_value(ids[-1]).run()
    assert at.query_params["prediction"] in (str(ids[-1]), [str(ids[-1])])
