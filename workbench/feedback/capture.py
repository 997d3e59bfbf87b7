"""Feedback on predictions: what it may say, recorded store first (outbox), history kept.

``record_feedback`` checks the verdict and the true answer against what the model can say (its
classes, or a number for regression); ``workbench.store.feedback`` commits the row and a ``created``
event before anything touches the network; ``workbench.feedback.outbox`` sends it on later. One person
has one live item per prediction: recording again edits it, and every change is a ``feedback_event``
row (before / after), so nothing said is ever lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from workbench.errors import InvalidFeedback
from workbench.store import feedback as rows
from workbench.store.feedback import (
    EDITABLE,
    FeedbackItem,
    feedback_for_prediction,
    feedback_history,
    find_prediction,
    get_feedback,
)
from workbench.store.predictions import predicted_of
from workbench.store.tables import PredictionRow

__all__ = [
    "EDITABLE", "REWARDS", "VERDICTS", "FeedbackItem", "TruthRules", "edit_feedback", "feedback_for_prediction",
    "feedback_history", "find_prediction", "get_feedback", "record_feedback", "withdraw_feedback",
]

VERDICTS: tuple[str, ...] = ("correct", "wrong", "unsure")
REWARDS: dict[str, float | None] = {"correct": 1.0, "wrong": 0.0, "unsure": None}


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
    values = {
        "verdict": verdict, "truth": truth, "confidence": _check_confidence(confidence), "comment": comment or "",
        "tags": _clean_tags(tags), "reward": REWARDS[verdict] if reward is None else float(reward),
    }

    def check(prediction: PredictionRow, proposed: dict[str, Any]) -> dict[str, Any]:
        rules = TruthRules.of(prediction, schema, classes)
        proposed["truth"] = rules.check(proposed["truth"], prediction.model)
        _check_consistent(proposed["verdict"], proposed["truth"], prediction, rules)
        return proposed

    return rows.record(store, prediction_id, user, values, check)


def edit_feedback(store: Engine | Session, feedback_id: int, user: str, *, schema: Any = None, **changes: Any) -> FeedbackItem:
    """Change some of verdict, truth, confidence, comment, tags, reward; the old values go to history."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidFeedback(f"Feedback has no field(s) {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}.")

    def check(prediction: PredictionRow, values: dict[str, Any]) -> dict[str, Any]:
        values["verdict"] = _check_verdict(values["verdict"])
        values["confidence"] = _check_confidence(values["confidence"])
        values["tags"] = _clean_tags(values["tags"] or ())
        rules = TruthRules.of(prediction, schema)
        values["truth"] = rules.check(values["truth"], prediction.model)
        _check_consistent(values["verdict"], values["truth"], prediction, rules)
        if "verdict" in changes and "reward" not in changes:
            values["reward"] = REWARDS[values["verdict"]]
        return values

    return rows.edit(store, feedback_id, user, changes, check)


def withdraw_feedback(store: Engine | Session, feedback_id: int, user: str) -> FeedbackItem:
    """Take feedback back: it stops counting and is not sent if it was still waiting."""
    return rows.withdraw(store, feedback_id, user)


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


