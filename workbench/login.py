"""Logging in: the password check with slow-down and lock-out, and the signed login cookie. No Streamlit.

Failed attempts are counted per username in the store (``workbench.store.login_attempts``), not in the
Streamlit session or the process: a new tab, a reload, a restart or a second app replica behind the same
database sees the same count, so an attacker gains nothing by opening new sessions. Unknown usernames
are counted like real ones, so the answer never tells which usernames exist.

The cookie is streamlit-authenticator's format (a JWT, HS256, ``{"username", "exp_date"}``), so a
cookie issued by either still works; on reading it the user must still be in the users file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from workbench.auth import UsersFile, check_password
from workbench.store.login_attempts import clear_login_attempts, login_attempts, record_failed_login


@dataclass(frozen=True)
class LoginPolicy:
    free_failures: int = 3
    """Wrong passwords in a row answered at once."""
    max_delay_s: float = 8.0
    """After those, each answer waits 1, 2, 4 ... seconds, at most this."""
    lock_after: int = 10
    """Wrong passwords in a row that lock the account."""
    lock_minutes: float = 15.0

    def delay_s(self, failures: int) -> float:
        extra = failures - self.free_failures
        return 0.0 if extra <= 0 else min(self.max_delay_s, 2.0 ** (extra - 1))


@dataclass(frozen=True)
class LoginOutcome:
    ok: bool
    message: str = ""
    locked_until: datetime | None = None


def attempt_login(engine: Engine, users: UsersFile, username: str, password: str, *,
                  policy: LoginPolicy = LoginPolicy(), now: datetime | None = None,
                  sleep: Any = time.sleep) -> LoginOutcome:
    """Check a password, counting failures; a locked account is refused without checking the password."""
    now = now or datetime.now(UTC)
    username = username.strip()
    before = login_attempts(engine, username)
    if before.locked_until is not None and before.locked_until > now:
        return LoginOutcome(False, _locked_message(before.locked_until, now), before.locked_until)
    if check_password(users, username, password):
        if before.failures:
            clear_login_attempts(engine, username)
        return LoginOutcome(True)
    # A lock that has run out starts a fresh count.
    if before.locked_until is not None:
        clear_login_attempts(engine, username)
    after = record_failed_login(engine, username, now=now, lock_after=policy.lock_after,
                                lock_for=timedelta(minutes=policy.lock_minutes))
    sleep(policy.delay_s(after.failures))
    if after.locked_until is not None:
        return LoginOutcome(False, _locked_message(after.locked_until, now), after.locked_until)
    left = policy.lock_after - after.failures
    warning = f" {left} more wrong {'try' if left == 1 else 'tries'} lock the account." if left <= 3 else ""
    return LoginOutcome(False, "Wrong username or password." + warning)


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (f"Too many wrong passwords: this account is locked for {minutes} more minute{'s' if minutes != 1 else ''}. "
            "Ask an admin if you forgot your password.")


def issue_token(username: str, key: str, days: float, *, now: datetime | None = None) -> str:
    # PyJWT loads cryptography (~50 ms of imports): the login page's first paint does not wait for it.
    import jwt

    expires = (now or datetime.now(UTC)) + timedelta(days=days)
    return jwt.encode({"username": username, "exp_date": expires.timestamp()}, key, algorithm="HS256")


def read_token(token: str | None, key: str, users: UsersFile, *, now: datetime | None = None) -> str | None:
    """The username a valid, unexpired cookie names, if that user still exists; else None."""
    if not token:
        return None
    # PyJWT loads cryptography (~50 ms of imports): the login page's first paint does not wait for it.
    import jwt

    try:
        claims = jwt.decode(token, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    username, expires = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or not isinstance(expires, (int, float)):
        return None
    if expires <= (now or datetime.now(UTC)).timestamp() or username not in users.users:
        return None
    return username
