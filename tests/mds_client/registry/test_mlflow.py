"""The registry client against a real MLflow server, against servers that are not one, and against canned answers."""

from __future__ import annotations

import io
from urllib.parse import unquote, urlsplit

import orjson
import pytest
import requests
import urllib3

from mds_client.registry import MlflowRegistry, RegistryError, RegistryNotFound
from mds_client.registry.records import ModelVersion, RegisteredModel, Run
from mds_client.transport import NO_RETRY, Transport


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


class Routes(requests.adapters.BaseAdapter):
    """A transport seam answering each (path, query) with canned JSON, 404 for anything else (no socket)."""

    def __init__(self, routes: dict[str, dict]) -> None:
        super().__init__()
        self.routes = routes

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        key = parts.path + (f"?{unquote(parts.query)}" if parts.query else "")
        body = orjson.dumps(self.routes[key]) if key in self.routes else b'{"error_code": "RESOURCE_DOES_NOT_EXIST"}'
        status = 200 if key in self.routes else 404
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=status, preload_content=False,
                                   headers={"Content-Type": "application/json", "Content-Length": str(len(body))})
        response = requests.Response()
        response.status_code, response.raw, response.url = status, raw, request.url
        response.headers = requests.structures.CaseInsensitiveDict(raw.headers)
        return response

    def close(self):
        pass


API = "/api/2.0/mlflow"
RUN = {"run": {"info": {"run_id": "r1", "experiment_id": "1", "artifact_uri": "mlflow-artifacts:/1/r1/artifacts"}}}
LOCATIONS = {
    "runs:/r1/model": "mlflow-artifacts:/1/r1/artifacts/model",
    "runs:/r1": "mlflow-artifacts:/1/r1/artifacts",
    "s3://bucket/1/r1/artifacts/model": "s3://bucket/1/r1/artifacts/model",
    "models:/base/2": "mlflow-artifacts:/1/r1/artifacts/model",  # a version made from another version
    "models:/base@champion": "mlflow-artifacts:/1/r1/artifacts/model",
    "models:/m-0f1e": "s3://bucket/1/models/m-0f1e/artifacts",  # an MLflow 3 logged model
}


def canned(download_uri: str) -> MlflowRegistry:
    routes = {
        f"{API}/model-versions/get-download-uri?name=m&version=1": {"artifact_uri": download_uri},
        f"{API}/model-versions/get-download-uri?name=base&version=2": {"artifact_uri": "runs:/r1/model"},
        f"{API}/model-versions/get?name=base&version=2": {"model_version": {"name": "base", "version": "2"}},
        f"{API}/registered-models/alias?name=base&alias=champion": {"model_version": {"name": "base", "version": "2"}},
        f"{API}/runs/get?run_id=r1": RUN,
        f"{API}/logged-models/m-0f1e": {"model": {"info": {"artifact_uri": "s3://bucket/1/models/m-0f1e/artifacts"}}},
        f"{API}/model-versions/get-download-uri?name=loop&version=1": {"artifact_uri": "models:/loop/1"},
        f"{API}/model-versions/get?name=loop&version=1": {"model_version": {"name": "loop", "version": "1"}},
        f"{API}/artifacts/list?run_id=r1&path=model": {"files": [
            {"path": "model/MLmodel", "is_dir": False, "file_size": "120"},
            {"path": "model/model.pkl", "is_dir": False, "file_size": 3500},
            {"path": "model/code", "is_dir": True}]},
    }
    return MlflowRegistry("http://registry.test", transport=Transport(retry=NO_RETRY,
                                                                      adapter_factory=lambda: Routes(routes)))


@pytest.mark.parametrize(("download_uri", "location"), LOCATIONS.items())
def test_a_versions_location_is_the_artifact_stores_own(download_uri, location):
    assert canned(download_uri).artifact_location("m", "1") == location


def test_a_location_that_goes_round_in_circles_is_a_registry_error():
    with pytest.raises(RegistryError, match="goes round in circles"):
        canned("").artifact_location("loop", "1")


def test_a_runs_files_are_listed_with_their_sizes():
    run = Run.from_mlflow(RUN["run"])
    assert canned("").files(run, "model") == {"MLmodel": 120, "model.pkl": 3500}
