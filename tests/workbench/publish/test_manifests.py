"""The manifests writer, without servers: names, storage URIs, what each object says, the files.

Whether Seldon's CRDs take the objects is tests/deploy/test_seldon_crds.py; the registry's side is the one
server test at the end, ``mds publish --manifests`` against a real MLflow registry and MLServer.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mds_client.registry import MlflowRegistry
from tests.deploy.seldon_crds import problems
from tests.workbench.publish.test_publish import classifier, joblib_bytes, orchard
from workbench.cli import main as mds
from workbench.publish import PublishError
from workbench.publish.manifests import (
    ClusterVersion,
    kubernetes_name,
    render,
    storage_uri,
    version_manifests,
    write,
)
from workbench.publish.service import NAME
from workbench.publish.template_manifests import render_template
from workbench.settings import get_settings

DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LOCATION = "mlflow-artifacts:/1/0a1b2c3d/artifacts/model"
VERSION = ClusterVersion(name="orchard.grade_v2", version="3", location=LOCATION, registry_url="http://127.0.0.1:9550",
                         description="Grades an orchard's crop.",
                         card={"owner": "fruit team", "limitations": "Apples only.", "metrics": {"f1": 0.9}},
                         published_by="ada", sklearn_version="1.9.1", model_bytes=3_500_000,
                         flavors=("python_function", "sklearn"))


@pytest.mark.parametrize(("name", "expected"), [
    ("orchard-grade", "orchard-grade"),
    ("orchard.grade_v2", "orchard-grade-v2"),
    ("a__b..c-", "a-b-c"),
    ("2024.churn", "model-2024-churn"),
    ("_x", "x"),
    ("9" * 63, "model-" + "9" * 57),
    ("a" + "-" * 61 + "b", "a-b"),
])
def test_a_model_name_becomes_a_kubernetes_name(name, expected):
    assert kubernetes_name(name) == expected


@given(st.from_regex(NAME, fullmatch=True))
def test_every_publishable_name_gives_a_dns_1035_label(name):
    slug = kubernetes_name(name)
    assert DNS_1035.match(slug) and len(slug) <= 63, slug


@pytest.mark.parametrize(("location", "prefix", "expected"), [
    (LOCATION, None, (LOCATION, False)),
    (LOCATION, "s3://bucket/mlflow", ("s3://bucket/mlflow/1/0a1b2c3d/artifacts/model", True)),
    (LOCATION, "gs://bucket/mlflow/", ("gs://bucket/mlflow/1/0a1b2c3d/artifacts/model", True)),
    ("mlflow-artifacts://127.0.0.1:9550/1/r/artifacts/model", "s3://b", ("s3://b/1/r/artifacts/model", True)),
    ("s3://bucket/1/r/artifacts/model", None, ("s3://bucket/1/r/artifacts/model", True)),
    ("file:///home/ada/mlruns/1/r/artifacts/model", None, ("file:///home/ada/mlruns/1/r/artifacts/model", False)),
])
def test_the_storage_uri_is_what_a_cluster_can_fetch_when_it_can_be(location, prefix, expected):
    assert storage_uri(location, prefix) == expected


@pytest.mark.parametrize(("location", "prefix", "said"), [
    (LOCATION, "http://minio:9000/bucket", "not object storage a cluster can fetch from"),
    (LOCATION, "/data/models", "not object storage"),
    ("s3://bucket/1/r/artifacts/model", "s3://other", "at s3://bucket/1/r/artifacts/model already"),
    ("file:///home/ada/mlruns/1/r/artifacts/model", "s3://b", "not file:///home/ada/mlruns"),
])
def test_a_storage_prefix_that_cannot_apply_is_refused(location, prefix, said):
    with pytest.raises(PublishError, match=re.escape(said)):
        storage_uri(location, prefix)


@pytest.mark.parametrize(("runtime", "requirement", "implementation"), [
    ("mlflow", "mlflow", "MLFLOW_SERVER"), ("sklearn", "sklearn", "SKLEARN_SERVER")])
def test_each_object_names_the_version_its_runtime_and_where_the_files_are(runtime, requirement, implementation):
    manifests = render(VERSION, runtime=runtime, storage_prefix="s3://bucket/mlflow")
    docs = manifests.documents()
    assert set(docs) == {"seldon-core-v2/orchard-grade-v2.yaml", "seldon-core-v1/orchard-grade-v2.yaml"}
    model, deployment = docs["seldon-core-v2/orchard-grade-v2.yaml"], docs["seldon-core-v1/orchard-grade-v2.yaml"]
    uri = "s3://bucket/mlflow/1/0a1b2c3d/artifacts/model"
    assert model["spec"] == {"storageUri": uri, "requirements": [requirement], "memory": "7Mi"}
    (predictor,) = deployment["spec"]["predictors"]
    assert deployment["spec"]["protocol"] == "v2"
    assert predictor["graph"] == {"name": "orchard-grade-v2", "implementation": implementation, "modelUri": uri}
    assert predictor["labels"] == {"version": "3"}
    for doc in (model, deployment):
        meta = doc["metadata"]
        assert meta["name"] == manifests.name == "orchard-grade-v2"
        assert meta["labels"] == {"app.kubernetes.io/name": "orchard-grade-v2", "app.kubernetes.io/version": "3",
                                  "version": "3"}
        # what the workbench's Kubernetes discovery shows as the card; a card's non-text fields stay out
        assert meta["annotations"] == {"mds.workbench/description": "Grades an orchard's crop.",
                                       "mds.workbench/owner": "fruit team",
                                       "mds.workbench/limitations": "Apples only.",
                                       "mds.workbench/source": "models:/orchard.grade_v2/3",
                                       "mds.workbench/published-by": "ada"}
    assert manifests.fetchable and manifests.notes == ()
    for text in manifests.files.values():
        assert "cannot fetch" not in text and "scikit-learn 1.9.1" in text


def test_a_location_no_cluster_can_fetch_is_written_with_what_to_do():
    manifests = render(VERSION)
    assert not manifests.fetchable and manifests.storage_uri == LOCATION
    (note,) = manifests.notes
    assert LOCATION in note and "--storage-uri PREFIX" in note and "s3://" in note
    for path, text in manifests.files.items():
        comments = [line for line in text.splitlines() if line.startswith("#")]
        field = "spec.storageUri" if path.startswith("seldon-core-v2/") else "graph.modelUri"
        assert any(f"{field} is the registry's own location, which a cluster cannot fetch" in c for c in comments), path
        assert any("Taking a published version into a cluster" in c for c in comments)


def test_memory_comes_from_the_pickled_model_when_its_size_is_known():
    small = ClusterVersion(name="m", version="1", location="s3://b/m", model_bytes=1000)
    unknown = ClusterVersion(name="m", version="1", location="s3://b/m")
    assert render(small).documents()["seldon-core-v2/m.yaml"]["spec"]["memory"] == "1Mi"
    assert "memory" not in render(unknown).documents()["seldon-core-v2/m.yaml"]["spec"]


def test_a_version_without_the_runtimes_flavor_is_refused():
    only_sklearn = ClusterVersion(name="m", version="2", location="s3://b/m", flavors=("sklearn",))
    with pytest.raises(PublishError, match="no python_function flavor"):
        render(only_sklearn)
    assert render(only_sklearn, runtime="sklearn").fetchable


def test_the_files_land_one_per_seldon_and_a_new_version_replaces_the_old(tmp_path):
    written = write(render(VERSION), tmp_path / "k8s")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "k8s/seldon-core-v1/orchard-grade-v2.yaml", "k8s/seldon-core-v2/orchard-grade-v2.yaml"]
    write(render(replace(VERSION, version="4")), tmp_path / "k8s")
    assert len(list((tmp_path / "k8s").rglob("*.yaml"))) == 2
    doc = yaml.safe_load((tmp_path / "k8s" / "seldon-core-v2" / "orchard-grade-v2.yaml").read_text())
    assert doc["metadata"]["labels"]["version"] == "4"


def test_a_folder_that_cannot_be_written_is_a_publish_error(tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(PublishError, match="cannot be written"):
        write(render(VERSION), tmp_path / "taken")


def test_mds_publish_writes_the_manifests_of_the_version_it_registered(publish_server, mlflow_registry, tmp_path,
                                                                         monkeypatch, capsys):
    frame, grade = orchard(seed=17)
    (tmp_path / "grade.joblib").write_bytes(joblib_bytes(classifier(frame, grade)))
    frame.to_csv(tmp_path / "reference.csv", index=False)
    (tmp_path / "card.yaml").write_text("owner: fruit team\n")
    monkeypatch.setenv("WORKBENCH_MLFLOW_URI", mlflow_registry.url)
    get_settings.cache_clear()
    try:
        code = mds(["publish", str(tmp_path / "grade.joblib"), "--name", "k8s.grade_v1", "--reference",
                    str(tmp_path / "reference.csv"), "--card", str(tmp_path / "card.yaml"),
                    "--home", str(publish_server.home), "--manifests", str(tmp_path / "k8s")])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"manifests  k8s-grade-v1 under {tmp_path / 'k8s'}: seldon-core-v2/" in out
    assert f"apply      kubectl apply -f {tmp_path / 'k8s' / 'seldon-core-v2'}" in out
    assert "first      The storage URI is the registry's mlflow-artifacts:/" in out
    model = yaml.safe_load((tmp_path / "k8s" / "seldon-core-v2" / "k8s-grade-v1.yaml").read_text())
    deployment = yaml.safe_load((tmp_path / "k8s" / "seldon-core-v1" / "k8s-grade-v1.yaml").read_text())
    assert problems(model) == [] and problems(deployment) == []
    # The URI names the version's folder in the registry's artifact store: under the MLflow server's
    # --artifacts-destination, the same path holds the files; --storage-uri puts a bucket in its place.
    uri = model["spec"]["storageUri"]
    assert uri == deployment["spec"]["predictors"][0]["graph"]["modelUri"]
    path = uri.removeprefix("mlflow-artifacts:/")
    folder = mlflow_registry.home / "artifacts" / path
    assert {"MLmodel", "model.pkl", "requirements.txt"} <= {p.name for p in folder.iterdir()}
    assert model["spec"]["memory"] == f"{math.ceil(2 * (folder / 'model.pkl').stat().st_size / 2**20)}Mi"
    annotations = model["metadata"]["annotations"]
    assert annotations["mds.workbench/owner"] == "fruit team"
    assert annotations["mds.workbench/source"] == "models:/k8s.grade_v1/1" and annotations["mds.workbench/published-by"]
    registry = MlflowRegistry(mlflow_registry.url)
    in_bucket = version_manifests(registry, "k8s.grade_v1", "1", storage_prefix="s3://models/mlflow")
    assert in_bucket.fetchable and in_bucket.storage_uri == f"s3://models/mlflow/{path}"


TEMPLATE_FILES = {"grader.py": b"class Grader:\n    def predict(self, X, names):\n        return X\n",
                  "weights/model.joblib": b"\x80\x04weights", "requirements.txt": b"lightgbm==4.6.0\n"}
DESCRIPTOR = {"module": "grader", "class": "Grader", "class_names": ["juice", "premium"], "answers": ["proba"],
              "init_metadata": {"name": "grader"}, "metadata": {"platform": "orchard-lab"}}
PACKAGES = {"python": "3.11", "seldon-core": "1.18.2", "setuptools": "80.10.2", "numpy": "1.26.4"}


@pytest.mark.parametrize("prefix", [None, "s3://bucket/mlflow"])
def test_a_template_becomes_a_seldon_core_1_deployment_of_its_own_image_and_the_images_folder(prefix):
    manifests = render_template(VERSION, TEMPLATE_FILES, DESCRIPTOR, ["variety", "age_years"], storage_prefix=prefix,
                                packages=PACKAGES)
    (deployment,) = manifests.documents().values()
    assert list(manifests.files) == ["seldon-core-v1/orchard-grade-v2.yaml"]
    assert problems(deployment) == []
    assert deployment["spec"]["protocol"] == "seldon"
    (predictor,) = deployment["spec"]["predictors"]
    assert predictor["graph"] == {"name": "orchard-grade-v2", "type": "MODEL", "endpoint": {"type": "REST"}}
    (container,) = predictor["componentSpecs"][0]["spec"]["containers"]
    assert (container["name"], container["image"]) == ("orchard-grade-v2", "mds-models/orchard-grade-v2:3")
    # MODEL_METADATA as the embedded MDS serves it: the class's init_metadata() keeps its own keys
    assert json.loads(container["env"][0]["value"]) == {
        "versions": ["3"], "platform": "orchard-lab",
        "inputs": [{"messagetype": "ndarray", "schema": {"names": ["variety", "age_years"], "shape": [2]}}],
        "outputs": [{"messagetype": "ndarray", "schema": {"names": ["juice", "premium"], "shape": [2]}}]}
    assert deployment["metadata"]["annotations"]["mds.workbench/owner"] == "fruit team"
    build = "image/orchard-grade-v2"
    assert set(manifests.build) == {f"{build}/{p}" for p in (*TEMPLATE_FILES, "Dockerfile")}
    dockerfile = manifests.build[f"{build}/Dockerfile"].decode().splitlines()
    assert "FROM python:3.11-slim" in dockerfile
    assert 'RUN pip install --no-cache-dir "seldon-core==1.18.2" "setuptools==80.10.2" "numpy==1.26.4"' in dockerfile
    assert dockerfile.index("COPY . /microservice") < dockerfile.index(
        "RUN pip install --no-cache-dir -r requirements.txt")
    assert dockerfile[-1] == 'CMD exec seldon-core-microservice "$MODEL_NAME" --service-type "$SERVICE_TYPE"'
    assert "ENV MODEL_NAME=grader.Grader SERVICE_TYPE=MODEL PERSISTENCE=0" in dockerfile
    assert any("docker build -t mds-models/orchard-grade-v2:3 image/orchard-grade-v2" in n for n in manifests.notes)
    assert any("no Seldon Core 2" in n for n in manifests.notes)
    assert any("--storage-uri does not apply" in n for n in manifests.notes) == (prefix is not None)


def test_a_template_module_named_as_its_class_is_imported_by_that_name_and_its_folder_is_written(tmp_path):
    descriptor = {**DESCRIPTOR, "module": "Grader", "answers": ["label"]}
    manifests = render_template(VERSION, {"Grader.py": b"", "Dockerfile.notes": b"x"}, descriptor, ["a"],
                                packages=PACKAGES)
    dockerfile = manifests.build["image/orchard-grade-v2/Dockerfile"].decode()
    assert "ENV MODEL_NAME=Grader SERVICE_TYPE=MODEL" in dockerfile and "-r requirements.txt" not in dockerfile
    (deployment,) = manifests.documents().values()
    env = json.loads(deployment["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["env"][0]["value"])
    assert env["outputs"] == []  # a class that answers labels has no class probabilities to name
    written = write(manifests, tmp_path / "k8s")
    assert sorted(p.relative_to(tmp_path / "k8s").as_posix() for p in written) == [
        "image/orchard-grade-v2/Dockerfile", "image/orchard-grade-v2/Dockerfile.notes",
        "image/orchard-grade-v2/Grader.py", "seldon-core-v1/orchard-grade-v2.yaml"]
