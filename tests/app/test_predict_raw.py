"""Predict's raw JSON editor gets the form's checks: the payload check runs before anything is sent.

Every row of a multi-row payload is answered and shown; ragged columns, deep nesting and a category
written as HTML are refused with the check's advice next to the editor, never a crash or a silent score.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from mds_client.payload_check import example_payload
from mds_client.schema.model import FeatureKind
from tests.app.helpers import shown_tables

MODEL = "tips"
EDITOR = f"predict.raw.{MODEL}.text"


def shown(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


@pytest.fixture(scope="module")
def model(client, refs):
    ref = refs[MODEL]
    schema = client.schema(ref)
    return {"schema": schema, "good": example_payload(schema, ref.protocol), "names": schema.table_columns(),
            "category": next(f for f in schema.features if f.categories),
            "number": next(f for f in schema.features if f.kind == FeatureKind.NUMBER)}


def raw_editor(logged_in):
    at = logged_in("analyst")
    at.session_state["models.selected"] = MODEL
    at.switch_page("../pages/predict.py").run()
    at.segmented_control(key=f"predict.mode.{MODEL}").set_value("Raw JSON").run()
    assert not at.exception, at.exception
    return at


def write(at, doc_or_text):
    text = doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text)
    started = time.perf_counter()
    at.text_area(key=EDITOR).set_value(text).run()
    assert not at.exception, at.exception
    assert time.perf_counter() - started < 15
    return at


def said(at) -> list[str]:
    return [shown(e.value) for e in (*at.error, *at.warning, *at.info)]


def rows_of(good, n):
    doc = json.loads(json.dumps(good))
    for spec in doc["inputs"]:
        spec["data"] = spec["data"] * n
        spec["shape"] = [n, *spec["shape"][1:]]
    return doc


def test_every_row_of_a_5000_row_payload_is_answered_and_shown(logged_in, model):
    at = write(raw_editor(logged_in), rows_of(model["good"], 5000))
    assert not at.button(key="predict.send_raw").disabled, said(at)
    at.button(key="predict.send_raw").click().run()
    assert not at.exception, at.exception
    assert not at.error, said(at)
    # (Streamlit gives a table this large no element id, so it is found by its columns)
    table = next(t for t in shown_tables(at) if {"row", "prediction"} <= set(t.columns))
    assert len(table) == 5000 and list(table["row"][:3]) == [1, 2, 3]
    assert table["prediction"].notna().all()
    assert any(m.label == "Prediction" for m in at.metric)
    assert "All 5,000 answers" in " ".join(m.value for m in at.markdown)
    assert any(b.label == "Download the answers (CSV)" for b in at.download_button)


def test_ragged_columns_are_refused_naming_the_column(logged_in, model):
    doc = json.loads(json.dumps(model["good"]))
    name = model["number"].name
    for spec in doc["inputs"]:
        if spec["name"] == name:
            spec["data"], spec["shape"] = [10.0] * 200_000, [200_000]
    at = write(raw_editor(logged_in), doc)
    assert f"Columns have different lengths: {name} has 200000, the others 1. Give every input one value per row. " \
           "(at $.inputs)" in said(at)
    assert at.button(key="predict.send_raw").disabled


def test_deep_nesting_is_refused_with_a_message(logged_in):
    at = write(raw_editor(logged_in), '{"inputs": ' + "[" * 1000 + "]" * 1000 + "}")
    assert any(s.startswith("The payload is nested 1001 levels deep; the check reads at most 32.") for s in said(at)), said(at)
    assert at.button(key="predict.send_raw").disabled


def test_a_category_written_as_html_is_flagged_and_not_sent(logged_in, model):
    cat, html = model["category"], "<img src=x onerror=alert(1)>"
    doc = json.loads(json.dumps(model["good"]))
    for spec in doc["inputs"]:
        if spec["name"] == cat.name:
            spec["data"] = [html]
    at = write(raw_editor(logged_in), doc)
    labels = ", ".join(cat.label_of(c) for c in cat.categories[:8])
    assert any(s.startswith(f"row 1, {cat.name}: '{html}' is not one of {labels}.") for s in said(at)), said(at)
    assert any("\\<img" in e.value for e in at.error), "user text must reach the screen Markdown-escaped"
    assert at.button(key="predict.send_raw").disabled


def test_the_corrected_payload_is_one_click_away(logged_in, model):
    row = model["schema"].example(None)
    at = write(raw_editor(logged_in), [row])
    assert at.button(key="predict.send_raw").disabled
    at.button(key=f"predict.raw.{MODEL}.check.use_corrected").click().run()
    assert '"inputs"' in at.text_area(key=EDITOR).value
    assert not at.button(key="predict.send_raw").disabled
    at.button(key="predict.send_raw").click().run()
    assert not at.exception and not at.error, said(at)
    assert any(m.label == "Prediction" for m in at.metric)
