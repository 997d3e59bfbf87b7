"""The model card of a model linked to a version someone registered in MLflow by hand: who registered it, when, its
run's metrics and where the form's inputs come from; and with the registry down, a short note (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def card_app(down: bool = False):
    from datetime import UTC, datetime

    from components.model_card import render_model_card
    from mds_client import Feature, FeatureKind, ModelRef, ModelSchema
    from mds_client.registry import RegisteredFacts
    from workbench.catalog.service import ModelEntry
    from workbench.ui.catalog import model_card

    schema = ModelSchema((Feature("cultivar", FeatureKind.TEXT, default="russet"),
                          Feature("soil_ph", FeatureKind.NUMBER, required=False)), source="mlflow-signature")
    facts = RegisteredFacts("harvest-grade", note="the model registry is not answering (connection refused)") \
        if down else RegisteredFacts("harvest-grade", "3", ("champion",), "ana.registrar",
                                     datetime(2026, 12, 7, 20, 10, tzinfo=UTC), "Grades a harvest.",
                                     {"accuracy": 0.93, "log_loss": 0.4321}, schema)
    ref = ModelRef("harvest", "v2", "http://127.0.0.1:1", registry="models:/harvest-grade@champion",
                   registered=facts, description="Grades a harvest.")
    render_model_card(model_card(ModelEntry(ref=ref, schema=schema)), metadata=None, key="card")


def facts_of(at: AppTest) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table["fact"], table["value"], strict=True))


def test_the_card_says_who_registered_the_version_when_its_metrics_and_where_the_form_comes_from():
    at = AppTest.from_function(card_app).run()
    assert not at.exception, at.exception
    facts = facts_of(at)
    assert facts["Registry"] == "version 3 (@champion) of harvest-grade"
    assert facts["Registered"] == "by ana.registrar on 07 Dec 2026 20:10 UTC"
    assert not [c for c in at.caption if "registry" in c.value and "answering" in c.value]
    assert any(m.value == "**Metrics** (logged by the run that registered this version)" for m in at.markdown)
    metrics = next(d.value for d in at.dataframe if "metric" in d.value.columns)
    assert dict(zip(metrics["metric"], metrics["value"], strict=True)) == {"accuracy": "93%", "log_loss": "0.432"}
    assert [c.value for c in at.caption if c.value.startswith("From ")] == [
        "From the MLflow signature in the model registry."]


def test_with_the_registry_down_the_card_says_so_in_a_line():
    at = AppTest.from_function(card_app, kwargs={"down": True}).run()
    assert not at.exception, at.exception
    assert "Registry" not in facts_of(at)
    assert [c.value.replace("\\", "") for c in at.caption if "answering" in c.value] == [
        "The model registry is not answering (connection refused)."]
    assert not any("Metrics" in m.value for m in at.markdown)
