"""The model's inference parameters under the Predict form (AppTest.from_function): each starts at its default,
a changed one is what the client sends, a list is edited as comma-separated text, and names are shown as text."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from mds_client.schema.params import chosen_parameters, params_from_metadata

SPECS = [{"name": "cutoff", "type": "double", "default": 7.0, "shape": None},
         {"name": "rain_unit", "type": "string", "default": "mm", "shape": None},
         {"name": "max_rows", "type": "long", "default": 10, "shape": None},
         {"name": "explain", "type": "boolean", "default": False, "shape": None},
         {"name": "weights", "type": "double", "default": [1.0, 2.0], "shape": [-1]},
         {"name": "**bold**", "type": "string", "default": "x", "shape": None}]


def params_app():
    import streamlit as st

    from components.param_inputs import render_params
    from mds_client.schema.params import params_from_metadata

    st.session_state["t.values"] = render_params(params_from_metadata(st.session_state["t.specs"]), key="t")


def run(specs: list[dict]) -> AppTest:
    at = AppTest.from_function(params_app)
    at.session_state["t.specs"] = specs
    return at.run()


def test_every_param_starts_at_its_default_so_nothing_more_is_sent():
    at = run(SPECS)
    assert not at.exception, at.exception
    values = at.session_state["t.values"]
    assert values == {"cutoff": 7.0, "rain_unit": "mm", "max_rows": 10, "explain": False, "weights": "1.0, 2.0",
                      "**bold**": "x"}
    assert chosen_parameters(params_from_metadata(SPECS), values) == {}
    # a model's text is a label, never live Markdown
    assert [t.label for t in at.text_input if t.key == "t.**bold**"] == [r"\*\*bold\*\*"]


def test_changed_values_are_the_requests_parameters_typed():
    at = run(SPECS)
    at.number_input(key="t.cutoff").set_value(5.5)
    at.text_input(key="t.rain_unit").input("in")
    at.checkbox(key="t.explain").check()
    at.number_input(key="t.max_rows").set_value(3).run()
    assert not at.exception, at.exception
    sent = chosen_parameters(params_from_metadata(SPECS), at.session_state["t.values"])
    assert sent == {"cutoff": 5.5, "rain_unit": "in", "max_rows": 3, "explain": True}


def test_a_model_without_params_shows_nothing():
    at = run([])
    assert not at.exception and not at.expander and at.session_state["t.values"] == {}


def test_a_list_param_shows_its_default_and_an_edited_list_is_sent_with_each_element_typed():
    at = run(SPECS)
    weights = at.text_input(key="t.weights")
    assert weights.value == "1.0, 2.0"
    weights.input("0.5, 3, 4.25").run()
    assert not at.exception, at.exception
    assert chosen_parameters(params_from_metadata(SPECS), at.session_state["t.values"]) == {"weights": [0.5, 3.0, 4.25]}
