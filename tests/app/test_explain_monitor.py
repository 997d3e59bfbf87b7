"""Explain and Monitor pages through AppTest, against the embedded MDS (alibi server included)."""

from __future__ import annotations

from tests.app.helpers import texts
from workbench.explain import jobs
from workbench.ui.explain_why import RULE_OWN


def pick(at, page: str, model: str):
    at.selectbox(key=f"{page}.model").select(model).run()
    return at


def finish(at, timeout: float = 120):
    """Explanations run off the script thread: wait for them, then rerun to draw the result."""
    assert jobs.wait_all(timeout), "an explanation did not end within its budget"
    return at.run()


def test_explain_one_case_with_the_explainer_server(no_auth):
    at = no_auth("explain")
    assert not at.exception
    at = pick(at, "explain", "wine")
    at.button(key="explain.case.run").click().run(timeout=90)
    finish(at)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "anchor rule from the explainer server" in shown.lower() and "the model answered" in shown
    assert {m.label for m in at.metric} >= {"Precision", "Coverage"}


def test_explain_one_case_with_a_seldon_v1_explainer(no_auth, refs):
    v1 = next((r for r in refs.values() if r.protocol == "seldon" and r.explainer is not None), None)
    assert v1 is not None, "the embedded MDS serves a Seldon v1 model with a v1 explainer"
    at = pick(no_auth("explain"), "explain", v1.name)
    first = at.radio(key=f"explain.case.method.{v1.name}").options[0]  # options come back Markdown-escaped
    assert first.replace("\\", "") == RULE_OWN
    at.button(key="explain.case.run").click().run(timeout=90)
    finish(at)
    assert not at.exception, at.exception
    shown = texts(at)
    assert f"anchor rule from the explainer server {v1.explainer.name}" in shown.lower()
    assert "IF " in shown and "the model answered" in shown
    assert {m.label for m in at.metric} >= {"Precision", "Coverage"}


def test_explain_shap_and_feature_effects_on_mixed_model(no_auth):
    at = pick(no_auth("explain"), "explain", "tips")
    at.button(key="explain.case.run").click().run(timeout=120)
    finish(at)
    assert not at.exception, at.exception
    assert "Biggest influences" in texts(at)
    at.radio(key="explain.global.view").set_value("Partial dependence").run()
    at.button(key="explain.global.run").click().run(timeout=120)
    finish(at)
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) >= 3


def test_explain_draws_a_heat_map_over_an_image(no_auth):
    at = pick(no_auth("explain"), "explain", "digits")
    assert not at.exception
    at.button(key="explain.case.run").click().run(timeout=60)
    finish(at)
    assert not at.exception, at.exception
    assert "Hiding the red pixels" in texts(at) and len(at.get("plotly_chart")) == 1
