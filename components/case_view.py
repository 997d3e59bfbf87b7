"""The parts of a case page: who made the prediction and when, its inputs, the feedback given on it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.table_view import record_frame, render_table
from components.text import md
from workbench.records import FeedbackItem, LoggedPrediction
from workbench.time_text import SECOND, when

VERDICT_WORDS = {"correct": "Correct", "wrong": "Wrong", "unsure": "Not sure"}


def render_case_facts(row: LoggedPrediction, *, key: str) -> None:
    status = "answered" if row.ok else "failed"
    st.caption(md("By {} on {} UTC · {} · from {} · request id {}", row.user, when(row.created, SECOND), status,
                  row.source, row.request_id or "none"))


def render_inputs(inputs: Any, *, key: str) -> None:
    if not isinstance(inputs, dict) or not inputs:
        return
    st.markdown("**Inputs**")
    render_table(record_frame(inputs), key=key)


def render_feedback_items(items: list[FeedbackItem], *, key: str) -> None:
    st.markdown("**Feedback**")
    if not items:
        st.caption("No feedback on this prediction yet. Open it in Predict to give some.")
        return
    table = pd.DataFrame([{
        "from": i.user, "verdict": VERDICT_WORDS.get(i.verdict, i.verdict),
        "right answer": "" if i.truth is None else str(i.truth),
        "certainty": i.confidence, "comment": i.comment, "delivery": i.state_text,
        "when": i.updated,
    } for i in items])
    render_table(table, key=key,
                 column_config={"certainty": st.column_config.NumberColumn("certainty (0-1)", format="%.2f"),
                                "when": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm")})


def verdict_words(item: FeedbackItem | None) -> str:
    """The History grid's feedback cell: the newest verdict in words ("Wrong"), empty when none was given."""
    return "" if item is None else VERDICT_WORDS.get(item.verdict, item.verdict)


def right_answer(item: FeedbackItem | None) -> str:
    """The answer a person said was right, for a verdict of wrong; empty otherwise."""
    return str(item.truth) if item is not None and item.verdict == "wrong" and item.truth is not None else ""
