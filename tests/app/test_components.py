"""Components on their own (AppTest.from_function): the schema form for every feature kind."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.helpers import unescape


def form_app():
    import streamlit as st

    from components.schema_form import render_schema_form
    from mds_client import Feature, FeatureKind, ModelSchema
    from workbench.predict.service import typical_values

    schema = ModelSchema(features=(
        Feature("weight", FeatureKind.NUMBER, minimum=0, maximum=200, unit="kg", description="Body weight."),
        Feature("children", FeatureKind.INTEGER, minimum=0, maximum=10),
        Feature("grade", FeatureKind.CATEGORY, categories=(1, 2, 3), category_labels={1: "low", 2: "mid", 3: "high"}),
        Feature("member", FeatureKind.BOOLEAN),
        Feature("note", FeatureKind.TEXT, description="Free text."),
    ))
    state = render_schema_form(schema, key="t.form", typical=typical_values(schema, None),
                               defaults={"weight": 70.0, "grade": 2, "note": "hello"})
    st.session_state["t.values"] = state.values
    st.session_state["t.errors"] = state.errors


def test_every_tabular_kind_has_its_widget():
    at = AppTest.from_function(form_app).run()
    assert not at.exception, at.exception
    weight = at.number_input(key="t.form.weight")
    assert weight.value == 70.0 and weight.label == "weight (kg)"
    assert "Expected range: 0 to 200 kg" in unescape(weight.help)
    assert isinstance(at.number_input(key="t.form.children").value, int)
    grade = at.selectbox(key="t.form.grade")
    assert list(grade.options) == ["low", "mid", "high"] and grade.value == 2
    assert at.checkbox(key="t.form.member").value is False
    assert at.text_area(key="t.form.note").value == "hello"
    assert at.session_state["t.values"] == {"weight": 70.0, "children": 0, "grade": 2, "member": False, "note": "hello"}
    assert at.session_state["t.errors"] == {}


def test_category_name_shown_code_sent():
    at = AppTest.from_function(form_app).run()
    at.selectbox(key="t.form.grade").select("high").run()
    assert at.session_state["t.values"]["grade"] == 3


def test_problems_show_next_to_the_field():
    at = AppTest.from_function(form_app).run()
    at.number_input(key="t.form.weight").set_value(250.0).run()
    at.text_area(key="t.form.note").input("").run()
    errors = at.session_state["t.errors"]
    assert errors == {"weight": "weight: 250.0 is above the maximum 200",
                      "note": "note is empty, and this model needs a value here (its schema allows no missing value). "
                              "Type one, or press Reset for a typical example."}
    assert [unescape(e.value) for e in at.error] == list(errors.values())


def explanation_app():
    import streamlit as st

    from components.explanation_view import render_explanation
    from workbench.explain.explanation import Explanation

    render_explanation(Explanation(**st.session_state["e.args"]), key="e")


def test_the_explanation_says_where_it_came_from_in_a_sentence():
    import pytest

    cases = [
        ({"kind": "shap", "model": "m", "source": "computed in the workbench", "calls": 1, "seconds": 0.25},
         "SHAP values computed in the workbench (1 call to the model, 0.2 s)."),
        ({"kind": "anchor", "model": "m", "source": "explainer server wine-explainer", "calls": 12, "seconds": 1.5},
         "Anchor rule from the explainer server wine-explainer (12 calls to the model, 1.5 s)."),
    ]
    for args, words in cases:
        at = AppTest.from_function(explanation_app)
        at.session_state["e.args"] = args
        at.run()
        if at.exception:
            pytest.fail(str(at.exception))
        assert unescape(at.caption[0].value) == words


def test_a_shown_table_leaves_missing_text_blank():
    import pandas as pd

    from components.text import plain_frame

    shown = plain_frame(pd.DataFrame({"reason": [None, "down", float("nan")], "n": [1, 2, 3]}))
    assert shown["reason"].tolist() == ["", "down", ""]
    assert shown["n"].tolist() == [1, 2, 3]


def history_app():
    from datetime import UTC, datetime

    from components.history_table import render_history
    from workbench.store.predictions import LoggedPrediction

    row = LoggedPrediction(1, "r1", "m", "1", "v2", "ana", {f"feature_{i}": i * 1.5 for i in range(13)}, {"y": 1},
                           {}, {}, 12.0, "ok", None, "workbench", datetime(2026, 1, 1, tzinfo=UTC))
    render_history([row], key="h")


def test_history_fits_a_laptop_and_opens_a_rows_inputs_whole():
    at = AppTest.from_function(history_app).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    assert "inputs" not in shown.columns and "problem" not in shown.columns  # in the row's detail, not side by side
    assert shown["id"][0] == "./history?prediction=1"  # the id is the permalink
    at.session_state["h.table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    detail = dict(at.dataframe[1].value.values.tolist())
    # whole name=value pairs, then how many more: never cut mid-word
    assert detail["Inputs"].endswith("more)") and ", feature_" in detail["Inputs"]
    assert all("=" in pair for pair in detail["Inputs"].split(" … ")[0].split(", "))


def payload_app():
    from components.payload_inspector import render_payload
    from mds_client import ModelRef
    from workbench.predict.results import Result
    from workbench.predict.snippets import call_snippets

    ref = ModelRef(name="m", protocol="v2", endpoint="http://127.0.0.1:9", model_name="m",
                   headers={"Authorization": "Bearer s3cr3t-token"})
    body = {"id": "r1", "inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 1], "data": [0.5]}]}
    result = Result("m", "v2", "regression", None, None, 1.0, 3.0, "r1", body, {"outputs": []})
    render_payload(result, call_snippets(ref, "catalog.yaml", result), key="p")


def test_the_payload_shows_credentials_only_when_asked():
    at = AppTest.from_function(payload_app).run()
    assert not at.exception, at.exception
    assert "s3cr3t" not in at.code[0].value and "MDS_AUTHORIZATION" in at.code[0].value  # curl
    assert "s3cr3t" not in at.code[1].value  # requests
    at.toggle(key="p.reveal").set_value(True).run()
    assert "s3cr3t-token" in at.code[0].value and "s3cr3t-token" in at.code[1].value
    assert "load_catalog('catalog.yaml')" in at.code[2].value
