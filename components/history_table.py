"""A user's recent predictions as a table with permalinks, and one prediction opened in full."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.case_view import right_answer, verdict_words
from components.numbers import confidence
from components.prediction_view import label_text
from components.table_view import render_table
from workbench.records import FeedbackItem, LoggedPrediction
from workbench.time_text import whens

FAILED = "failed: no answer"


def _inputs_text(inputs: Any, limit: int = 56) -> str:
    """A short, plain summary of a prediction's inputs for one table cell: whole ``name=value`` pairs that fit
    a wide column (about 56 characters), then how many more; the case page shows them all."""
    if not isinstance(inputs, dict):
        return ""
    pairs = [f"{k}={v}" for k, v in inputs.items()]
    shown: list[str] = []
    for pair in pairs:
        if shown and len(", ".join([*shown, pair])) > limit:
            break
        shown.append(pair)
    if len(shown) == 1 and len(shown[0]) > limit:  # one long value: cut it, say so
        shown = [shown[0][: limit - 1] + "…"]
    more = len(pairs) - len(shown)
    return ", ".join(shown) + (f" … (+{more} more)" if more else "")


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
            # a failed call says so where the answer would be (its reason is in the row's detail)
            "answer": (label_text(answer) if answer is not None else "") if r.ok else FAILED,
            "confidence": confidence(max(probs.values())) if probs else "",
            "latency (ms)": round(r.latency_ms, 1) if r.latency_ms is not None else None,
            "status": r.status,
            "problem": r.error or "",
            # the verdict in the grid, the right answer a person gave in the row's detail: "Wrong (cultivar_2)" was
            # cut to "Wrong (cultiv…" at 1024 px
            "feedback": verdict_words(feedback.get(r.id)),
            "right answer": right_answer(feedback.get(r.id)),
            "link": f"./history?prediction={r.id}",
        })
    return pd.DataFrame(records, columns=["id", "when", "model", "inputs", "answer", "confidence", "latency (ms)",
                                          "status", "problem", "feedback", "right answer", "link"])


def render_history(rows: list[LoggedPrediction], feedback: dict[int, FeedbackItem] | None = None, *,
                   key: str) -> None:
    frame = history_frame(rows, feedback)
    shown = frame.assign(id=frame["link"]).drop(columns=["link"])  # the id is the permalink: one column, not two
    shown["when"] = whens(shown["when"])
    # What a person scans stays in the grid (it fits at 1024 px); inputs, latency, status and problem open per row.
    render_table(
        shown, key=f"{key}.table", details=["inputs", "latency (ms)", "status", "problem", "right answer"],
        column_config={"id": st.column_config.LinkColumn("Case", display_text=r"prediction=(\d+)",
                                                         help="opens the prediction's page, a link you can share"),
                       "when": st.column_config.TextColumn("When (UTC)"),
                       "model": st.column_config.TextColumn("Model"), "answer": st.column_config.TextColumn("Answer"),
                       "confidence": st.column_config.TextColumn("Confidence", help="how sure the model was"),
                       "feedback": st.column_config.TextColumn("Feedback", help="the newest verdict given on it")},
    )
    st.download_button("Download (CSV)", frame.to_csv(index=False), "predictions.csv", "text/csv", key=f"{key}.dl")
