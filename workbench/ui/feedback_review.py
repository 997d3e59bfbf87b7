"""Feedback review's charts: accuracy per day, then errors (regression) or true against predicted classes,
each with what to conclude; below ``few`` labelled predictions a sentence says when they will appear."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.numbers import count
from components.review_charts import accuracy_figure, confusion_figure, error_figure
from components.text import md
from workbench.feedback import metrics as fm


def render_review_charts(frame: pd.DataFrame, model: str, *, labelled: int, few: int) -> None:
    """The charts of ``frame`` (the review's votes in range) for ``model``, one per row: side by side at
    1024 px the confusion matrix shrank to about 60 px, its labels vertical."""
    if labelled < few:
        st.caption(md("Charts of accuracy per day and of true against predicted answers appear once {} predictions "
                      "are labelled (so far: {}).", few, labelled))
        return
    over = fm.accuracy_over_time(frame)
    if over.empty:
        st.caption("No right/wrong verdicts in these dates, so no accuracy over time.")
    else:
        st.plotly_chart(accuracy_figure(over, model), key="review.accuracy")
        st.caption("Each point is one day's share of right answers among the verdicts given on that day's "
                   "predictions; the bars count those verdicts. A day of one or two verdicts swings between 0% and "
                   "100%: read the trend over days with many, not a single point.")
    if not frame.empty and frame["task"].mode().iloc[0] == "regression":
        errors = fm.error_distribution(frame)
        if errors.empty:
            st.caption("No true values given yet, so no error distribution.")
        else:
            st.plotly_chart(error_figure(errors, model), key="review.errors")
        return
    _confusion(frame, model)


def _confusion(frame: pd.DataFrame, model: str) -> None:
    matrix = fm.confusion_matrix(frame)
    if matrix.empty:
        st.caption("No verdicts that name the true class yet, so no confusion matrix.")
        return
    st.plotly_chart(confusion_figure(matrix, model), key="review.confusion")
    worst = fm.top_confusion(matrix)
    st.caption("The diagonal holds the right answers, every other cell a mistake. " + (md(
        "The most frequent: {} answered as {}, {} of {} among {}.", worst.true, worst.predicted, worst.count,
        count(worst.mistakes, "mistake"), count(worst.total, "verdict")) if worst is not None
        else "No mistakes among these verdicts."))
