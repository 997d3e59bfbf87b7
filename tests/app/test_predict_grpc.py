"""Predict and Models with a model the catalog calls over gRPC (tests/grpc_fixture.py: the tests' own model on a real
MLServer, its gRPC port on): the page is the same, the call goes to ModelInfer and the answer is REST's."""

from __future__ import annotations

import pytest
import yaml

from tests.app.helpers import metric_values
from workbench.settings import get_settings

pytestmark = pytest.mark.server


@pytest.fixture
def grpc_predict(logged_in, grpc_mlserver, monkeypatch, tmp_path):
    entry = {"protocol": "v2", "url": grpc_mlserver.url, "model": grpc_mlserver.model,
             "grpc_url": grpc_mlserver.grpc_url}
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "orchard-rest", **entry},
                                                  {"name": "orchard-grpc", "transport": "grpc", **entry}]}))
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog))
    get_settings.cache_clear()

    def make(name: str):
        at = logged_in("analyst")
        at.session_state["models.selected"] = name
        at.switch_page("../pages/predict.py").run()
        assert not at.exception, at.exception
        at.button(key="predict.send").click().run()
        assert not at.exception, at.exception
        return at

    return make


def test_predict_over_grpc_shows_the_answer_rest_gives(grpc_predict, grpc_mlserver):
    over_grpc, over_rest = grpc_predict("orchard-grpc"), grpc_predict("orchard-rest")
    grpc_result = over_grpc.session_state["predict.last_result"]
    rest_result = over_rest.session_state["predict.last_result"]
    assert grpc_result.url.startswith(grpc_mlserver.grpc_url) and rest_result.url.startswith("http://")
    assert metric_values(over_grpc)["Prediction"] == metric_values(over_rest)["Prediction"]
    assert grpc_result.label == rest_result.label and grpc_result.probabilities == rest_result.probabilities
    assert grpc_result.request["inputs"] == rest_result.request["inputs"]
