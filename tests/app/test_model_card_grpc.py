"""The model card of a model found in Kubernetes with a gRPC address: where gRPC calls go and whether they are used;
an annotation that was ignored is on the card with the reason (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def card_app(transport: str, grpc_url: str, note: str):
    from components.model_card import render_model_card
    from mds_client import Feature, FeatureKind, ModelRef, ModelSchema
    from workbench.catalog.service import ModelEntry
    from workbench.ui.catalog import model_card

    schema = ModelSchema((Feature("cultivar", FeatureKind.TEXT, default="russet"),), source="metadata")
    ref = ModelRef("orchards/plums", "v2", "http://mesh.example", transport=transport, grpc_url=grpc_url,
                   headers={"Seldon-Model": "plums"}, card={"grpc": note} if note else {},
                   source="kubernetes:Model")
    render_model_card(model_card(ModelEntry(ref=ref, schema=schema)), metadata=None, key="card")


def facts_of(at: AppTest) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table["fact"], table["value"], strict=True))


def test_the_card_names_the_grpc_address_and_whether_calls_use_it():
    used = AppTest.from_function(card_app, args=("grpc", "grpc://gw.example:81", "")).run()
    assert not used.exception, used.exception
    assert facts_of(used)["gRPC"] == "grpc://gw.example:81 (calls go here)"
    rest = AppTest.from_function(card_app, args=("rest", "grpc://gw.example:81", "")).run()
    assert facts_of(rest)["gRPC"] == "grpc://gw.example:81 (calls use REST)"
    none = AppTest.from_function(card_app, args=("rest", "", "")).run()
    assert "gRPC" not in facts_of(none) and not [m for m in none.markdown if m.value == "**gRPC**"]


def test_an_ignored_annotation_is_on_the_card_with_why():
    note = "mds.workbench/grpc-url 'http://plums:9000' ignored: it must start with grpc:// (grpcs:// for TLS)."
    at = AppTest.from_function(card_app, args=("rest", "", note)).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown if m.value == "**gRPC**"] == ["**gRPC**"]
    assert note in [t.value for t in at.text]
