"""The feedback outbox in the store: which items are due, claims, and delivery outcomes.

An item is claimed (``pending`` -> ``sending``) with a compare-and-set update, so two deliverers never
send the same item; ``mark_delivered`` commits right after the server's 2xx. A claim older than
``CLAIM_LEASE`` (its process died mid-send) is due again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, update

from workbench.store.engine import session_scope
from workbench.store.predictions import predicted_of
from workbench.store.tables import Feedback, FeedbackEvent, PredictionRow, utcnow

CLAIM_LEASE = timedelta(minutes=5)
SENDING = "sending"


@dataclass(frozen=True)
class Delivery:
    """What a sink needs to send one item."""

    feedback_id: int
    model: str
    protocol: str
    request_id: str
    request: Any
    response: Any
    reward: float | None
    truth: Any
    verdict: str
    inputs: Any = None
    outputs: Any = None
    key: str = ""
    """The same for every send of this version of the item (``Idempotency-Key``); new after an edit."""



def due(engine: Engine, limit: int | None, ids: Sequence[int] | None,
        wait: Callable[[int], float] | None) -> list[Delivery]:
    """Items to send now, oldest first: pending ones, and claims older than ``CLAIM_LEASE``.

    ``wait(attempts)`` is the backoff: an item that failed before is due that many seconds after its
    last try (``None``: due at once).
    """
    stale = utcnow() - CLAIM_LEASE
    version = (select(func.max(FeedbackEvent.id))  # its last created/edited event: kept by a retry, new after an edit
               .where(FeedbackEvent.feedback_id == Feedback.id, FeedbackEvent.action.in_(("created", "edited")))
               .scalar_subquery())
    query = (
        select(Feedback, PredictionRow, version)
        .join(PredictionRow, PredictionRow.id == Feedback.prediction_id)
        .where(Feedback.withdrawn.is_(False))
        .where(or_(Feedback.forwarded == "pending", (Feedback.forwarded == SENDING) & (Feedback.updated < stale)))
        .order_by(Feedback.id)
    )
    if ids is not None:
        query = query.where(Feedback.id.in_(list(ids)))
    now = utcnow()
    out: list[Delivery] = []
    with session_scope(engine) as session:
        for row, prediction, last_event in session.execute(query):
            if wait is not None and row.attempts and _aware(row.updated) + timedelta(
                    seconds=wait(row.attempts)) > now:
                continue
            truth = row.truth if row.truth is not None else (predicted_of(prediction) if row.verdict == "correct" else None)
            out.append(Delivery(row.id, prediction.model, prediction.protocol, prediction.request_id,
                                prediction.request, prediction.response, row.reward, truth, row.verdict,
                                prediction.inputs, prediction.outputs,
                                idempotency_key(prediction.request_id or str(prediction.id), row.id, last_event or 0)))
            if limit is not None and len(out) >= limit:
                break
    return out


def idempotency_key(request_id: str, feedback_id: int, version: int) -> str:
    """``mds-workbench-<request id>-<feedback id>-<version>``, safe as an HTTP header value."""
    return f"mds-workbench-{re.sub(r'[^A-Za-z0-9._-]', '_', request_id)[:100]}-{feedback_id}-{version}"


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def claim(engine: Engine, feedback_id: int) -> bool:
    stale = utcnow() - CLAIM_LEASE
    with session_scope(engine) as session:
        result = session.execute(
            update(Feedback)
            .where(Feedback.id == feedback_id, Feedback.withdrawn.is_(False))
            .where(or_(Feedback.forwarded == "pending", (Feedback.forwarded == SENDING) & (Feedback.updated < stale)))
            .values(forwarded=SENDING, updated=utcnow())
        )
        return result.rowcount == 1


def mark_delivered(engine: Engine, feedback_id: int) -> None:
    with session_scope(engine) as session:
        row = session.get(Feedback, feedback_id)
        row.forwarded = "delivered"
        row.attempts = (row.attempts or 0) + 1
        row.last_error = None
        row.delivered_at = row.updated = utcnow()
        session.add(FeedbackEvent(feedback_id=feedback_id, user="workbench", action="delivered",
                                  before=None, after={"attempts": row.attempts}))


def after_failure(engine: Engine, feedback_id: int, state: str, exc: BaseException, attempts: int = 1) -> None:
    with session_scope(engine) as session:
        row = session.get(Feedback, feedback_id)
        row.forwarded = state
        row.attempts = (row.attempts or 0) + attempts
        row.last_error = str(exc)[:2000]
        row.updated = utcnow()
        if state == "failed":
            session.add(FeedbackEvent(feedback_id=feedback_id, user="workbench", action="refused",
                                      before=None, after={"error": row.last_error}))


def set_state(engine: Engine, feedback_id: int, expected: str, state: str, note: str = "") -> None:
    with session_scope(engine) as session:
        session.execute(update(Feedback).where(Feedback.id == feedback_id, Feedback.forwarded == expected)
                        .values(forwarded=state, last_error=None, updated=utcnow()))
