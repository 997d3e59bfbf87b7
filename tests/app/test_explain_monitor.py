"""Explain and Monitor pages through AppTest, against the embedded MDS (alibi server included)."""

from __future__ import annotations

from tests.app.helpers import texts


def pick(at, page: str, model: str):
    at.selectbox(key=f"{page}.model").select(model).run()
    return at


def test_explain_one_case_with_the_explainer_server(no_auth):
    at = no_auth("explain")
    assert not at.exception
    at = pick(at, "explain", "wine")
    at.button(key="explain.case.run").click().run(timeout=90)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "anchor rule" in shown and "The model predicts" in shown
    assert {m.label for m in at.metric} >= {"Precision", "Coverage"}


def test_explain_shap_and_feature_effects_on_mixed_model(no_auth):
    at = pick(no_auth("explain"), "explain", "tips")
    at.button(key="explain.case.run").click().run(timeout=120)
    assert not at.exception, at.exception
    assert "Biggest influences" in texts(at)
    at.button(key="explain.effects_run").click().run(timeout=120)
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) >= 3


def test_explain_refuses_image_models_in_plain_words(no_auth):
    at = pick(no_auth("explain"), "explain", "digits")
    assert not at.exception
    assert any("tabular models" in i.value for i in at.info)
