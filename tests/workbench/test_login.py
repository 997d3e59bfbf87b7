"""Logging in: wrong passwords slow down, then lock the account (counted in the store); the cookie token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workbench.auth import load_users
from workbench.login import LoginPolicy, attempt_login, issue_token, read_token
from workbench.paths import DEMO_USERS_FILE
from workbench.settings import DEMO_COOKIE_KEY, Settings

USERS = load_users(DEMO_USERS_FILE)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_wrong_passwords_slow_down_then_lock_even_the_right_password(engine):
    policy = LoginPolicy(free_failures=3, lock_after=10, lock_minutes=15)
    waits: list[float] = []
    outcomes = [attempt_login(engine, USERS, "analyst", f"guess-{i}", policy=policy, now=T0 + timedelta(seconds=i),
                              sleep=waits.append) for i in range(10)]
    assert not any(o.ok for o in outcomes)
    assert waits == [0, 0, 0, 1, 2, 4, 8, 8, 8, 8]
    assert "locked for 15 more minutes" in outcomes[-1].message
    # Locked: the right password is refused too, without checking it, and costs no extra wait.
    right = attempt_login(engine, USERS, "analyst", "analyst-demo", policy=policy, now=T0 + timedelta(minutes=5),
                          sleep=waits.append)
    assert not right.ok and "locked" in right.message and len(waits) == 10
    # After the lock, the right password works and clears the count.
    later = attempt_login(engine, USERS, "analyst", "analyst-demo", policy=policy, now=T0 + timedelta(minutes=16))
    assert later.ok
    again = attempt_login(engine, USERS, "analyst", "nope", policy=policy, now=T0 + timedelta(minutes=17),
                          sleep=waits.append)
    assert again.message == "Wrong username or password."


def test_unknown_usernames_are_counted_like_real_ones(engine):
    policy = LoginPolicy(lock_after=2, free_failures=5)
    for _ in range(2):
        outcome = attempt_login(engine, USERS, "nobody", "x", policy=policy, now=T0, sleep=lambda s: None)
    assert "locked" in outcome.message


def test_the_count_lives_in_the_store_not_the_session(engine):
    """A new tab or a second app process reads the same count: the attempts are rows, not session state."""
    policy = LoginPolicy(lock_after=3)
    for _ in range(3):
        attempt_login(engine, USERS, "admin", "x", policy=policy, now=T0, sleep=lambda s: None)
    from workbench.store.login_attempts import login_attempts

    assert login_attempts(engine, "admin").locked_until == T0 + timedelta(minutes=15)


def test_cookie_token_round_trip_and_rejections():
    token = issue_token("analyst", "k" * 32, 1, now=T0)
    assert read_token(token, "k" * 32, USERS, now=T0 + timedelta(hours=1)) == "analyst"
    assert read_token(token, "k" * 32, USERS, now=T0 + timedelta(days=2)) is None  # expired
    assert read_token(token, "x" * 32, USERS, now=T0) is None  # another key
    assert read_token(issue_token("ghost", "k" * 32, 1, now=T0), "k" * 32, USERS, now=T0) is None  # no such user
    assert read_token("not-a-jwt", "k" * 32, USERS) is None


def test_production_refuses_demo_users_and_demo_key(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_ENV", "production")
    problems = Settings().production_problems()
    assert any("demo users" in p for p in problems) and any("public demo key" in p for p in problems)
    users = tmp_path / "users.yaml"
    users.write_text(DEMO_USERS_FILE.read_text().replace("demo: true", "demo: false"))
    monkeypatch.setenv("WORKBENCH_USERS_FILE", str(users))
    monkeypatch.setenv("WORKBENCH_COOKIE_KEY", "short")
    assert Settings().production_problems() == [
        "The login cookie key is missing or shorter than 32 characters. Set WORKBENCH_COOKIE_KEY "
        "or cookie_key in .streamlit/secrets.toml."]
    monkeypatch.setenv("WORKBENCH_COOKIE_KEY", "r" * 40)
    assert Settings().production_problems() == []
    assert DEMO_COOKIE_KEY not in str(Settings().model_dump())
