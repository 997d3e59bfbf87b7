"""The webhook's notifications are stored once on SQLite and on a real PostgreSQL server, however many deliveries
of the same notification arrive at once (Alertmanager retries; two exporter replicas answer it), and whatever
order their alerts come in."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from workbench.store import open_store
from workbench.store.alerts import Notification, notifications, store_notifications
from workbench.store.tables import AlertNotification

T0 = datetime(2026, 12, 7, 21, 0, 0, 123000, tzinfo=UTC)
DELIVERIES = 6


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        store = open_store(request.getfixturevalue("postgres_db"))
    yield store
    store.dispose()


def batch(*fingerprints: str, status: str = "firing") -> list[Notification]:
    ends = T0 + timedelta(minutes=3) if status == "resolved" else None
    return [Notification(f, T0, status, "ModelDrift", f"model-{f}", "warning", f"model-{f} drifted", ends_at=ends,
                         labels={"alertname": "ModelDrift", "model": f"model-{f}"}) for f in fingerprints]


def deliver_at_once(engine, batches: list[list[Notification]]) -> list[list[bool]]:
    """Each batch stored by its own thread (its own connection), all released together."""
    start = threading.Barrier(len(batches))

    def one(items: list[Notification]) -> list[bool]:
        start.wait(timeout=30)
        return store_notifications(engine, items)

    with ThreadPoolExecutor(len(batches)) as pool:
        return list(pool.map(one, batches))


def test_the_same_notification_delivered_at_once_is_stored_once(engine):
    answers = deliver_at_once(engine, [batch("a1")] * DELIVERIES)
    assert sorted(answers) == [[False]] * (DELIVERIES - 1) + [[True]]  # exactly one delivery was the new one
    (kept,) = notifications(engine)
    assert (kept.fingerprint, kept.starts_at, kept.status, kept.deliveries) == ("a1", T0, "firing", DELIVERIES)


def test_alerts_in_any_order_at_once_store_one_row_each_and_none_waits_for_ever(engine):
    """Two deliveries listing the same alerts in opposite orders must not lock each other (a deadlock would be
    a 503 and a retry): every alert one row, every delivery counted."""
    names = [f"f{i:02d}" for i in range(12)]
    forward, backward = batch(*names), batch(*reversed(names))
    answers = deliver_at_once(engine, [forward, backward, forward, backward])
    assert sum(sum(a) for a in answers) == len(names)  # each alert new exactly once
    with engine.connect() as connection:
        rows = connection.execute(select(AlertNotification.fingerprint, AlertNotification.deliveries)).all()
        assert connection.execute(select(func.count()).select_from(AlertNotification)).scalar_one() == len(names)
    assert sorted(rows) == [(name, 4) for name in names]


def test_firing_and_resolved_are_two_rows_and_each_answer_is_in_the_callers_order(engine):
    fresh = store_notifications(engine, batch("b2", "a1") + batch("a1", status="resolved"))
    assert fresh == [True, True, True]
    again = store_notifications(engine, batch("c3") + batch("a1", status="resolved") + batch("b2"))
    assert again == [True, False, False]
    kept = {(n.fingerprint, n.status): n.deliveries for n in notifications(engine)}
    assert kept == {("a1", "firing"): 1, ("a1", "resolved"): 2, ("b2", "firing"): 2, ("c3", "firing"): 1}
