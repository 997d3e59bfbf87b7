"""A History case shows its call's trace id, linked when WORKBENCH_TRACE_URL is set."""

from __future__ import annotations

from workbench.settings import get_settings
from workbench.store import log_prediction, open_store

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


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


def test_case_without_trace_url_says_how_to_link(logged_in, app_env) -> None:
    case = _case(app_env)
    at = logged_in("analyst", "history")
    at.query_params["prediction"] = str(case)
    at.run()
    assert f"Trace {TRACE}" in [t.value for t in at.text]
    assert not at.get("link_button")
    assert any("WORKBENCH_TRACE_URL" in c.value for c in at.caption)
