"""The registry client against a real MLflow server, and against servers that are not one."""

from __future__ import annotations

import pytest

from mds_client.registry import MlflowRegistry, RegistryError, RegistryNotFound
from mds_client.registry.records import ModelVersion, RegisteredModel, Run


@pytest.fixture
def registry(mlflow_registry):
    client = MlflowRegistry(mlflow_registry.url)
    yield client
    client.close()


def test_a_model_registered_by_rest_reads_back_with_its_version_alias_run_and_files(registry):
    registry.create_model("reg-roundtrip", "A test model.")
    assert registry.create_model("reg-roundtrip").name == "reg-roundtrip"  # a second time: the same model
    run = registry.start_run(user="ada", name="round trip")
    registry.upload(run, "model/weights.bin", b"\x00\x01weights")
    registry.log(run, metrics={"accuracy": 0.91}, params={"C": "1.0"})
    registry.finish_run(run)
    version = registry.create_version("reg-roundtrip", run, description="first", tags={"mds.published_by": "ada"})
    registry.set_alias("reg-roundtrip", "@champion", version.version)
    assert registry.version("reg-roundtrip", "@champion").version == version.version == "1"
    assert registry.versions("reg-roundtrip")[0].aliases == ("champion",)
    assert registry.version("reg-roundtrip", "1").published_by == "ada"
    assert registry.run(run.run_id).metrics == {"accuracy": 0.91}
    assert registry.download(run, "model/weights.bin") == b"\x00\x01weights"
    assert "reg-roundtrip" in [m.name for m in registry.models()]
    assert registry.model("reg-roundtrip").aliases == {"champion": "1"}


def test_what_is_not_there_is_named(registry):
    assert registry.model("no-such-model") is None
    with pytest.raises(RegistryNotFound, match="No model named 'no-such-model' is registered"):
        registry.versions("no-such-model")
    registry.create_model("reg-missing")
    with pytest.raises(RegistryNotFound, match="alias 'gold' of 'reg-missing'"):
        registry.version("reg-missing", "gold")


def test_a_registry_that_is_down_or_not_mlflow_is_a_registry_error(publish_server):
    with pytest.raises(RegistryError, match="is not answering"):
        MlflowRegistry("http://127.0.0.1:9").health()
    with pytest.raises(RegistryError, match="The model registry"):
        MlflowRegistry(publish_server.url).models()  # an MLServer: it has no MLflow API


@pytest.mark.parametrize("doc", [{}, {"name": 3, "aliases": "x", "tags": None, "creation_timestamp": "soon"},
                                 {"aliases": [1, None], "tags": [{"key": "k"}, "junk"]}])
def test_records_read_any_answer_without_raising(doc):
    version = ModelVersion.from_mlflow(doc)
    assert version.created is None or version.created.tzinfo is not None
    RegisteredModel.from_mlflow(doc)
    Run.from_mlflow({"info": doc, "data": doc})
