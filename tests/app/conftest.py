"""AppTest helpers: the app pointed at the session's embedded MDS, a fresh store per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from workbench.feedback.outbox import stop_background_delivery
from workbench.navigation import PAGE_SPECS
from workbench.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "workbench" / "app.py")
# every page the navigation knows; a page whose file is missing fails the smoke test instead of being skipped
PAGES = [key for key, _filename, *_ in PAGE_SPECS]
PAGE_FILES = {key: REPO / "pages" / filename for key, filename, *_ in PAGE_SPECS}
PASSWORDS = {"analyst": "analyst-demo", "scientist": "scientist-demo", "admin": "admin-demo"}
TIMEOUT = 30


def page_path(name: str) -> str:
    return f"../pages/{name}.py"


def _reset_caches() -> None:
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(monkeypatch, tmp_path, catalog_path):
    """Settings for one test: the real catalog, a fresh SQLite file, login on."""
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog_path))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'wb.db'}")
    monkeypatch.setenv("WORKBENCH_AUTH", "on")
    _reset_caches()
    yield tmp_path
    _reset_caches()
    # A page that took feedback started the app's delivery thread on this test's store; it must not
    # outlive the test (start_background_delivery would hand it to the next caller).
    stop_background_delivery()


def login(at: AppTest, user: str) -> AppTest:
    at.text_input[0].input(user)
    at.text_input[1].input(PASSWORDS[user])
    at.button[0].click().run(timeout=TIMEOUT)
    return at


@pytest.fixture
def logged_in(app_env) -> Callable[..., AppTest]:
    """A function (user="analyst", page=None) -> AppTest logged in and on that page."""

    def make(user: str = "analyst", page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        login(at, user)
        if page:
            at.switch_page(page_path(page)).run()
        return at

    return make


@pytest.fixture
def no_auth(app_env, monkeypatch) -> Callable[..., AppTest]:
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    get_settings.cache_clear()

    def make(page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        if page:
            at.switch_page(page_path(page)).run()
        return at

    return make
