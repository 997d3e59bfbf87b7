"""History as a person reads it: a case shows its call's trace id, linked when WORKBENCH_TRACE_URL is set (the
hint to set it for admins only); a failed call reads failed; a case keeps the outlier warning Predict gave."""

from __future__ import annotations

from components.history_table import FAILED
from tests.app.helpers import shown_tables
from tests.workbench.picked_models import numeric_classifier
from workbench.settings import get_settings
from workbench.store import log_prediction, open_store

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
__all__ = ["numeric_classifier"]


def _case(app_env) -> int:
    engine = open_store(f"sqlite:///{app_env / 'wb.db'}")
    return log_prediction(engine, user="analyst", model="gone-model", inputs={"x": 1}, error="refused",
                          trace_id=TRACE)


def test_case_shows_trace_id_and_link(logged_in, app_env, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_TRACE_URL", "http://127.0.0.1:16686/trace/{trace_id}")
    get_settings.cache_clear()
    case = _case(app_env)
    at = logged_in("analyst", "history")
    at.query_params["prediction"] = str(case)
    at.run()
    assert not at.exception, at.exception
    assert f"Trace {TRACE}" in [t.value for t in at.text]
    links = [b for b in at.get("link_button")]
    assert [b.proto.url for b in links] == [f"http://127.0.0.1:16686/trace/{TRACE}"]


def test_case_without_trace_url_tells_only_admins_how_to_link(logged_in, app_env) -> None:
    """Configuring the trace link is an admin's job: an analyst is not told to set an environment variable."""
    case = _case(app_env)
    for user, told in (("analyst", False), ("admin", True)):
        at = logged_in(user, "history")
        at.query_params["prediction"] = str(case)
        at.run()
        assert not at.exception, at.exception
        assert f"Trace {TRACE}" in [t.value for t in at.text]
        assert not at.get("link_button")
        assert any("WORKBENCH_TRACE_URL" in c.value for c in at.caption) is told, user


def test_a_failed_call_reads_failed_in_history(logged_in, app_env) -> None:
    _case(app_env)
    at = logged_in("analyst", "history")
    assert not at.exception, at.exception
    [table] = [t for t in shown_tables(at) if "Answer" in t.columns or "answer" in t.columns]
    answers = table["Answer" if "Answer" in table.columns else "answer"].tolist()
    assert answers == [FAILED]


def test_a_case_opened_from_history_keeps_its_outlier_warning(logged_in, app_env, numeric_classifier) -> None:
    """Inputs far outside the reference data were flagged beside the answer on Predict; the case says so too."""
    m = numeric_classifier
    far = {f.name: float(m.reference[f.name].max()) * 50 + 1000 for f in m.schema.features}
    engine = open_store(f"sqlite:///{app_env / 'wb.db'}")
    case = log_prediction(engine, user="analyst", model=m.ref.name, inputs=far,
                          outputs={"task": "classification", "label": str(m.schema.class_names[0]),
                                   "probabilities": {str(m.schema.class_names[0]): 1.0}})
    typical = log_prediction(engine, user="analyst", model=m.ref.name,
                             inputs={f.name: float(m.reference[f.name].median()) for f in m.schema.features},
                             outputs={"task": "classification", "label": str(m.schema.class_names[0])})
    for prediction, flagged in ((case, True), (typical, False)):
        at = logged_in("analyst", "history")
        at.query_params["prediction"] = str(prediction)
        at.run()
        assert not at.exception, at.exception
        assert any("unlike the data the model learnt from" in w.value for w in at.warning) is flagged, prediction
