"""Failed logins per username: read, count one more, clear after a good password.

The policy (how many, how long) is ``workbench.auth.LoginPolicy``; this module only keeps the counts.
Times are stored in UTC; SQLite hands them back naive, so they are made aware on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete

from workbench.store.engine import session_scope
from workbench.store.tables import LoginAttempt


@dataclass(frozen=True)
class Attempts:
    failures: int = 0
    last_failure: datetime | None = None
    locked_until: datetime | None = None


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def login_attempts(engine: Engine, username: str) -> Attempts:
    with session_scope(engine) as session:
        row = session.get(LoginAttempt, username[:120])
        if row is None:
            return Attempts()
        return Attempts(row.failures, _aware(row.last_failure), _aware(row.locked_until))


def record_failed_login(engine: Engine, username: str, *, now: datetime, lock_after: int,
                        lock_for: timedelta) -> Attempts:
    """One more failure; from the ``lock_after``-th in a row the account is locked for ``lock_for``."""
    with session_scope(engine) as session:
        row = session.get(LoginAttempt, username[:120], with_for_update=True)
        if row is None:
            row = LoginAttempt(username=username[:120], failures=0)
            session.add(row)
        row.failures = (row.failures or 0) + 1
        row.last_failure = now
        if row.failures >= lock_after:
            row.locked_until = now + lock_for
        return Attempts(row.failures, now, _aware(row.locked_until))


def clear_login_attempts(engine: Engine, username: str) -> None:
    with session_scope(engine) as session:
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == username[:120]))
