"""Reads behind the feedback review: feedback joined to its predictions, and the predictions counted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select

from workbench.store.engine import session_scope
from workbench.store.tables import Feedback, PredictionRow


def feedback_with_predictions(
    engine: Engine, *, model: str | None = None, version: str | None = None, user: str | None = None,
    verdict: str | None = None, since: datetime | None = None, until: datetime | None = None,
    include_withdrawn: bool = False,
) -> list[tuple[Feedback, PredictionRow]]:
    """(feedback, prediction) pairs, oldest feedback first; ``user`` is who gave the feedback, the
    dates are when it was given."""
    query = select(Feedback, PredictionRow).join(PredictionRow, PredictionRow.id == Feedback.prediction_id)
    query = _narrowed(query, model, version, since, until, when=Feedback.created)
    if not include_withdrawn:
        query = query.where(Feedback.withdrawn.is_(False))
    if user:
        query = query.where(Feedback.user == user)
    if verdict:
        query = query.where(Feedback.verdict == verdict)
    with session_scope(engine) as session:
        return [(fb, p) for fb, p in session.execute(query.order_by(Feedback.id))]


def count_predictions(engine: Engine, *, model: str | None = None, version: str | None = None,
                      since: datetime | None = None, until: datetime | None = None) -> int:
    """Successful predictions in a window: the denominator of coverage."""
    query = select(func.count(PredictionRow.id)).where(PredictionRow.status == "ok")
    query = _narrowed(query, model, version, since, until, when=PredictionRow.created)
    with session_scope(engine) as session:
        return int(session.scalar(query) or 0)


def _narrowed(query: Select, model: str | None, version: str | None, since: datetime | None,
              until: datetime | None, *, when: Any) -> Select:
    """``query`` kept to one model and version and to ``since <= when < until``; None keeps all."""
    for column, value in ((PredictionRow.model, model), (PredictionRow.version, version)):
        if value:
            query = query.where(column == value)
    if since:
        query = query.where(when >= since)
    if until:
        query = query.where(when < until)
    return query
