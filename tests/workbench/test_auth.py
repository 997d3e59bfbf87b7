"""Users file, passwords and which pages each role opens."""

from __future__ import annotations

import pytest

from workbench.auth import (
    DEMO_PASSWORDS,
    UsersFileError,
    can_open,
    check_password,
    load_users,
    pages_for,
    top_role,
)
from workbench.settings import DEMO_USERS_FILE


def test_demo_users_and_passwords():
    users = load_users(DEMO_USERS_FILE)
    assert users.demo
    assert {u: users.users[u].role for u in users.users} == {
        "analyst": "analyst", "scientist": "data_scientist", "admin": "admin"}
    for user, password in DEMO_PASSWORDS.items():
        assert check_password(users, user, password)
        assert not check_password(users, user, password + "x")
    creds = users.credentials()["usernames"]["scientist"]
    assert creds["roles"] == ["data_scientist"] and creds["password"].startswith("$2")


@pytest.mark.parametrize(("role", "pages"), [
    ("analyst", {"models", "predict", "compare", "history", "batch", "explain", "payload_check"}),
    ("data_scientist", {"models", "predict", "compare", "history", "batch", "explain", "payload_check", "feedback_review", "monitor", "publish", "health"}),
    ("admin", {"models", "predict", "compare", "history", "batch", "explain", "payload_check", "feedback_review", "monitor", "publish", "health", "admin"}),
])
def test_pages_per_role(role, pages):
    assert set(pages_for(role)) == pages


def test_top_role():
    assert top_role(["analyst", "admin"]) == "admin"
    assert top_role(None) == "analyst"
    assert not can_open("analyst", "unknown-page")


@pytest.mark.parametrize("text", ["", "users: []", "users:\n  bob: {password: plain, roles: [analyst]}",
                                  "users:\n  bob: {password: $2b$x, roles: [boss]}"])
def test_bad_users_files(tmp_path, text):
    path = tmp_path / "users.yaml"
    path.write_text(text)
    with pytest.raises(UsersFileError):
        load_users(path)


def test_missing_users_file(tmp_path):
    with pytest.raises(UsersFileError, match="does not exist"):
        load_users(tmp_path / "nope.yaml")
