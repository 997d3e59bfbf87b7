"""The store side of the demo's seeded verdicts: the seeded calls to judge, their prediction rows, and removal.

A seeded call becomes a prediction row (source ``demo``, as a call through the app would be logged) so that
feedback is recorded on it exactly as on any prediction (``workbench.feedback.capture``); removing the demo
removes those rows with their feedback and its history, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from workbench.store.engine import session_scope
from workbench.store.tables import Feedback, FeedbackEvent, PredictionRow, RequestLogRow

DEMO_SOURCE = "demo"
"""``prediction.source`` of the rows made for seeded verdicts."""


@dataclass(frozen=True)
class TaggedCall:
    """One answered instance of the seeded traffic, as the request log holds it."""

    model: str
    request_id: str
    row_index: int
    time: datetime
    inputs: Any
    label: str | None
    value: float | None
    confidence: float | None
    probabilities: dict[str, float] | None


def tagged_counts(engine: Engine, tag: str) -> dict[str, int]:
    """Answered instances carrying ``tag``, per model (to wait until the sink has written the seeding)."""
    c = RequestLogRow.__table__.c
    query = select(c.model, func.count(c.id)).where(c.tag == tag, c.status == "ok").group_by(c.model)
    with engine.connect() as connection:
        return {str(model): int(n) for model, n in connection.execute(query)}


def tagged_calls(engine: Engine, tag: str, model: str) -> list[TaggedCall]:
    """The answered instances of ``model`` carrying ``tag``, oldest first."""
    c = RequestLogRow.__table__.c
    query = (select(c.model, c.request_id, c.row_index, c.event_time, c.inputs, c.outputs, c.label, c.value,
                    c.confidence).where(c.tag == tag, c.model == model, c.status == "ok").order_by(c.event_ts))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    calls = []
    for r in rows:
        outputs = r.outputs if isinstance(r.outputs, dict) else {}
        probabilities = outputs.get("probabilities") if isinstance(outputs.get("probabilities"), dict) else None
        calls.append(TaggedCall(r.model, r.request_id, int(r.row_index or 0), r.event_time, r.inputs, r.label,
                                r.value, r.confidence, probabilities))
    return calls


def add_prediction(session: Session, call: TaggedCall, *, user: str, protocol: str, outputs: dict[str, Any]) -> int:
    """The prediction row of a seeded call, made when the call was (flushed; the caller commits)."""
    row = PredictionRow(request_id=call.request_id[:64], model=call.model, protocol=protocol, user=user,
                        inputs=call.inputs, outputs=outputs, status="ok", source=DEMO_SOURCE, created=call.time)
    session.add(row)
    session.flush()
    return int(row.id)


def date_feedback(session: Session, feedback_id: int, when: datetime) -> None:
    """A seeded verdict given ``when`` (after its call), and kept in the workbench: the model servers never
    saw these calls from a person, so nothing is forwarded to them."""
    row = session.get(Feedback, feedback_id)
    if row is None:
        return
    row.created = row.updated = when
    row.forwarded = "not_applicable"
    for event in session.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback_id)):
        event.created = when


def has_demo_verdicts(engine: Engine) -> bool:
    with session_scope(engine) as session:
        return session.scalar(select(PredictionRow.id).where(PredictionRow.source == DEMO_SOURCE).limit(1)) is not None


def delete_demo_verdicts(engine: Engine) -> int:
    """Remove the seeded predictions, their feedback and its history; returns how many feedback items went."""
    predictions = select(PredictionRow.id).where(PredictionRow.source == DEMO_SOURCE)
    feedback = select(Feedback.id).where(Feedback.prediction_id.in_(predictions))
    with session_scope(engine) as session:
        session.execute(delete(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(feedback)))
        gone = session.execute(delete(Feedback).where(Feedback.prediction_id.in_(predictions))).rowcount
        session.execute(delete(PredictionRow).where(PredictionRow.source == DEMO_SOURCE))
        return int(gone or 0)
