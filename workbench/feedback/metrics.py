"""What feedback says about a model: accuracy with its coverage, confusion, errors, and how far to trust it.

Counting rule: one vote per prediction, the newest live (not withdrawn) item; ``unsure`` votes
are labelled but count neither right nor wrong. Accuracy = correct / (correct + wrong); coverage =
predictions with a right/wrong vote / successful predictions of the model in the same window.
People mostly flag mistakes, so a warning goes with any figure resting on fewer than
``MIN_ITEMS`` votes or on votes more than ``ONE_SIDED`` one way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from workbench.store import reviews
from workbench.store.predictions import predicted_of

DELIVERY_WORDS = {
    "delivered": "sent to the model server", "pending": "waiting to be sent", "sending": "being sent",
    "failed": "refused by the model server", "not_applicable": "saved in the workbench only (this model has no feedback endpoint)",
}
"""A feedback item's delivery state in words, for tables people read."""
MIN_ITEMS = 30
ONE_SIDED = 0.8
FRAME_COLUMNS = [
    "feedback_id", "prediction_id", "model", "version", "protocol", "request_id", "user", "predicted_by",
    "verdict", "predicted", "truth", "true_answer", "task", "model_confidence", "confidence", "comment", "tags",
    "forwarded",
    "attempts", "last_error", "created", "predicted_at", "inputs",
]


@dataclass(frozen=True)
class FeedbackFilter:
    model: str | None = None
    version: str | None = None
    user: str | None = None
    """Whose feedback (the person who gave it)."""
    verdict: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class AccuracySummary:
    predictions: int
    labelled: int
    correct: int
    wrong: int
    unsure: int
    accuracy: float | None
    coverage: float | None
    warnings: list[str] = field(default_factory=list)


def feedback_frame(engine: Engine, filters: FeedbackFilter | None = None, *, include_withdrawn: bool = False,
                   latest_only: bool = True) -> pd.DataFrame:
    """One row per feedback item with its prediction's facts (columns ``FRAME_COLUMNS``)."""
    f = filters or FeedbackFilter()
    rows = []
    for fb, p in reviews.feedback_with_predictions(engine, model=f.model, version=f.version, user=f.user,
                                                   verdict=f.verdict, since=f.since, until=f.until,
                                                   include_withdrawn=include_withdrawn):
        outputs = p.outputs if isinstance(p.outputs, dict) else {}
        predicted = predicted_of(p)
        true_answer = fb.truth if fb.truth is not None else (predicted if fb.verdict == "correct" else None)
        rows.append({
            "feedback_id": fb.id, "prediction_id": p.id, "model": p.model, "version": p.version,
            "protocol": p.protocol, "request_id": p.request_id, "user": fb.user, "predicted_by": p.user,
            "verdict": fb.verdict, "predicted": predicted, "truth": fb.truth, "true_answer": true_answer,
            "task": outputs.get("task", "other"), "model_confidence": model_confidence(outputs),
            "confidence": fb.confidence, "comment": fb.comment,
            "tags": ", ".join(fb.tags or []), "forwarded": fb.forwarded, "attempts": fb.attempts,
            "last_error": fb.last_error, "created": pd.Timestamp(fb.created), "predicted_at": pd.Timestamp(p.created),
            "inputs": p.inputs,
        })
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    if latest_only and not frame.empty:
        frame = frame.sort_values("feedback_id").drop_duplicates("prediction_id", keep="last")
    if not frame.empty:
        frame["created"] = pd.to_datetime(frame["created"], utc=True)
        frame["predicted_at"] = pd.to_datetime(frame["predicted_at"], utc=True)
    return frame.reset_index(drop=True)


count_predictions = reviews.count_predictions


def summarize(frame: pd.DataFrame, predictions: int) -> AccuracySummary:
    """Accuracy, coverage and trust warnings of one frame of votes."""
    verdicts = frame["verdict"].value_counts() if not frame.empty else pd.Series(dtype=int)
    correct, wrong, unsure = (int(verdicts.get(v, 0)) for v in ("correct", "wrong", "unsure"))
    judged = correct + wrong
    labelled_predictions = frame.loc[frame["verdict"] != "unsure", "prediction_id"].nunique() if judged else 0
    return AccuracySummary(
        predictions=predictions, labelled=judged, correct=correct, wrong=wrong, unsure=unsure,
        accuracy=correct / judged if judged else None,
        coverage=labelled_predictions / predictions if predictions else None,
        warnings=trust_warnings(correct, wrong),
    )


def trust_warnings(correct: int, wrong: int) -> list[str]:
    judged = correct + wrong
    warnings = []
    if judged < MIN_ITEMS:
        warnings.append(f"Only {judged} {'prediction has' if judged == 1 else 'predictions have'} a right/wrong verdict (fewer than {MIN_ITEMS}): "
                        "accuracy from feedback is not reliable yet.")
    # Below MIN_ITEMS the small-sample warning already says it; "100% say correct" of 1 verdict is noise.
    if judged >= MIN_ITEMS and max(correct, wrong) / judged > ONE_SIDED:
        side = "wrong" if wrong > correct else "correct"
        warnings.append(f"{max(correct, wrong) / judged:.0%} of the verdicts say '{side}': people mostly flag "
                        "mistakes, so this feedback is one-sided and accuracy from it is biased.")
    return warnings


def summary_by_model(engine: Engine, filters: FeedbackFilter | None = None) -> pd.DataFrame:
    """Per model: predictions, labelled, correct, wrong, unsure, accuracy, coverage, warning."""
    f = filters or FeedbackFilter()
    frame = feedback_frame(engine, f)
    models = sorted(set(frame["model"])) if not frame.empty else ([f.model] if f.model else [])
    rows = []
    for model in models:
        part = frame[frame["model"] == model] if not frame.empty else frame
        n = count_predictions(engine, model=model, version=f.version, since=f.since, until=f.until)
        s = summarize(part, n)
        rows.append({"model": model, "predictions": n, "labelled": s.labelled, "correct": s.correct, "wrong": s.wrong,
                     "unsure": s.unsure, "accuracy": s.accuracy, "coverage": s.coverage, "warning": " ".join(s.warnings)})
    return pd.DataFrame(rows, columns=["model", "predictions", "labelled", "correct", "wrong", "unsure",
                                       "accuracy", "coverage", "warning"])


def accuracy_over_time(frame: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Per period (of the feedback's date): labelled, correct, accuracy. Also what Monitor plots beside drift."""
    columns = ["period", "labelled", "correct", "accuracy"]
    judged = frame[frame["verdict"].isin(["correct", "wrong"])] if not frame.empty else frame
    if judged.empty:
        return pd.DataFrame(columns=columns)
    period = judged["created"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period(freq).dt.start_time
    grouped = judged.assign(period=period, is_correct=judged["verdict"] == "correct").groupby("period")
    out = grouped.agg(labelled=("verdict", "size"), correct=("is_correct", "sum")).reset_index()
    out["correct"] = out["correct"].astype(int)
    out["accuracy"] = out["correct"] / out["labelled"]
    return out[columns]


def confusion_matrix(frame: pd.DataFrame, classes: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows: true class; columns: predicted class; cells: counts of votes that name a true class."""
    known = frame[frame["true_answer"].notna() & frame["predicted"].notna() & (frame["task"] != "regression")] \
        if not frame.empty else frame
    names = list(classes) or sorted({str(v) for v in [*known.get("true_answer", []), *known.get("predicted", [])]})
    matrix = pd.DataFrame(0, index=pd.Index(names, name="true"), columns=pd.Index(names, name="predicted"))
    for truth, predicted in zip(known.get("true_answer", []), known.get("predicted", []), strict=True):
        t, p = str(truth), str(predicted)
        for name in (t, p):
            if name not in matrix.index:
                matrix.loc[name] = 0
                matrix[name] = 0
        matrix.loc[t, p] += 1
    return matrix.astype(int)


@dataclass(frozen=True)
class Confusion:
    """The most frequent mistake of a confusion matrix: ``count`` of ``total`` named-class verdicts."""
    true: str
    predicted: str
    count: int
    total: int
    mistakes: int


def top_confusion(matrix: pd.DataFrame) -> Confusion | None:
    """The off-diagonal cell with the most verdicts (first in reading order on a tie); None without mistakes."""
    total = int(matrix.to_numpy().sum()) if not matrix.empty else 0
    best: tuple[int, str, str] | None = None
    mistakes = 0
    for t in matrix.index:
        for p in matrix.columns:
            n = int(matrix.at[t, p])
            if t != p and n:
                mistakes += n
                if best is None or n > best[0]:
                    best = (n, str(t), str(p))
    return None if best is None else Confusion(best[1], best[2], best[0], total, mistakes)


def error_distribution(frame: pd.DataFrame) -> pd.DataFrame:
    """Regression: per vote with a true value, predicted, truth, error (predicted - truth), absolute error."""
    columns = ["prediction_id", "predicted", "truth", "error", "abs_error"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    part = frame[(frame["task"] == "regression") & frame["true_answer"].notna() & frame["predicted"].notna()]
    out = pd.DataFrame({
        "prediction_id": part["prediction_id"],
        "predicted": pd.to_numeric(part["predicted"], errors="coerce"),
        "truth": pd.to_numeric(part["true_answer"], errors="coerce"),
    }).dropna()
    out["error"] = out["predicted"] - out["truth"]
    out["abs_error"] = out["error"].abs()
    return out[columns].reset_index(drop=True)


def model_confidence(outputs: dict[str, Any]) -> float | None:
    """How sure the model was of its answer: its reported confidence, else its top class probability."""
    value = outputs.get("confidence")
    if value is None and isinstance(outputs.get("probabilities"), dict) and outputs["probabilities"]:
        value = max(outputs["probabilities"].values())
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Labelled cases for retraining: one column per input feature, then predicted, truth and the vote.

    Two certainties, named so nobody mixes them up: ``model_confidence`` (how sure the model was of its
    answer) and ``labeller_certainty`` (how sure the person giving feedback was, 0 to 1).
    """
    if frame.empty:
        return pd.DataFrame(columns=["prediction_id", "model", "version", "predicted", "truth", "verdict"])
    inputs = pd.DataFrame([i if isinstance(i, dict) else {"input": i} for i in frame["inputs"]], index=frame.index)
    facts = frame[["prediction_id", "model", "version", "request_id", "predicted", "model_confidence", "true_answer",
                   "verdict", "confidence", "user", "comment", "tags", "created"]].rename(
        columns={"true_answer": "truth", "confidence": "labeller_certainty"})
    out = pd.concat([facts[["prediction_id", "model", "version", "request_id"]], inputs,
                     facts.drop(columns=["prediction_id", "model", "version", "request_id"])], axis=1)
    out["created"] = out["created"].astype(str)
    return out.reset_index(drop=True)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    # Mixed columns (a class name here, a number there) are written as text so Parquet accepts them.
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(lambda v: None if v is None else str(v))
    safe.to_parquet(buffer, index=False)
    return buffer.getvalue()


def week_counts(frame: pd.DataFrame, now: Any = None) -> dict[str, int]:
    """Feedback given in the last 7 days, by verdict, and the predictions it covers."""
    if frame.empty:
        return verdict_counts(frame)
    now = pd.Timestamp(now or pd.Timestamp.now(tz="UTC"))
    return verdict_counts(frame[frame["created"] >= now - pd.Timedelta(days=7)])


def verdict_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Feedback items of ``frame`` by verdict, and the predictions they cover."""
    if frame.empty:
        return {"items": 0, "predictions": 0, "correct": 0, "wrong": 0, "unsure": 0}
    counts = frame["verdict"].value_counts()
    return {"items": len(frame), "predictions": int(frame["prediction_id"].nunique()),
            **{v: int(counts.get(v, 0)) for v in ("correct", "wrong", "unsure")}}
