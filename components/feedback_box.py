"""Feedback under a prediction: one click "Correct" / "Wrong", then the right answer if wrong.

``render_feedback_box`` only draws and returns what the person said (a ``FeedbackInput``) or an
action on their existing item; it stores nothing. ``workbench.ui.feedback`` records what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from components.numbers import number
from components.text import md, plain
from workbench.records import FeedbackItem

VERDICT_WORDS = {"correct": "Correct", "wrong": "Wrong", "unsure": "Not sure"}


@dataclass
class FeedbackInput:
    verdict: str
    truth: Any = None
    confidence: float | None = None
    comment: str = ""
    tags: list[str] = field(default_factory=list)
    action: str = "record"
    """record | withdraw"""


def _task_and_label(record: Any, schema: Any) -> tuple[str, Any]:
    task = getattr(schema, "task", None) or getattr(record, "task", "other")
    if task == "regression":
        return task, getattr(record, "value", None) if getattr(record, "value", None) is not None else getattr(record, "label", None)
    return task, getattr(record, "label", None)


def render_feedback_box(prediction_record: Any, schema: Any, *, key: str, current: FeedbackItem | None = None,
                        others: list[FeedbackItem] | tuple[FeedbackItem, ...] = ()) -> FeedbackInput | None:
    """Draw the box for one prediction; return what was submitted on this run, else None."""
    task, said = _task_and_label(prediction_record, schema)
    classes = list(getattr(schema, "class_names", ()) or ())
    if not classes and isinstance(getattr(prediction_record, "probabilities", None), dict):
        classes = list(prediction_record.probabilities)
    editing = st.session_state.get(f"{key}.editing", False)
    if current is not None and not editing:
        truth_md = md(" (right answer: {})", current.truth) if current.truth is not None and current.verdict == "wrong" else ""
        st.success(md("You said: **{}**", VERDICT_WORDS[current.verdict]) + truth_md + ".", icon=":material/task_alt:")
        st.caption(md("Feedback {}: {}.", current.id, current.state_text))
        change, withdraw = st.columns(2)
        if change.button("Change", key=f"{key}.change", icon=":material/edit:"):
            st.session_state[f"{key}.editing"] = True
            st.rerun()
        if withdraw.button("Withdraw", key=f"{key}.withdraw", icon=":material/undo:"):
            return FeedbackInput(verdict=current.verdict, action="withdraw")
        _others(others)
        return None

    shown = number(said, getattr(schema, "unit", "") or "") if task == "regression" else said
    st.markdown(md("Was **{}** the right answer?", shown) if said is not None else "Was this answer right?")
    right, wrong = st.columns(2)
    if right.button("Correct", key=f"{key}.correct", type="primary", icon=":material/thumb_up:"):
        st.session_state[f"{key}.wrong"] = False
        st.session_state[f"{key}.editing"] = False
        return FeedbackInput(verdict="correct")
    if wrong.button("Wrong", key=f"{key}.wrong_button", icon=":material/thumb_down:"):
        st.session_state[f"{key}.wrong"] = True
    submitted = None
    if st.session_state.get(f"{key}.wrong"):
        with st.form(key=f"{key}.form", border=True):
            st.markdown("**Wrong? Tell us the right answer**")
            if task == "regression":
                truth = st.number_input("Right value", value=float(said) if said is not None else 0.0, key=f"{key}.truth")
            elif classes:
                choices = [c for c in classes if str(c) != str(said)] or classes
                truth = st.selectbox("Right answer", choices, key=f"{key}.truth", format_func=plain)
            else:
                truth = st.text_input("Right answer", key=f"{key}.truth") or None
            confidence = st.slider("How sure are you?", 0.0, 1.0, 0.8, 0.05, key=f"{key}.confidence",
                                   help="1.0: checked against a reliable source")
            comment = st.text_area("Comment (optional)", key=f"{key}.comment", height=80)
            tags = st.text_input("Tags (optional, comma separated)", key=f"{key}.tags")
            if st.form_submit_button("Send feedback", type="primary"):
                submitted = FeedbackInput(verdict="wrong", truth=truth, confidence=confidence, comment=comment,
                                          tags=[t.strip() for t in tags.split(",") if t.strip()])
    if editing and st.button("Keep my earlier answer", key=f"{key}.cancel"):
        st.session_state[f"{key}.editing"] = False
        st.rerun()
    _others(others)
    return submitted


def _others(others: list[FeedbackItem] | tuple[FeedbackItem, ...]) -> None:
    if others:
        said = ", ".join(f"{o.user}: {VERDICT_WORDS[o.verdict].lower()}" for o in others[:5])
        st.caption(md("Others said: {}.", said))
