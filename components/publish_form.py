"""What a data scientist fills in to publish a model, and the form analysts will get, with its words editable.

``render_publish_inputs`` draws the uploads and fields and returns them; ``render_input_editor`` shows each
input the model will ask for (kind, what is allowed) with its description and unit editable, and returns the
edited words. Draws only: reading the files and publishing are the Publish glue's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components.table_view import heading
from components.text import plain_frame

MODEL_TYPES = ["joblib", "pkl", "pickle", "py", "zip"]
INPUT_KINDS = ("a scikit-learn, XGBoost or LightGBM model (joblib or pickle, with its reference rows), an MLflow "
               "model folder (.zip), or a class in Seldon Core's Python template (.py, or .zip with its files)")
"""The three kinds of upload the page takes, in the words of its one-line help."""


@dataclass(frozen=True)
class PublishInputs:
    name: str
    model: Any
    """The uploaded model file (Streamlit's UploadedFile), or None."""
    reference: Any
    """The uploaded reference CSV, or None."""
    description: str
    alias: str
    template_class: str = ""
    """A Seldon template's class to serve, when its .py holds several ("" to let the .py say)."""


PURPOSE_EXAMPLE = "Grades a harvest"  # a half-width box shows ~20 characters at 1024 px: a longer example was cut

def _suffix_says_template(upload: Any) -> bool:
    return upload.name.lower().endswith(".py")


def render_publish_inputs(*, key: str, is_template: Callable[[Any], bool] = _suffix_says_template) -> PublishInputs:
    """``is_template`` says whether an upload is a Seldon template (the only kind that asks which class to serve):
    the glue hands in one that looks inside a .zip (an MLflow folder's .zip is not one); by default a .py is."""
    left, right = st.columns(2)
    with left:
        name = st.text_input("Name", key=f"{key}.name", placeholder="orchard-grade",
                             help="Lower-case letters, digits, '.', '_' or '-'. A name that exists gets a new version.")
        model = st.file_uploader("Model file", type=MODEL_TYPES, key=f"{key}.model",
                                 help="A scikit-learn model or pipeline saved with joblib.dump or pickle "
                                      "(XGBoost and LightGBM with scikit-learn's interface too); a .zip of an "
                                      "MLflow model folder (the folder mlflow.<flavor>.save_model wrote, with its "
                                      "MLmodel); or a class in Seldon Core's Python template: its .py, or a .zip "
                                      "with the .py and the files it loads.")
        template_class = ""
        if model is not None and is_template(model):
            template_class = st.text_input("Class (optional)", key=f"{key}.class", placeholder="Grader",
                                           help="The class to serve, when the .py holds several with predict.")
    with right:
        description = st.text_input("One line of purpose", key=f"{key}.description",
                                    placeholder=PURPOSE_EXAMPLE)
        reference = st.file_uploader("Reference rows", type=["csv"], key=f"{key}.reference",
                                     help="A CSV of rows like the training data: the model's input columns with a "
                                          "header, no target column. The model must answer them before it is "
                                          "published; the form analysts get is made from them. Optional for an "
                                          "MLflow model folder: its signature makes the form, the rows add "
                                          "categories and ranges.")
    alias = st.text_input("Alias (optional)", key=f"{key}.alias", placeholder="champion",
                          help="Point this alias at the new version in the registry.")
    return PublishInputs(name.strip(), model, reference, description.strip(), alias.strip(), template_class.strip())


def render_input_editor(table: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The inputs the form will have (``feature``, ``kind``, ``allowed``, ``unit``, ``description``); the last two
    editable. Returns the table with what was typed."""
    shown = plain_frame(table)
    config = {column: st.column_config.TextColumn(heading(column), disabled=column not in ("unit", "description"))
              for column in shown.columns}
    config["feature"] = st.column_config.TextColumn("Input", disabled=True)
    edited = st.data_editor(shown, key=key, column_config=config, hide_index=True, use_container_width=True,
                            num_rows="fixed")
    return pd.DataFrame(edited)
