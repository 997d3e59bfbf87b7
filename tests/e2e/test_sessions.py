"""Sessions and roles in a real browser: a reload and a new tab keep the login, logging out ends it,
a page a role may not open says so at its URL, and an anonymous visitor meets the login form on every URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.app.conftest import PAGES
from tests.e2e.conftest import log_in, settle, wait_for_cookie
from workbench.auth import can_open

pytestmark = pytest.mark.e2e
COOKIE = "mds_workbench_auth"


def test_reload_and_new_tab_keep_the_login_and_log_out_ends_it(page: Page, app_url: str):
    page.goto(app_url)
    log_in(page)
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    settle(page)
    wait_for_cookie(page, COOKIE)  # the cookie setter has mounted and run
    assert any(c["name"] == COOKIE for c in page.context.cookies())
    page.reload()
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    other = page.context.new_page()  # a new tab, a permalink
    other.goto(app_url + "/history")
    expect(other.get_by_role("heading", name="Your recent predictions")).to_be_visible()
    other.close()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    wait_for_cookie(page, COOKIE, present=False)
    page.reload()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()


@pytest.mark.parametrize("user,role", [("analyst", "analyst"), ("scientist", "data_scientist"), ("admin", "admin")])
def test_every_page_by_url_per_role(browser: Browser, app_url: str, user: str, role: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url)
    log_in(page, user, f"{user}-demo")
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    settle(page)
    wait_for_cookie(page, COOKIE)  # later pages are opened by URL: a new session that logs in by the cookie
    for key in PAGES:
        page.goto(f"{app_url}/{key}")
        settle(page)
        refused = page.get_by_role("heading", name="Not for your role")
        if can_open(role, key):
            expect(page.get_by_role("heading").first).to_be_visible()
            assert refused.count() == 0, key
            assert page.get_by_role("textbox", name="Password").count() == 0, f"{key}: asked to log in again"
        else:
            expect(refused).to_be_visible()
    context.close()


def test_anonymous_meets_the_login_form_on_every_url(page: Page, app_url: str):
    for key in PAGES:
        page.goto(f"{app_url}/{key}")
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        assert page.get_by_role("heading", name="Not for your role").count() == 0
