"""The demo models go through the registry like a researcher's model: registered once, by "demo", checked."""

from __future__ import annotations

import json

import pytest

from embedded_mds.layout import HomeLayout, write_json
from mds_client.registry import MlflowRegistry
from tests.workbench.publish.test_publish import classifier, joblib_bytes, orchard
from workbench.publish.demo import PUBLISHER, register_demo_models, register_in_background

pytestmark = pytest.mark.server


def served_home(tmp_path, name: str):
    layout = HomeLayout(tmp_path)
    frame, grade = orchard(seed=41)
    layout.model_dir(name).mkdir(parents=True)
    (layout.model_dir(name) / "model.joblib").write_bytes(joblib_bytes(classifier(frame, grade)))
    layout.reference_csv(name).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(layout.reference_csv(name), index=False)
    write_json(layout.card_json(name), {"description": "An orchard demo.", "owner": "demo team"})
    return layout


def test_each_served_demo_model_is_registered_once_by_demo(mlflow_registry, tmp_path):
    served_home(tmp_path, "demo-orchard")
    registry = MlflowRegistry(mlflow_registry.url)
    first = register_demo_models(tmp_path, registry, names=("demo-orchard", "demo-absent"))
    assert first == {"demo-orchard": "version 1", "demo-absent": "not served here"}
    version = registry.version("demo-orchard", "1")
    assert version.published_by == PUBLISHER and version.description == "An orchard demo."
    card = json.loads(registry.download(registry.run(version.run_id), "card.json"))
    assert card["owner"] == "demo team"
    assert register_demo_models(tmp_path, registry, names=("demo-orchard",)) == {"demo-orchard": "registered already"}
    assert [v.version for v in registry.versions("demo-orchard")] == ["1"]


def test_a_demo_model_that_fails_its_check_is_reported_not_raised(mlflow_registry, tmp_path):
    layout = served_home(tmp_path, "demo-broken")
    (layout.model_dir("demo-broken") / "model.joblib").write_bytes(b"not a model")
    outcome = register_demo_models(tmp_path, MlflowRegistry(mlflow_registry.url), names=("demo-broken",))
    assert outcome["demo-broken"].startswith("not registered: demo-broken is not a pickled or joblib model")


def test_make_run_registers_in_the_background_once_the_registry_answers(mlflow_registry, tmp_path, monkeypatch):
    served_home(tmp_path, "wine")  # one of the demo names make run registers
    thread = register_in_background(tmp_path, mlflow_registry.url)
    thread.join(60)
    assert MlflowRegistry(mlflow_registry.url).version("wine", "1").published_by == PUBLISHER
