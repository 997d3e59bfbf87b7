"""The publish inputs on their own (AppTest.from_function): a Seldon template is a model upload like a model file,
and only a template asks which class to serve."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.workbench.publish.test_template_files import zipped


def inputs_app():
    import streamlit as st

    from components.publish_form import render_publish_inputs

    st.session_state["t.inputs"] = render_publish_inputs(key="t")


def test_a_template_upload_asks_for_its_class():
    at = AppTest.from_function(inputs_app).run()
    assert not at.exception, at.exception
    assert {".py", ".zip", ".joblib"} <= set(at.file_uploader(key="t.model").proto.type)
    assert not [t for t in at.text_input if t.key == "t.class"]  # nothing uploaded: no class to ask for
    at.file_uploader(key="t.model").upload("grader.py", b"class Grader:\n    pass\n", "text/x-python").run()
    at.text_input(key="t.class").input(" Grader ").run()
    assert not at.exception, at.exception
    inputs = at.session_state["t.inputs"]
    assert (inputs.model.name, inputs.template_class) == ("grader.py", "Grader")


def test_a_model_file_does_not_ask_for_a_class():
    at = AppTest.from_function(inputs_app).run()
    at.file_uploader(key="t.model").upload("grade.joblib", b"\x80\x04", "application/octet-stream").run()
    assert not at.exception, at.exception
    assert not [t for t in at.text_input if t.key == "t.class"]
    assert at.session_state["t.inputs"].template_class == ""


def looking_app():
    import streamlit as st

    from components.publish_form import render_publish_inputs
    from workbench.publish.template_files import is_template

    st.session_state["t.inputs"] = render_publish_inputs(
        key="t", is_template=lambda upload: is_template(upload.getvalue(), upload.name))


@pytest.mark.parametrize(("file_name", "data", "asks"), [
    ("grader.py", b"class Grader:\n    def predict(self, X, names):\n        return X\n", True),
    ("grader.zip", zipped({"grader.py": b"class Grader:\n    pass\n", "weights.json": b"{}"}), True),
    ("harvest.zip", zipped({"MLmodel": b"flavors: {python_function: {}}\n", "model.pkl": b"\x80\x04",
                            "python_env.yaml": b"python: 3.11\n", "helpers.py": b"X = 1\n"}), False),
    ("grade.pkl", b"\x80\x04", False),
])
def test_only_a_python_template_asks_for_its_class(file_name, data, asks):
    at = AppTest.from_function(looking_app).run()
    at.file_uploader(key="t.model").upload(file_name, data, "application/octet-stream").run()
    assert not at.exception, at.exception
    assert bool([t for t in at.text_input if t.key == "t.class"]) is asks
    assert any(t.label == "Class (optional)" for t in at.text_input) is asks


def page_app():
    from workbench.ui.publish import publish_page_body

    publish_page_body()


def test_the_pages_help_names_the_three_kinds_it_takes():
    at = AppTest.from_function(page_app).run()
    assert not at.exception, at.exception
    [help_line] = [c.value for c in at.caption if c.value.startswith("Upload ")]
    for kind in ("scikit-learn, XGBoost or LightGBM model (joblib or pickle", "an MLflow model folder (.zip)",
                 "a class in Seldon Core's Python template (.py, or .zip with its files)"):
        assert kind in help_line.replace("\\", ""), help_line
