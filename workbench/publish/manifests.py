"""A registered version as Kubernetes manifests: a Seldon Core 2 ``Model`` and a Seldon Core 1 ``SeldonDeployment``.

``render`` takes plain data (``ClusterVersion``: the version's name, number, artifact location, card) and gives
the two YAML files, each headed by comments saying what it is and what to check before applying it;
``write`` puts them in a folder, one subfolder per Seldon so that ``kubectl apply -f DIR/seldon-core-v2``
applies only what that cluster has CRDs for. ``read_version`` gathers the plain data from the registry and
``version_manifests`` does both, for ``mds publish --manifests`` and the Publish page alike.

The storage URI is the version's folder in the artifact store. A registry that proxies its artifacts gives
``mlflow-artifacts:/...``, which no cluster can fetch: with ``storage_prefix`` (where those artifacts live in
object storage, e.g. the MLflow server's ``--artifacts-destination``) the same path is written under it;
without, the URI is written as it is, with a comment and a note saying to copy the folder and set it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from mds_client.registry import PUBLISHED_BY, MlflowRegistry, RegistryError, Run
from workbench.publish.errors import PublishError

Runtime = Literal["mlflow", "sklearn"]


@dataclass(frozen=True)
class Server:
    """How each Seldon serves a version with one MLServer runtime."""

    requirement: str
    """Seldon Core 2 ``spec.requirements``: the capability a Server must have (it picks the MLServer runtime)."""
    implementation: str
    """Seldon Core 1 prepackaged server (protocol v2: MLServer with the same runtime)."""
    flavor: str
    """The MLmodel flavor the runtime loads."""


# mlflow by default: the folder is an MLflow model, and MLServer's MLflow runtime answers the V2 metadata call
# with the signature's columns, so the workbench builds the form from the cluster's model as it does here.
SERVERS: dict[str, Server] = {
    "mlflow": Server("mlflow", "MLFLOW_SERVER", "python_function"),
    "sklearn": Server("sklearn", "SKLEARN_SERVER", "sklearn"),
}
V2_DIR, V1_DIR = "seldon-core-v2", "seldon-core-v1"
# What Seldon's storage initialisers fetch: rclone remotes (Core 2), KServe's storage.py (Core 1).
FETCHABLE = ("s3://", "gs://", "azureblob://", "pvc://")
MAX_NAME = 63
ANNOTATION = "mds.workbench/"
CARD_ANNOTATIONS = ("owner", "intended_use", "limitations")
MIB = 1024 * 1024
MEMORY_FACTOR = 2
"""Seldon Core 2 places models on servers by ``spec.memory`` (1 MB when unset): twice the pickled model."""
DOCS = 'docs/publish.md, "Taking a published version into a cluster"'


@dataclass(frozen=True)
class ClusterVersion:
    """One registered version, as the manifests need it."""

    name: str
    version: str
    location: str
    """The artifact store's URI of the version's model folder."""
    registry_url: str = ""
    description: str = ""
    card: Mapping[str, Any] = field(default_factory=dict)
    published_by: str = ""
    sklearn_version: str = ""
    model_bytes: int | None = None
    flavors: tuple[str, ...] | None = None
    """The MLmodel's flavors; None when unknown (not checked)."""


@dataclass(frozen=True)
class Manifests:
    name: str
    """The Kubernetes name of both objects."""
    files: dict[str, str]
    """Path under the folder -> YAML text."""
    storage_uri: str
    fetchable: bool
    """Whether a cluster can fetch ``storage_uri`` (False: the folder must be copied to object storage first)."""
    notes: tuple[str, ...]
    """What the person must do before applying them, in sentences (none: nothing)."""
    build: dict[str, bytes] = field(default_factory=dict)
    """Path under the folder -> bytes of what is not a manifest: a template's image folder (template_manifests)."""

    def documents(self) -> dict[str, dict[str, Any]]:
        """Path -> the Kubernetes object, as Python data."""
        return {path: yaml.safe_load(text) for path, text in self.files.items()}


def kubernetes_name(name: str) -> str:
    """``name`` as a DNS-1035 label (what a Service name must be, and Seldon names Services after models)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug[:1].isalpha():
        slug = f"model-{slug}"
    return slug[:MAX_NAME].rstrip("-")


def check_storage_prefix(prefix: str | None) -> None:
    """Refuse a ``--storage-uri`` a cluster cannot fetch from, before anything is published."""
    if prefix is not None and not prefix.startswith(FETCHABLE):
        raise PublishError(f"'{prefix}' is not object storage a cluster can fetch from.",
                           hint="Give where the registry's artifacts are in object storage, e.g. s3://bucket/mlflow "
                                "or gs://bucket/mlflow.")


def storage_uri(location: str, prefix: str | None = None) -> tuple[str, bool]:
    """(the URI to write, whether a cluster can fetch it): ``mlflow-artifacts:`` paths go under ``prefix``."""
    check_storage_prefix(prefix)
    if location.startswith(FETCHABLE):
        if prefix is not None:
            raise PublishError(f"--storage-uri rewrites the registry's mlflow-artifacts: locations, and this version is "
                               f"at {location} already.", hint="Leave --storage-uri out: a cluster can fetch that.")
        return location, True
    if prefix is None:
        return location, False
    if not location.startswith("mlflow-artifacts:"):
        raise PublishError(f"--storage-uri rewrites the registry's mlflow-artifacts: locations, not {location}.",
                           hint="Copy that folder to object storage and set storageUri in the manifests.")
    path = location[len("mlflow-artifacts:"):]
    if path.startswith("//"):  # mlflow-artifacts://host:port/path
        path = path[2:].partition("/")[2]
    return f"{prefix.rstrip('/')}/{path.strip('/')}", True


def _labels(v: ClusterVersion, name: str) -> dict[str, str]:
    # `version` is the label the workbench's Kubernetes discovery reads a model's version from.
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/version": v.version, "version": v.version}


def _annotations(v: ClusterVersion) -> dict[str, str]:
    """The ``mds.workbench/*`` annotations the workbench's discovery shows as the model's card."""
    notes = {"description": v.description or str(v.card.get("description") or "")}
    notes |= {key: v.card[key] for key in CARD_ANNOTATIONS if isinstance(v.card.get(key), str)}
    notes |= {"source": f"models:/{v.name}/{v.version}", "published-by": v.published_by}
    return {ANNOTATION + key.replace("_", "-"): text for key, text in notes.items() if text}


def _memory(model_bytes: int | None) -> str | None:
    if model_bytes is None or model_bytes < 0:
        return None
    return f"{max(1, math.ceil(MEMORY_FACTOR * model_bytes / MIB))}Mi"


def seldon_model(v: ClusterVersion, uri: str, runtime: Runtime = "mlflow") -> dict[str, Any]:
    """The Seldon Core 2 ``Model`` (``mlops.seldon.io/v1alpha1``)."""
    name = kubernetes_name(v.name)
    spec: dict[str, Any] = {"storageUri": uri, "requirements": [SERVERS[runtime].requirement]}
    memory = _memory(v.model_bytes)
    if memory:
        spec["memory"] = memory
    return {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model",
            "metadata": {"name": name, "labels": _labels(v, name), "annotations": _annotations(v)}, "spec": spec}


def seldon_deployment(v: ClusterVersion, uri: str, runtime: Runtime = "mlflow") -> dict[str, Any]:
    """The Seldon Core 1 ``SeldonDeployment`` (``machinelearning.seldon.io/v1``), protocol v2 (MLServer)."""
    name = kubernetes_name(v.name)
    graph = {"name": name, "implementation": SERVERS[runtime].implementation, "modelUri": uri}
    predictor = {"name": "default", "replicas": 1, "labels": {"version": v.version}, "graph": graph}
    return {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
            "metadata": {"name": name, "labels": _labels(v, name), "annotations": _annotations(v)},
            "spec": {"protocol": "v2", "predictors": [predictor]}}


def _header(v: ClusterVersion, seldon: str, folder: str, field_name: str, uri: str, fetchable: bool,
            runtime: Runtime) -> str:
    where = f" in the model registry at {v.registry_url}" if v.registry_url else ""
    lines = [f"{seldon}: version {v.version} of the model '{v.name}'{where},",
             f"served by MLServer's {runtime} runtime. Written by `mds publish --manifests`; apply with",
             f"  kubectl apply -n NAMESPACE -f {folder}/"]
    if v.sklearn_version:
        lines.append(f"The model was pickled with scikit-learn {v.sklearn_version}: the server image must have that "
                     "version (the folder's requirements.txt).")
    if not fetchable:
        lines += [f"{field_name} is the registry's own location, which a cluster cannot fetch: copy that folder to "
                  "object storage",
                  f"(s3://, gs://) and set {field_name} to it. See {DOCS}."]
    return "".join(f"# {line}\n" for line in lines)


def render(v: ClusterVersion, *, runtime: Runtime = "mlflow", storage_prefix: str | None = None) -> Manifests:
    """The manifests of ``v``: path under the folder -> YAML text, with the notes for the person."""
    if v.flavors is not None and SERVERS[runtime].flavor not in v.flavors:
        raise PublishError(f"Version {v.version} of '{v.name}' has no {SERVERS[runtime].flavor} flavor, so MLServer's "
                           f"{runtime} runtime cannot load it.",
                           hint=f"Its MLmodel has {', '.join(v.flavors) or 'no flavors'}.")
    uri, fetchable = storage_uri(v.location, storage_prefix)
    name = kubernetes_name(v.name)
    v2, v1 = f"{V2_DIR}/{name}.yaml", f"{V1_DIR}/{name}.yaml"
    files = {
        v2: _header(v, "Seldon Core 2 Model", V2_DIR, "spec.storageUri", uri, fetchable, runtime)
        + _dump(seldon_model(v, uri, runtime)),
        v1: _header(v, "Seldon Core 1 SeldonDeployment", V1_DIR, "graph.modelUri", uri, fetchable, runtime)
        + _dump(seldon_deployment(v, uri, runtime)),
    }
    notes = () if fetchable else (
        f"The storage URI is the registry's {uri}, which a cluster cannot fetch: copy that folder to object storage "
        "(s3://, gs://) and set storageUri and modelUri to it, or give --storage-uri PREFIX when the registry keeps "
        f"its artifacts there. See {DOCS}.",)
    return Manifests(name, files, uri, fetchable, notes)


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


def write(manifests: Manifests, folder: Path) -> list[Path]:
    """Write the files under ``folder`` (made if missing); the paths written. A file of the same name is replaced:
    one file per model, so the folder holds what the cluster should run."""
    written = []
    for relative, data in [*((r, t.encode()) for r, t in manifests.files.items()), *manifests.build.items()]:
        path = folder / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            raise PublishError(f"The manifests cannot be written to {path.parent}: {exc.strerror}.",
                               hint="Give a folder you can write to.") from None
        written.append(path)
    return written


def read_version(registry: MlflowRegistry, name: str, version: str) -> ClusterVersion:
    """Version ``version`` (a number or an alias) of ``name`` as the registry keeps it: location, card, flavors."""
    found = registry.version(name, version)
    location = registry.artifact_location(name, found.version)
    v = ClusterVersion(name=name, version=found.version, location=location, registry_url=registry.url,
                       description=found.description, published_by=found.tags.get(PUBLISHED_BY, ""))
    before, _, folder = found.source.partition(f"runs:/{found.run_id}/")
    if not found.run_id or before or not folder:
        return v  # files that are no run's (registered from a bucket): nothing more to read about them
    run = registry.run(found.run_id)
    flavors = _mapping(registry, run, f"{folder}/MLmodel").get("flavors")
    flavors = flavors if isinstance(flavors, dict) else {}
    sklearn = flavors.get("sklearn") if isinstance(flavors.get("sklearn"), dict) else {}
    sizes = registry.files(run, folder)
    pickled = str(sklearn.get("pickled_model") or "")
    return replace(v, card=_mapping(registry, run, "card.json"), flavors=tuple(flavors),
                   sklearn_version=str(sklearn.get("sklearn_version") or ""),
                   model_bytes=sizes.get(pickled) if pickled else max(sizes.values(), default=None))


def _mapping(registry: MlflowRegistry, run: Run, path: str) -> dict[str, Any]:
    """A YAML or JSON artifact that may be missing (a version registered elsewhere has no card): {} then."""
    try:
        doc = yaml.safe_load(registry.download(run, path))
    except (RegistryError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, dict) else {}


def version_manifests(registry: MlflowRegistry, name: str, version: str, *, runtime: Runtime = "mlflow",
                      storage_prefix: str | None = None) -> Manifests:
    """The manifests of a registered version, read from ``registry``."""
    return render(read_version(registry, name, version), runtime=runtime, storage_prefix=storage_prefix)
