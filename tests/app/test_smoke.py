"""Every page, as every role, runs without an exception; the login gate holds."""

from __future__ import annotations

import pytest

from tests.app.conftest import PAGE_FILES, PAGES
from workbench.auth import can_open

ROLES = {"analyst": "analyst", "scientist": "data_scientist", "admin": "admin"}


def test_login_page_first(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert any("demo users" in i.value for i in at.info)
    assert [t.value for t in at.title] == ["MDS Workbench"]


def test_wrong_password(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("analyst")
    at.text_input[1].input("nope")
    at.button[0].click().run()
    assert any("Wrong username or password" in e.value for e in at.error)
    assert "username" not in at.session_state or not at.session_state["authentication_status"]


def test_every_page_has_its_file():
    missing = [str(path) for path in PAGE_FILES.values() if not path.is_file()]
    assert not missing, f"the navigation names pages that do not exist: {missing}"


@pytest.mark.parametrize("user", list(ROLES))
def test_every_page_as_every_role(logged_in, user):
    at = logged_in(user)
    assert not at.exception, at.exception
    assert at.title[0].value == "Find a model"
    for page in PAGES:
        if not can_open(ROLES[user], page):
            with pytest.raises(ValueError):
                at.switch_page(f"../pages/{page}.py")
            continue
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.title and at.title[0].value.strip(), f"page {page} has no title"


def test_auth_off_banner(no_auth):
    at = no_auth()
    assert not at.exception
    assert any("Login is turned off" in w.value for w in at.warning)
    assert at.title[0].value == "Find a model"
