"""The publish inputs on their own (AppTest.from_function): a Seldon template is a model upload like a model file,
and only a template asks which class to serve."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


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
