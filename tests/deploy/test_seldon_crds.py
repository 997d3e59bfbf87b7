"""The manifests ``mds publish --manifests`` writes are resources Seldon's CRDs take, and the check can fail.

Checked offline against the CRDs' own schemas (``crds/``, from Seldon Core's repository) and the rules Seldon
adds beyond them (``seldon_crds.py``); broken manifests must be refused, each for its own reason.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.publish.manifests import ClusterVersion, render

from .seldon_crds import CRDS, problems, validators

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VERSION = ClusterVersion(name="wine.grade_v2", version="12", location="mlflow-artifacts:/1/0a1b2c3d/artifacts/model",
                         registry_url="http://127.0.0.1:9550", description="Grades a wine: 'premium' or not.",
                         card={"owner": "cellar team", "intended_use": "Pricing.", "metrics": {"f1": 0.9}},
                         published_by="ada", sklearn_version="1.9.1", model_bytes=3_500_000,
                         flavors=("python_function", "sklearn"))
# Seldon's own Core 2 sample (samples/models/sklearn-iris-gs.yaml at v2.6.0): what the checks must take.
SELDON_IRIS = {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "metadata": {"name": "iris"},
               "spec": {"storageUri": "gs://seldon-models/scv2/samples/mlserver_1.3.5/iris-sklearn",
                        "requirements": ["sklearn"], "memory": "100Ki"}}


def documents(**options: Any) -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in render(VERSION, **options).documents().values()}


def test_the_crds_are_seldons_and_say_where_they_come_from():
    assert set(validators()) == {("machinelearning.seldon.io/v1", "SeldonDeployment"),
                                 ("mlops.seldon.io/v1alpha1", "Model")}
    for path in CRDS.glob("*.yaml"):
        header = path.read_text()[:1500]
        assert "https://github.com/SeldonIO/seldon-core, tag v" in header and "Licence: Apache-2.0" in header, path.name


@pytest.mark.parametrize("runtime", ["mlflow", "sklearn"])
@pytest.mark.parametrize("prefix", [None, "s3://models-bucket/mlflow", "gs://bucket/"])
def test_the_written_manifests_are_taken(runtime, prefix):
    docs = documents(runtime=runtime, storage_prefix=prefix)
    assert set(docs) == {"Model", "SeldonDeployment"}
    for kind, doc in docs.items():
        assert problems(doc) == [], kind


@pytest.mark.parametrize("doc", [
    yaml.safe_load((DEPLOY / "examples" / "seldondeployment-with-logger.yaml").read_text()),
    SELDON_IRIS,
], ids=["deploy/examples/seldondeployment-with-logger.yaml", "seldon-iris-sample"])
def test_what_seldon_documents_is_taken(doc):
    assert problems(doc) == []


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with ``path`` (dotted; numbers index lists) set to ``value``, or removed for ``DROP``."""
    doc = copy.deepcopy(doc)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = doc
    for part in parents:
        node = node[part]
    if value is DROP:
        del node[last]
    else:
        node[last] = value
    return doc


DROP = object()
BROKEN = [
    ("Model", "spec.storageURI", "s3://b/m", "'storageURI' was unexpected"),  # a typo kubectl's strict mode refuses
    ("Model", "spec.storageUri", DROP, "'storageUri' is a required property"),
    ("Model", "spec.memory", "7MB", "spec.memory"),  # not a Kubernetes quantity
    ("Model", "spec.replicas", "1", "'1' is not of type 'integer'"),
    ("Model", "spec.requirements", ["scikit-learn"], "no stock Server has them all"),
    ("Model", "metadata.name", "wine.grade_v2", "not a DNS-1123 subdomain"),
    ("Model", "metadata.labels.version", "1 2", "which a label cannot hold"),
    ("Model", "metadata.labels", {"bad key!": "x"}, "not a qualified name"),
    ("Model", "metadata.namespce", "seldon", "metadata"),
    ("SeldonDeployment", "specs", {}, "'specs' was unexpected"),
    ("SeldonDeployment", "spec.predictors.0.graph.modeluri", "s3://b/m", "'modeluri' was unexpected"),
    ("SeldonDeployment", "spec.predictors.0.name", DROP, "'name' is a required property"),
    ("SeldonDeployment", "spec.predictors.0.replicas", "one", "is not of type 'integer'"),
    ("SeldonDeployment", "spec.protocol", "V2", "Invalid protocol"),
    ("SeldonDeployment", "spec.predictors.0.graph.implementation", "SKLEARN", "No entry in predictors map for SKLEARN"),
    ("SeldonDeployment", "spec.predictors.0.graph.modelUri", DROP, "modelUri required"),
    ("SeldonDeployment", "spec.protocol", "tensorflow", "has no image for protocol tensorflow"),
    ("SeldonDeployment", "metadata.name", "wine.grade", "a Service name is a DNS-1035 label"),
]


@pytest.mark.parametrize(("kind", "path", "value", "said"), BROKEN,
                         ids=[f"{k}:{p}={'(dropped)' if v is DROP else v}" for k, p, v, _ in BROKEN])
def test_a_broken_manifest_is_refused_for_its_reason(kind, path, value, said):
    doc = documents()[kind]
    assert problems(doc) == []
    found = problems(_set(doc, path, value))
    assert any(said in line for line in found), found
