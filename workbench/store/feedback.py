"""Feedback rows in the store: insert, edit, withdraw, read, with every change as a ``feedback_event``.

The rules of what feedback may say live in ``workbench.feedback.capture``; it hands ``record`` and
``edit`` a function that checks the values against the prediction inside the same transaction.
Given an engine, each function commits before it returns; given a session, it only flushes and the
caller's transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from workbench.errors import FeedbackError, InvalidFeedback, PredictionNotFound
from workbench.records import FeedbackItem
from workbench.store import batch_log
from workbench.store.engine import session_scope
from workbench.store.tables import Feedback, FeedbackEvent, PredictionRow, utcnow

EDITABLE = ("verdict", "truth", "confidence", "comment", "tags", "reward")
Check = Callable[[PredictionRow, dict[str, Any]], dict[str, Any]]
"""Given the prediction and the proposed values, the values to store (or raise ``InvalidFeedback``)."""



def record(store: Engine | Session, prediction_id: int, user: str, values: dict[str, Any], check: Check) -> FeedbackItem:
    """Insert ``user``'s item on a prediction, or edit their live one (history kept)."""
    with _Transaction(store) as session:
        prediction = session.get(PredictionRow, prediction_id)
        if prediction is None:
            raise PredictionNotFound(f"There is no prediction {prediction_id} to give feedback on.")
        if prediction.status != "ok":
            raise InvalidFeedback(f"Prediction {prediction_id} failed ({prediction.error}); there is no answer to judge.")
        values = check(prediction, values)
        existing = session.scalars(
            select(Feedback).where(Feedback.prediction_id == prediction_id, Feedback.user == user,
                                   Feedback.withdrawn.is_(False)).order_by(Feedback.id.desc())
        ).first()
        if existing is not None:
            return _edit(session, existing, user, values, prediction)
        row = Feedback(prediction_id=prediction_id, user=user, forwarded=_initial_state(prediction, values["verdict"]),
                       attempts=0, **values)
        session.add(row)
        session.flush()
        session.add(FeedbackEvent(feedback_id=row.id, user=user, action="created", before=None, after=_snapshot(row)))
        return _plain(row, prediction)


def edit(store: Engine | Session, feedback_id: int, user: str, changes: dict[str, Any], check: Check) -> FeedbackItem:
    """Apply ``changes`` (checked together with the item's other values); the old values go to history."""
    with _Transaction(store) as session:
        row = _get(session, feedback_id)
        prediction = session.get(PredictionRow, row.prediction_id)
        values = {k: getattr(row, k) for k in EDITABLE}
        values.update(changes)
        return _edit(session, row, user, check(prediction, values), prediction)


def withdraw(store: Engine | Session, feedback_id: int, user: str) -> FeedbackItem:
    """Take feedback back: it stops counting and is not sent if it was still waiting."""
    with _Transaction(store) as session:
        row = _get(session, feedback_id)
        before = _snapshot(row)
        row.withdrawn = True
        if row.forwarded == "pending":
            row.forwarded = "not_applicable"
        row.updated = utcnow()
        session.add(FeedbackEvent(feedback_id=row.id, user=user, action="withdrawn", before=before, after=_snapshot(row)))
        session.flush()
        return _plain(row, session.get(PredictionRow, row.prediction_id))


def get_feedback(store: Engine | Session, feedback_id: int) -> FeedbackItem:
    with _Transaction(store) as session:
        row = _get(session, feedback_id)
        return _plain(row, session.get(PredictionRow, row.prediction_id))


def feedback_for_prediction(store: Engine | Session, prediction_id: int, user: str | None = None) -> list[FeedbackItem]:
    """Live items on one prediction, newest first; ``user`` narrows to one person's."""
    with _Transaction(store) as session:
        query = select(Feedback).where(Feedback.prediction_id == prediction_id, Feedback.withdrawn.is_(False))
        if user is not None:
            query = query.where(Feedback.user == user)
        prediction = session.get(PredictionRow, prediction_id)
        return [_plain(r, prediction) for r in session.scalars(query.order_by(Feedback.id.desc()))]


def latest_verdicts(store: Engine | Session, prediction_ids: list[int]) -> dict[int, FeedbackItem]:
    """The newest live feedback item on each of these predictions (one query), by prediction id."""
    if not prediction_ids:
        return {}
    with _Transaction(store) as session:
        query = (select(Feedback, PredictionRow).join(PredictionRow, PredictionRow.id == Feedback.prediction_id)
                 .where(Feedback.prediction_id.in_(prediction_ids), Feedback.withdrawn.is_(False))
                 .order_by(Feedback.id))
        return {fb.prediction_id: _plain(fb, p) for fb, p in session.execute(query)}


def feedback_history(store: Engine | Session, feedback_id: int) -> list[dict[str, Any]]:
    """Every event of one item, oldest first: action, user, before, after, created."""
    with _Transaction(store) as session:
        events = session.scalars(
            select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback_id).order_by(FeedbackEvent.id)
        )
        return [{"action": e.action, "user": e.user, "before": e.before, "after": e.after, "created": e.created}
                for e in events]


def find_prediction(store: Engine | Session, model: str, request_id: str, row: int | None = None) -> int:
    """The logged prediction of ``model`` with ``request_id`` (the column `mds predict` writes).

    One call scores a whole minibatch, so one request id may name many rows of an output file:
    then ``row`` (the file's 1-based data row) says which.
    """
    with _Transaction(store) as session:
        rows = list(session.scalars(
            select(PredictionRow).where(PredictionRow.model == model, PredictionRow.request_id == request_id,
                                        PredictionRow.status == "ok").order_by(PredictionRow.id.desc()).limit(10_000)
        ))
        if row is not None:
            rows = [r for r in rows if isinstance(r.outputs, dict) and r.outputs.get("row") == row]
        ids = [int(r.id) for r in rows]
    unmade = 0
    if isinstance(store, Engine) and (not ids or row is None):
        # Batch rows live in the batch log until feedback asks for one: its prediction row is made now.
        located = [f for f in batch_log.locate(store, model, request_id, row) if not f.record.get("error")]
        if row is None and len(located) > 1:
            unmade = len(located)  # ambiguous: counted for the message, none is made
        else:
            ids = list(dict.fromkeys([*ids, *(batch_log.prediction_for(store, f) for f in located)]))
    count = len(ids) + unmade
    if not count:
        where = f" and row {row}" if row is not None else ""
        raise PredictionNotFound(
            f"No prediction of model '{model}' with request id '{request_id}'{where} in the workbench store.",
            hint="Predictions made with 'mds predict' or the app are stored; check the id in the output file.")
    if count > 1 and row is None:
        raise InvalidFeedback(
            f"Request id '{request_id}' names {count} rows of model '{model}' (one call scored them all).",
            hint="Add --row N: the row's number in the output file (1 = first data row).")
    return ids[0]


class _Transaction:
    """An engine opens (and commits) its own transaction; a caller's session is only flushed: its owner commits."""

    def __init__(self, store: Engine | Session) -> None:
        self.store = store

    def __enter__(self) -> Session:
        if isinstance(self.store, Session):
            self._scope = None
            return self.store
        self._scope = session_scope(self.store)
        return self._scope.__enter__()

    def __exit__(self, *exc: Any) -> bool | None:
        if self._scope is not None:
            return self._scope.__exit__(*exc)
        if exc[0] is None:
            self.store.flush()  # type: ignore[union-attr]
        return None


def _get(session: Session, feedback_id: int) -> Feedback:
    row = session.get(Feedback, feedback_id)
    if row is None:
        raise FeedbackError(f"There is no feedback {feedback_id}.")
    return row


def _edit(session: Session, row: Feedback, user: str, values: dict[str, Any], prediction: PredictionRow) -> FeedbackItem:
    before = _snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    # An item already delivered is not sent again (Seldon would count it twice); the edit stays here.
    if row.forwarded in ("pending", "failed", "not_applicable") and not row.withdrawn:
        row.forwarded = _initial_state(prediction, row.verdict) if row.forwarded != "failed" else "pending"
    row.updated = utcnow()
    after = _snapshot(row)
    if after != before:
        session.add(FeedbackEvent(feedback_id=row.id, user=user, action="edited", before=before, after=after))
    session.flush()
    return _plain(row, prediction)


def _initial_state(prediction: PredictionRow, verdict: str) -> str:
    if prediction.protocol != "seldon" or verdict == "unsure":
        return "not_applicable"
    return "pending"


def _snapshot(row: Feedback) -> dict[str, Any]:
    return {"verdict": row.verdict, "truth": row.truth, "confidence": row.confidence, "comment": row.comment,
            "tags": list(row.tags or []), "reward": row.reward, "forwarded": row.forwarded, "withdrawn": bool(row.withdrawn)}


def _plain(row: Feedback, prediction: PredictionRow | None) -> FeedbackItem:
    return FeedbackItem(
        id=row.id, prediction_id=row.prediction_id, user=row.user, verdict=row.verdict, truth=row.truth,
        confidence=row.confidence, comment=row.comment or "", tags=tuple(row.tags or ()), reward=row.reward,
        forwarded=row.forwarded, attempts=row.attempts or 0, last_error=row.last_error, delivered_at=row.delivered_at,
        created=row.created, updated=row.updated, withdrawn=bool(row.withdrawn),
        model=prediction.model if prediction else "", protocol=prediction.protocol if prediction else "",
        request_id=prediction.request_id if prediction else "",
    )


def models_with_feedback(store: Engine | Session) -> set[str]:
    """The models with at least one live feedback item (the Models page's "has feedback" filter)."""
    with _Transaction(store) as session:
        query = (select(PredictionRow.model).join(Feedback, Feedback.prediction_id == PredictionRow.id)
                 .where(Feedback.withdrawn.is_(False)).distinct())
        return {str(name) for name in session.scalars(query)}
