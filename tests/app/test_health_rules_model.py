"""Health's "Alert rules of a model" opens on the model a link names (``?model=``) or the one chosen on another
page, like every model picker, instead of the catalog's first model."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, page_path
from workbench.catalog.service import read_catalog
from workbench.settings import get_settings


def open_health(monkeypatch, **query: str) -> AppTest:
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", "")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    at.switch_page(page_path("health")).run()
    assert not at.exception, at.exception
    return at


def test_the_rules_open_on_the_linked_model(app_env, monkeypatch):
    names = [r.name for r in read_catalog(get_settings().catalog_path)]
    last = names[-1]  # not the first: the picker used to start there whatever the link said
    at = open_health(monkeypatch, model=last)
    assert at.selectbox(key="health.rules.model").value == last
    assert "model" not in at.query_params  # read once, as every page's picker does
