"""Batch's widgets as an analyst and an admin read them: numbers rounded for people, the server's own rate for
admins only, and each class in the colour Predict gives it."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.batch_view import results_for_people
from components.prediction_view import class_colours
from tests.app.helpers import unescape


def test_results_read_as_percent_and_two_decimals():
    raw = pd.DataFrame({"row": [1, 2], "prediction": ["premium", "juice"], "confidence": [0.9941671745475977, 0.51],
                        "p(premium)": [0.9941671745475977, 0.49], "p(juice)": [0.0058328254524023, 0.51]})
    shown = results_for_people(raw)
    assert shown["confidence"].tolist() == ["99%", "51%"]  # as Predict shows it
    assert shown["p(premium)"].tolist() == ["0.99", "0.49"] and shown["p(juice)"].tolist() == ["0.01", "0.51"]
    assert raw["confidence"].iloc[0] == 0.9941671745475977  # the results file keeps every digit


def summary_app():
    from pathlib import Path

    import streamlit as st

    from components.batch_view import render_summary
    from workbench.batch.views import JobSummary
    from workbench.records import JobRecord

    job = JobRecord("j1", "ana", "grader", "in.csv", "", "done", 10, 10, 10, 0,
                    options={"rows_per_s": 280.0, "server_rows_per_s": 1000.0})
    summary = JobSummary(10, 0, {}, {"juice": 6, "premium": 4}, Path("/nonexistent"), Path("/nonexistent"))
    render_summary(job, summary, key="s", class_names=("premium", "standard", "juice"),
                   server_rate=st.session_state.get("admin", False))


@pytest.mark.parametrize("admin", [False, True])
def test_the_servers_own_rate_is_for_admins(admin):
    at = AppTest.from_function(summary_app)
    at.session_state["admin"] = admin
    at.run()
    assert not at.exception, at.exception
    said = [unescape(c.value) for c in at.caption]
    assert any("28% of the server's own rate" in c for c in said) is admin
    assert {m.label: m.value for m in at.metric}["Speed"] == "280 rows/s"


def test_batch_colours_each_class_as_predict_does():
    at = AppTest.from_function(summary_app).run()
    figure = at.get("plotly_chart")[0].proto.spec
    bars = {t["name"]: t["marker"]["color"] for t in json.loads(figure)["data"]}
    predict = class_colours(["premium", "standard", "juice"])
    assert bars == {"juice": predict["juice"], "premium": predict["premium"]}


def job_list_app():
    from datetime import UTC, datetime

    from components.batch_view import render_job_list
    from workbench.records import JobRecord

    render_job_list([JobRecord("9cc66c5fb8644ffba9b0c956f1948a01", "ana", "grader", "tips-week-4.csv", "", "done",
                               150, 150, 149, 1, created=datetime(2026, 12, 8, 1, 45, tzinfo=UTC))], key="jobs")


def test_a_job_is_named_by_the_short_id_its_picker_shows():
    at = AppTest.from_function(job_list_app).run()
    assert not at.exception, at.exception
    shown = at.table[0].value if at.table else at.dataframe[0].value
    ids = [str(v) for v in shown.iloc[:, -1]]
    assert ids == ["9cc66c5f"]  # the whole 32-character id ran the table past the edge at 1024 px
    assert at.selectbox[0].options == ["grader · tips-week-4.csv · Done (9cc66c5f)"]
