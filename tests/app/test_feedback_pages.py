"""Feedback in the app: capture under a prediction, review by role."""

from __future__ import annotations

import pytest

from tests.app.helpers import texts, unescape
from workbench.feedback import metrics as fm
from workbench.feedback.capture import record_feedback
from workbench.store import log_prediction, open_store


def _engine(app_env):
    return open_store(f"sqlite:///{app_env / 'wb.db'}")


def predicted(logged_in, user: str = "analyst", model: str = "tips"):
    at = logged_in(user)
    at.session_state["models.selected"] = model
    at.switch_page("../pages/predict.py").run()
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    return at


def box_button(at, suffix: str):
    return next(b for b in at.button if b.key and b.key.startswith("predict.feedback.") and b.key.endswith(suffix))


def test_one_click_correct_is_stored(logged_in, app_env):
    at = predicted(logged_in)
    box_button(at, ".correct").click().run()
    assert not at.exception, at.exception
    assert "You said: **Correct**" in texts(at)
    assert "kept in the workbench" in texts(at)  # tips speaks V2: nothing to send it to
    frame = fm.feedback_frame(_engine(app_env))
    assert frame["verdict"].tolist() == ["correct"] and frame["user"].tolist() == ["analyst"]


def test_wrong_asks_for_the_right_answer_from_the_classes(logged_in, app_env):
    at = predicted(logged_in)
    said = next(m.value for m in at.metric if m.label == "Prediction")
    box_button(at, ".wrong_button").click().run()
    assert "Wrong? Tell us the right answer" in texts(at)
    choice = next(s for s in at.selectbox if s.key and s.key.endswith(".truth"))
    assert said not in choice.options and len(choice.options) >= 1
    choice.set_value(choice.options[0])
    next(t for t in at.text_input if t.key and t.key.endswith(".tags")).input("audit, lab")
    next(b for b in at.button if b.label == "Send feedback").click().run()
    assert not at.exception, at.exception
    frame = fm.feedback_frame(_engine(app_env))
    assert frame["verdict"].tolist() == ["wrong"] and frame["truth"].tolist() == [choice.options[0]]
    assert frame["tags"].tolist() == ["audit, lab"]
    # withdraw keeps the history and removes the vote
    box_button(at, ".withdraw").click().run()
    assert not at.exception, at.exception
    assert fm.feedback_frame(_engine(app_env)).empty


def seed(app_env):
    engine = _engine(app_env)
    for i, (user, verdict) in enumerate([("analyst", "correct"), ("scientist", "wrong"), ("admin", "correct")]):
        pid = log_prediction(engine, user=user, model="tips", protocol="v2", request_id=f"r{i}",
                             inputs={"total_bill": 10.0 + i},
                             outputs={"task": "classification", "label": "standard",
                                      "probabilities": {"generous": 0.2, "standard": 0.8}})
        record_feedback(engine, pid, user, verdict, truth="generous" if verdict == "wrong" else None)


def test_analysts_cannot_open_the_review(logged_in, app_env):
    seed(app_env)
    at = logged_in("analyst")
    with pytest.raises(ValueError):
        at.switch_page("../pages/feedback_review.py")


def test_scientists_review_everyone(logged_in, app_env):
    seed(app_env)
    at = logged_in("scientist")
    at.switch_page("../pages/feedback_review.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Review feedback"
    assert set(at.selectbox(key="review.user").options) == {"everyone", "analyst", "scientist", "admin"}
    metrics = {m.label: m.value for m in at.metric}
    # 3 verdicts: a count, not "67%" (a percent of so few reads as a verdict on the model)
    assert metrics["Accuracy"] == "2 of 3 correct" and metrics["Labelled predictions"] == "3 of 3"
    assert any("fewer than 30" in w.value for w in at.warning)
    assert not any("one-sided" in w.value for w in at.warning)  # 3 verdicts: too few to call one-sided
    assert metrics["Feedback in range"] == "3" and metrics["Coverage"].endswith("%")
    assert "." not in metrics["Coverage"]  # one percent format beside accuracy's "67%"
    captions = unescape(" ".join(c.value for c in at.caption))
    assert "appear once 5 predictions are labelled (so far: 3)" in captions  # 3 labelled: no one-bar chart
    assert "3 cases from " in captions and "their inputs and the model's answer, with the right answer." in captions
    table = at.dataframe[0].value
    assert table["verdict"].iloc[0] == "Wrong" and table["case"].iloc[0].startswith("/history?prediction=")
    assert len(at.get("download_button")) == 2
    at.selectbox(key="review.user").set_value("scientist").run()
    assert len(at.dataframe[0].value) == 1


def test_the_review_page_shows_an_analyst_only_their_own(app_env, monkeypatch):
    """If analysts are let in (a custom role setup), they see only their own feedback unless allowed."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import TIMEOUT, _reset_caches

    seed(app_env)
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    _reset_caches()
    at = AppTest.from_file("../../pages/feedback_review.py", default_timeout=TIMEOUT)
    at.session_state["auth.role"] = "analyst"
    at.session_state["username"] = "analyst"
    at.run()
    assert not at.exception, at.exception
    assert list(at.selectbox(key="review.user").options) == ["analyst"]
    assert at.dataframe[0].value["verdict"].tolist() == ["Correct"]  # the analyst's one, not the scientist's "wrong"
    monkeypatch.setenv("WORKBENCH_ANALYSTS_SEE_ALL_FEEDBACK", "true")
    _reset_caches()
    at.run()
    assert len(at.selectbox(key="review.user").options) == 4


def test_empty_review_teaches(logged_in, app_env):
    at = logged_in("scientist")
    at.switch_page("../pages/feedback_review.py").run()
    assert not at.exception, at.exception
    assert "No feedback yet" in texts(at) and "mds feedback" in texts(at)


def test_from_five_verdicts_accuracy_is_a_percent_with_its_charts(logged_in, app_env):
    engine = _engine(app_env)
    for i, verdict in enumerate(["correct", "correct", "wrong", "correct", "wrong", "correct"]):
        pid = log_prediction(engine, user="analyst", model="tips", protocol="v2", request_id=f"f{i}",
                             inputs={"total_bill": 10.0 + i},
                             outputs={"task": "classification", "label": "standard",
                                      "probabilities": {"generous": 0.2, "standard": 0.8}})
        record_feedback(engine, pid, "analyst", verdict, truth="generous" if verdict == "wrong" else None)
    at = logged_in("scientist")
    at.switch_page("../pages/feedback_review.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accuracy"] == "67%" and metrics["Labelled predictions"] == "6 of 6"
    assert not any("appear once" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 2  # accuracy per day, true against predicted
