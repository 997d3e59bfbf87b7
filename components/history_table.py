"""A user's recent predictions as a table with permalinks, and one prediction opened in full."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from components.case_view import feedback_summary
from components.numbers import confidence
from components.prediction_view import label_text

if TYPE_CHECKING:  # plain data the widget draws; the widget never reads the store
    from workbench.store import LoggedPrediction
    from workbench.store.feedback import FeedbackItem


def _inputs_text(inputs: Any, limit: int = 80) -> str:
    """A short, plain summary of a prediction's inputs for one table cell."""
    if not isinstance(inputs, dict):
        return ""
    text = ", ".join(f"{k}={v}" for k, v in inputs.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def history_frame(rows: list[LoggedPrediction], feedback: dict[int, FeedbackItem] | None = None) -> pd.DataFrame:
    feedback = feedback or {}
    records = []
    for r in rows:
        outputs = r.outputs or {}
        answer = outputs.get("value") if outputs.get("task") == "regression" else outputs.get("label")
        probs = outputs.get("probabilities") or {}
        records.append({
            "id": r.id,
            "when": r.created,
            "model": r.model,
            "inputs": _inputs_text(r.inputs),
            "answer": label_text(answer) if r.ok and answer is not None else "",
            "confidence": confidence(max(probs.values())) if probs else "",
            "latency (ms)": round(r.latency_ms, 1) if r.latency_ms is not None else None,
            "status": r.status,
            "problem": r.error or "",
            "feedback": feedback_summary(feedback.get(r.id)),
            "link": f"./history?prediction={r.id}",
        })
    return pd.DataFrame(records, columns=["id", "when", "model", "inputs", "answer", "confidence", "latency (ms)",
                                          "status", "problem", "feedback", "link"])


def render_history(rows: list[LoggedPrediction], feedback: dict[int, FeedbackItem] | None = None, *,
                   key: str) -> None:
    frame = history_frame(rows, feedback)
    st.dataframe(
        frame, hide_index=True, width="stretch", key=f"{key}.table",
        # the inputs are long: a medium column keeps latency, feedback and the permalink on screen
        column_config={"inputs": st.column_config.TextColumn("inputs", width="medium"),
                       "link": st.column_config.LinkColumn("permalink", display_text="open"),
                       "when": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm:ss")},
    )
    st.download_button("Download (CSV)", frame.to_csv(index=False), "predictions.csv", "text/csv", key=f"{key}.dl")
