"""A page laid out as Predict (wide, the app's navigation beside it, the form in the first of columns [3, 2]) with a
schema form of the tests' own, for tests/e2e/test_form_widths_screens.py: no model server is needed to see whether
a box shows its whole value."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st

from components.schema_form import render_schema_form
from mds_client import Feature, FeatureKind, ModelSchema

SCHEMA = ModelSchema(features=(
    Feature("rent_eur", FeatureKind.NUMBER, minimum=200.0, maximum=4000.0, bounds_declared=False),
    Feature("area_m2", FeatureKind.NUMBER, minimum=10.0, maximum=99999.0, bounds_declared=False),
    Feature("district", FeatureKind.CATEGORY, categories=("north", "east", "old town"), required=False),
    Feature("balcony", FeatureKind.BOOLEAN),
    Feature("rooms", FeatureKind.INTEGER, minimum=1, maximum=12000000),
    Feature("floor", FeatureKind.CATEGORY, categories=("ground", "upper")),
))
VALUES = {"rent_eur": 711.15, "area_m2": 12345.678, "district": None, "balcony": True, "rooms": 1234567,
          "floor": "upper"}


def predict_like() -> None:
    st.title("Run a prediction")
    form_col, result_col = st.columns([3, 2], gap="large")  # as pages/predict.py
    with form_col:
        render_schema_form(SCHEMA, key="w.form", typical=VALUES)
    with result_col:
        st.caption("The answer will show here. Fill the form and press Predict.")


def elsewhere() -> None:
    st.title("Elsewhere")


st.set_page_config(page_title="Form widths", layout="wide")  # as workbench/app.py
st.navigation([st.Page(predict_like, title="Predict", default=True),
               *[st.Page(elsewhere, title=t, url_path=t.lower().replace(" ", "-")) for t in
                 ("Models", "Compare", "Batch", "Check a payload", "Explain", "History")]]).run()
