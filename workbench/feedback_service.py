"""Feedback on predictions: record, edit and withdraw it, store first (outbox), keep its history.

``record_feedback`` validates the verdict and the true answer against what the model can say
(its classes, or a number for regression) and commits the row and a ``created`` event before
anything touches the network; ``workbench.feedback_forwarder`` sends it on later. One person
has one live item per prediction: recording again edits it, and every change is a
``feedback_event`` row (before / after), so nothing said is ever lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mds_client import MDSError
from workbench.store import Feedback, FeedbackEvent, PredictionRow, session_scope
from workbench.store.models import utcnow

VERDICTS: tuple[str, ...] = ("correct", "wrong", "unsure")
REWARDS: dict[str, float | None] = {"correct": 1.0, "wrong": 0.0, "unsure": None}
EDITABLE = ("verdict", "truth", "confidence", "comment", "tags", "reward")


class FeedbackError(MDSError):
    """Feedback that cannot be recorded; the message says why in plain words."""

    hint = ""


class PredictionNotFound(FeedbackError):
    hint = "It may have been made on another workbench or removed; make the prediction again."


class InvalidFeedback(FeedbackError):
    hint = "Fix the value and send the feedback again."


@dataclass(frozen=True)
class FeedbackItem:
    """A feedback row as plain data, with the facts of its prediction that pages show."""

    id: int
    prediction_id: int
    user: str
    verdict: str
    truth: Any
    confidence: float | None
    comment: str
    tags: tuple[str, ...]
    reward: float | None
    forwarded: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    created: datetime
    updated: datetime
    withdrawn: bool
    model: str = ""
    protocol: str = ""
    request_id: str = ""

    @property
    def state_text(self) -> str:
        """The delivery state in words, for people."""
        if self.withdrawn:
            return "withdrawn"
        if self.forwarded == "delivered":
            return "sent to the model server"
        if self.forwarded == "not_applicable":
            return "kept in the workbench (this model's protocol takes no feedback)"
        if self.forwarded == "failed":
            return f"refused by the model server: {self.last_error or 'no reason given'}"
        if self.attempts:
            return f"waiting to be sent (tried {self.attempts}x: {self.last_error or 'no answer'})"
        return "waiting to be sent"


@dataclass(frozen=True)
class TruthRules:
    """What a true answer may be for one model: one of ``classes``, or a number."""

    task: str = "other"
    classes: tuple[str, ...] = ()

    @classmethod
    def of(cls, prediction: PredictionRow, schema: Any = None, classes: Sequence[str] | None = None) -> TruthRules:
        outputs = prediction.outputs if isinstance(prediction.outputs, dict) else {}
        task = getattr(schema, "task", None) or outputs.get("task") or "other"
        names = tuple(classes or getattr(schema, "class_names", ()) or ())
        if not names and isinstance(outputs.get("probabilities"), dict):
            names = tuple(str(k) for k in outputs["probabilities"])
        if not names:  # rows logged by batch jobs: {"prediction", "confidence", "p(<class>)": ...}
            names = tuple(k[2:-1] for k in outputs if k.startswith("p(") and k.endswith(")"))
        if names and task == "other":
            task = "classification"
        return cls(task=task, classes=names)

    def check(self, truth: Any, model: str) -> Any:
        """The truth as stored (canonical class name or float); InvalidFeedback if it cannot be."""
        if truth is None or (isinstance(truth, str) and not truth.strip()):
            return None
        if self.task == "regression":
            try:
                value = float(truth)
            except (TypeError, ValueError):
                raise InvalidFeedback(f"Model '{model}' predicts a number; '{truth}' is not a number.") from None
            if not math.isfinite(value):
                raise InvalidFeedback(f"Model '{model}' predicts a number; '{truth}' is not a finite number.")
            return value
        if self.classes:
            text = str(truth).strip()
            for name in self.classes:
                if text == name or text.lower() == name.lower():
                    return name
            allowed = ", ".join(self.classes)
            raise InvalidFeedback(f"'{text}' is not one of model '{model}''s classes: {allowed}.")
        return truth


def predicted_of(prediction: PredictionRow | Any) -> Any:
    """What the model said: the label of a classifier, the value of a regression."""
    outputs = prediction.outputs if isinstance(prediction.outputs, dict) else {}
    if outputs.get("value") is not None and outputs.get("task") == "regression":
        return outputs["value"]
    for key in ("label", "prediction", "value"):  # "prediction": rows logged by batch jobs
        if outputs.get(key) is not None:
            return outputs[key]
    return None


# -- writing -----------------------------------------------------------------------------------
def record_feedback(
    store: Engine | Session,
    prediction_id: int,
    user: str,
    verdict: str,
    truth: Any = None,
    confidence: float | None = None,
    comment: str = "",
    tags: Iterable[str] = (),
    *,
    reward: float | None = None,
    schema: Any = None,
    classes: Sequence[str] | None = None,
) -> FeedbackItem:
    """Store what ``user`` says about a prediction; committed before this returns.

    ``schema`` (a ``ModelSchema``) or ``classes`` say which true answers are allowed; without
    them the classes the prediction itself reported are used. A second call by the same user on
    the same prediction edits the live item (history kept). Given an engine, the row is committed
    when this returns; given a session, it is flushed and committed with the caller's transaction.
    """
    verdict = _check_verdict(verdict)
    confidence = _check_confidence(confidence)
    tags_list = _clean_tags(tags)
    with _Transaction(store) as session:
        prediction = session.get(PredictionRow, prediction_id)
        if prediction is None:
            raise PredictionNotFound(f"There is no prediction {prediction_id} to give feedback on.")
        if prediction.status != "ok":
            raise InvalidFeedback(f"Prediction {prediction_id} failed ({prediction.error}); there is no answer to judge.")
        rules = TruthRules.of(prediction, schema, classes)
        truth = rules.check(truth, prediction.model)
        _check_consistent(verdict, truth, prediction, rules)
        values = {
            "verdict": verdict, "truth": truth, "confidence": confidence, "comment": comment or "",
            "tags": tags_list, "reward": REWARDS[verdict] if reward is None else float(reward),
        }
        existing = session.scalars(
            select(Feedback).where(Feedback.prediction_id == prediction_id, Feedback.user == user,
                                   Feedback.withdrawn.is_(False)).order_by(Feedback.id.desc())
        ).first()
        if existing is not None:
            return _edit(session, existing, user, values, prediction)
        row = Feedback(prediction_id=prediction_id, user=user, forwarded=_initial_state(prediction, verdict),
                       attempts=0, **values)
        session.add(row)
        session.flush()
        session.add(FeedbackEvent(feedback_id=row.id, user=user, action="created", before=None, after=_snapshot(row)))
        return _plain(row, prediction)


def edit_feedback(store: Engine | Session, feedback_id: int, user: str, *, schema: Any = None, **changes: Any) -> FeedbackItem:
    """Change some of verdict, truth, confidence, comment, tags, reward; the old values go to history."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidFeedback(f"Feedback has no field(s) {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}.")
    with _Transaction(store) as session:
        row = _get(session, feedback_id)
        prediction = session.get(PredictionRow, row.prediction_id)
        values = {k: getattr(row, k) for k in EDITABLE}
        values.update(changes)
        values["verdict"] = _check_verdict(values["verdict"])
        values["confidence"] = _check_confidence(values["confidence"])
        values["tags"] = _clean_tags(values["tags"] or ())
        rules = TruthRules.of(prediction, schema)
        values["truth"] = rules.check(values["truth"], prediction.model)
        _check_consistent(values["verdict"], values["truth"], prediction, rules)
        if "verdict" in changes and "reward" not in changes:
            values["reward"] = REWARDS[values["verdict"]]
        return _edit(session, row, user, values, prediction)


def withdraw_feedback(store: Engine | Session, feedback_id: int, user: str) -> FeedbackItem:
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


# -- reading -----------------------------------------------------------------------------------
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
        if not rows:
            where = f" and row {row}" if row is not None else ""
            raise PredictionNotFound(
                f"No prediction of model '{model}' with request id '{request_id}'{where} in the workbench store.",
                hint="Predictions made with 'mds predict' or the app are stored; check the id in the output file.")
        if len(rows) > 1 and row is None:
            raise InvalidFeedback(
                f"Request id '{request_id}' names {len(rows)} rows of model '{model}' (one call scored them all).",
                hint="Add --row N: the row's number in the output file (1 = first data row).")
        return int(rows[0].id)


# -- helpers -----------------------------------------------------------------------------------
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


def _check_verdict(verdict: str) -> str:
    text = str(verdict).strip().lower()
    if text not in VERDICTS:
        raise InvalidFeedback(f"The verdict must be one of {', '.join(VERDICTS)}, not '{verdict}'.")
    return text


def _check_confidence(confidence: Any) -> float | None:
    if confidence is None:
        return None
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise InvalidFeedback(f"Confidence must be a number between 0 and 1, not '{confidence}'.") from None
    if not 0.0 <= value <= 1.0:
        raise InvalidFeedback(f"Confidence must be between 0 and 1, not {value}.")
    return value


def _check_consistent(verdict: str, truth: Any, prediction: PredictionRow, rules: TruthRules) -> None:
    if truth is None or rules.task == "regression":
        return
    said = predicted_of(prediction)
    if verdict == "correct" and said is not None and str(truth) != str(said):
        raise InvalidFeedback(f"You marked the answer '{said}' correct but gave '{truth}' as the right one.")
    if verdict == "wrong" and said is not None and str(truth) == str(said):
        raise InvalidFeedback(f"You marked the answer wrong but gave the model's own answer '{said}' as the right one.")


def _clean_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: list[str] = []
    for tag in tags:
        text = str(tag).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


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
