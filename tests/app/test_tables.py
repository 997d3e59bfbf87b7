"""The one rule for tables (components/table_view.py): empty columns out, long text wide, every row shown up to 20,
one case as feature / value rows; and the form's column rule."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from components.schema_form import form_columns
from components.table_view import MAX_ROWS, fit_height, record_frame
from mds_client import Feature, FeatureKind, ModelSchema
from tests.app.helpers import unescape


def table_app():
    import pandas as pd

    from components.table_view import render_table

    render_table(pd.DataFrame({"name": [f"f{i}" for i in range(13)], "unit": [""] * 13, "reason": [None] * 13,
                               "description": ["Predicts the cultivar of a wine from its chemistry"] * 13}),
                 key="t")


def test_tables_leave_out_empty_columns_widen_long_text_and_show_every_row():
    at = AppTest.from_function(table_app).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0]
    assert list(shown.value.columns) == ["name", "description"]
    assert json.loads(shown.proto.columns)["description"]["width"] == 50 * 7 + 24  # as wide as its text
    assert json.loads(shown.proto.columns)["description"]["label"] == "Description"  # a header, as a word
    # AppTest does not expose a table's height: the rule itself, 13 rows and the header, none cut in half
    assert fit_height(13) == 14 * 35 + 3
    assert fit_height(500) == fit_height(MAX_ROWS)  # then it scrolls


def test_one_case_reads_down_as_feature_and_value():
    frame = record_frame({"alcohol": 13.2, "color_intensity": 4.68, "note": None}, ("fact", "value"))
    assert list(frame.columns) == ["fact", "value"]
    assert frame.values.tolist() == [["alcohol", "13.2"], ["color_intensity", "4.68"], ["note", ""]]


def model_card_app():
    from components.model_card import render_model_card
    from mds_client import Feature, FeatureKind, ModelRef, ModelSchema
    from workbench.catalog.service import ModelEntry
    from workbench.ui.catalog import model_card

    schema = ModelSchema(features=tuple(Feature(f"feature_{i}", FeatureKind.NUMBER, minimum=0, maximum=9,
                                                description="A long description of what this input measures")
                                        for i in range(13)))
    render_model_card(model_card(ModelEntry(ref=ModelRef("m", "v2", "http://127.0.0.1:1"), schema=schema)),
                      metadata=None, key="card")


def test_model_card_names_its_fact_column_and_shows_every_input():
    at = AppTest.from_function(model_card_app).run()
    assert not at.exception, at.exception
    facts = at.dataframe[0]
    assert list(facts.value.columns) == ["fact", "value"]  # no blank header beside "value"
    # 13 inputs with long descriptions are too wide for a grid at 1024 px: a static table that wraps them
    inputs = next(t for t in at.table if len(t.value) == 13)
    assert "Unit" not in inputs.value.columns  # no feature has one
    assert inputs.value["Description"].iloc[0] == "A long description of what this input measures"  # whole


def wide_few_app():
    import pandas as pd
    import streamlit as st

    from components.table_view import render_table

    render_table(pd.DataFrame({"feature": ["alcohol"], "allowed": ["any (seen 11.03 to 14.83)"],
                               "description": ["Alcohol content of the wine in percent by volume, as labelled."],
                               "n": [110.0], "when": pd.to_datetime(["2026-11-30 09:15:42"], utc=True),
                               "sure": [0.8]}), key="w",
                 column_config={"sure": st.column_config.NumberColumn("sure", format="%.2f")})
    render_table(pd.DataFrame({"feature": ["alcohol"], "description": ["Alcohol content of the wine"]}), key="n")


def test_a_few_rows_too_wide_for_a_laptop_wrap_and_a_narrow_table_stays_a_grid():
    at = AppTest.from_function(wide_few_app).run()
    assert not at.exception, at.exception
    assert [list(t.value.columns) for t in at.table] == [["Feature", "Allowed", "Description", "N", "When", "Sure"]]
    row = at.table[0].value.iloc[0].map(unescape)  # the cells are escaped Markdown
    assert row["N"] == "110" and row["When"] == "30 Nov 2026 09:15" and row["Sure"] == "0.80"  # as the grid shows
    assert [list(d.value.columns) for d in at.dataframe] == [["feature", "description"]]


def test_form_uses_two_columns_only_for_a_few_short_labels():
    def schema(*names: str) -> ModelSchema:
        return ModelSchema(features=tuple(Feature(n, FeatureKind.NUMBER) for n in names))

    assert form_columns(schema("total_bill", "size", "day")) == 2
    assert form_columns(schema("alcohol", "nonflavanoid_phenols")) == 1  # breaks mid-word in a half box
    assert form_columns(schema(*[f"f{i}" for i in range(13)])) == 1


def facts_app():
    from components.table_view import render_facts

    render_facts({"Catalog file": "/a/very/long/path/that/would/be/cut/at/1024/pixels/catalog.yaml", "Link": "**x**"})


def test_facts_wrap_in_a_static_table_with_markdown_escaped():
    at = AppTest.from_function(facts_app).run()
    assert not at.exception, at.exception
    cells = at.table[0].value
    assert list(cells.columns) == ["Setting", "Value"]
    assert cells["Value"].tolist()[1] == "\\*\\*x\\*\\*"  # st.table reads Markdown: shown literally


def detail_app():
    import pandas as pd

    from components.table_view import render_table

    render_table(pd.DataFrame({"case": [1, 2], "verdict": ["wrong", "correct"],
                               "comment": ["", "the tip was a round ten, which the model never sees"]}),
                 key="t", details=["comment"])


def test_low_value_columns_open_in_a_detail_view_of_the_picked_row():
    at = AppTest.from_function(detail_app).run()
    assert not at.exception, at.exception
    assert [list(d.value.columns) for d in at.dataframe] == [["case", "verdict"]]  # nothing more side by side
    at.session_state["t"] = {"selection": {"rows": [1], "columns": [], "cells": []}}  # a click on row 2
    at.run()
    detail = at.dataframe[1].value
    assert list(detail.columns) == ["field", "value"]
    assert json.loads(at.dataframe[1].proto.columns)["field"]["label"] == "Field"
    assert detail.values.tolist() == [["Case", "2"], ["Verdict", "correct"],
                                      ["Comment", "the tip was a round ten, which the model never sees"]]


def headers_app():
    import pandas as pd
    import streamlit as st

    from components.table_view import render_table

    render_table(pd.DataFrame({"request id": ["r1"], "latency (ms)": [3.5], "rows_rejected": [0], "case": [1]}),
                 key="ours", column_config={"case": st.column_config.NumberColumn("Case number")})
    render_table(pd.DataFrame({"total_bill": [16.99], "sex": ["Female"]}), key="theirs", own_headers=False)


def test_headers_we_name_read_as_words_and_a_persons_columns_keep_their_names():
    at = AppTest.from_function(headers_app).run()
    assert not at.exception, at.exception
    ours, theirs = (json.loads(d.proto.columns) for d in at.dataframe)
    assert [ours[c]["label"] for c in ("request id", "latency (ms)", "rows_rejected", "case")] == [
        "Request ID", "Latency (ms)", "Rows rejected", "Case number"]  # a label given is kept
    assert all(not v.get("label") or v["label"] == c for c, v in theirs.items())  # feature names as the model has them


def test_a_table_too_wide_for_a_laptop_is_measured_as_such():
    import pandas as pd

    from components.table_view import FITS_PX, table_width

    narrow = pd.DataFrame({"case": [1], "verdict": ["wrong"]})
    wide = pd.DataFrame({f"column {i}": ["saved in the workbench only"] for i in range(4)})
    assert table_width(narrow) < FITS_PX < table_width(wide)
