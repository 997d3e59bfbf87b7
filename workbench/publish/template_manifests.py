"""A registered Seldon template version for a cluster: a Seldon Core 1 ``SeldonDeployment`` running the class in
Seldon's Python wrapper, and the folder its container image is built from.

A template is code, not a model file a prepackaged server loads: the cluster runs it as an image of its own, which
the operator builds (``docker build``) and pushes where the cluster pulls from. ``template_manifests`` writes:
- ``seldon-core-v1/<name>.yaml``: the SeldonDeployment (protocol ``seldon``, one MODEL unit whose container runs
  that image, ``MODEL_METADATA`` telling the workbench the form's columns and the answer's class names);
- ``image/<name>/``: the version's files from the registry and a Dockerfile installing the packages at the versions
  the check ran with (the workbench's seldon-core environment), then ``seldon-core-microservice module.Class``.
Seldon Core 2 serves MLServer and Triton runtimes only: a Python-wrapper class has no Seldon Core 2 ``Model``, which
a note says. ``cluster_manifests`` picks this writer or ``manifests.version_manifests`` by the version's kind.
"""

from __future__ import annotations

import io
import json
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from embedded_mds.layout import seldon_python
from mds_client.registry import PUBLISHED_BY, MlflowRegistry, ModelVersion, RegistryError
from workbench.publish.errors import PublishError
from workbench.publish.manifests import (
    DOCS,
    V1_DIR,
    ClusterVersion,
    Manifests,
    _annotations,
    _dump,
    _labels,
    kubernetes_name,
    version_manifests,
)
from workbench.publish.template_model import TEMPLATE_KIND

KIND_TAG = "mds.model_kind"
IMAGE_DIR = "image"
IMAGE_REPOSITORY = "mds-models"
"""The image's name before it is pushed: ``mds-models/<name>:<version>`` (retag it for your registry)."""
DESCRIPTOR = "seldon-template.json"
IMAGE_PACKAGES = ("seldon-core", "setuptools", "numpy", "pandas", "scikit-learn", "joblib")
"""Installed in the image at the versions of the environment that checked the class (those it has)."""
PORTS = (9000, 6000)  # Seldon's Python wrapper: REST (and its metrics), metrics
NO_V2 = ("Seldon Core 2 serves MLServer and Triton runtimes only, so a Python-wrapper class has no Seldon Core 2 "
         "Model: on Seldon Core 2, rewrite it as an MLServer custom runtime, or run it on Seldon Core 1.")


def cluster_manifests(registry: MlflowRegistry, name: str, version: str, *,
                      storage_prefix: str | None = None) -> Manifests:
    """The manifests of any registered version: a template's own, else the MLflow or scikit-learn model's."""
    found = registry.version(name, version)
    if found.tags.get(KIND_TAG) != TEMPLATE_KIND:
        return version_manifests(registry, name, version, storage_prefix=storage_prefix)
    return template_manifests(registry, found, storage_prefix=storage_prefix)


def template_manifests(registry: MlflowRegistry, found: ModelVersion, *,
                       storage_prefix: str | None = None) -> Manifests:
    """The SeldonDeployment and the image folder of a registered template version (``found``)."""
    before, _, folder = found.source.partition(f"runs:/{found.run_id}/")
    if not found.run_id or before or not folder:
        raise PublishError(f"Version {found.version} of '{found.name}' is a template whose files are in no run of the "
                           f"registry ({found.source}).", hint="Publish it again with mds publish.")
    run = registry.run(found.run_id)
    files = {relative: registry.download(run, f"{folder}/{relative}") for relative in registry.tree(run, folder)}
    descriptor = json.loads(files.get(DESCRIPTOR, b"{}"))
    if not descriptor.get("module") or not descriptor.get("class"):
        raise PublishError(f"Version {found.version} of '{found.name}' has no {DESCRIPTOR} naming its module and class.",
                           hint="Publish it again with mds publish.")
    try:
        columns = list(pd.read_csv(io.BytesIO(registry.download(run, "reference/reference.csv"))).columns)
    except RegistryError:
        columns = []
    card = _card(registry, run)
    v = ClusterVersion(name=found.name, version=found.version, location=found.source, registry_url=registry.url,
                       description=found.description, card=card, published_by=found.tags.get(PUBLISHED_BY, ""))
    return render_template(v, files, descriptor, [str(c) for c in columns], storage_prefix=storage_prefix)


def render_template(v: ClusterVersion, files: dict[str, bytes], descriptor: dict[str, Any], columns: list[str], *,
                    storage_prefix: str | None = None, packages: dict[str, str] | None = None) -> Manifests:
    """Plain data in, the files out: the SeldonDeployment (text) and the image folder (bytes)."""
    name = kubernetes_name(v.name)
    image = image_name(v)
    interface = interface_name(str(descriptor["module"]), str(descriptor["class"]))
    packages = checked_packages() if packages is None else packages
    build = f"{IMAGE_DIR}/{name}"
    context = {f"{build}/{relative}": data for relative, data in files.items()}
    context[f"{build}/Dockerfile"] = dockerfile(v, interface, packages, image, "requirements.txt" in files).encode()
    header = "".join(f"# {line}\n" for line in (
        f"Seldon Core 1 SeldonDeployment: version {v.version} of the model '{v.name}' in the model registry at "
        f"{v.registry_url},", f"the class {interface} in Seldon's Python wrapper (seldon-core), run from the image "
        f"{image}.", f"Build and push that image first: docker build -t {image} {build}  (then push it and set "
        "`image` to where it is),", "then apply with", f"  kubectl apply -n NAMESPACE -f {V1_DIR}/", f"See {DOCS}."))
    notes = [f"Build the image from {build}/ (docker build -t {image} {build}), push it to a registry the cluster "
             "pulls from, and set the container's image in the SeldonDeployment to it.", NO_V2]
    if storage_prefix is not None:
        notes.append("--storage-uri does not apply to a template: its files are in its image.")
    deployment = seldon_template_deployment(v, image, metadata(v, columns, descriptor))
    return Manifests(name, {f"{V1_DIR}/{name}.yaml": header + _dump(deployment)}, storage_uri="", fetchable=True,
                     notes=tuple(notes), build=context)


def seldon_template_deployment(v: ClusterVersion, image: str, model_metadata: dict[str, Any]) -> dict[str, Any]:
    """The Seldon Core 1 ``SeldonDeployment`` running ``image`` as one MODEL unit, Seldon's own protocol."""
    name = kubernetes_name(v.name)
    container = {"name": name, "image": image,
                 "env": [{"name": "MODEL_METADATA", "value": json.dumps(model_metadata, sort_keys=True)}]}
    graph = {"name": name, "type": "MODEL", "endpoint": {"type": "REST"}}
    predictor = {"name": "default", "replicas": 1, "labels": {"version": v.version},
                 "componentSpecs": [{"spec": {"containers": [container]}}], "graph": graph}
    return {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
            "metadata": {"name": name, "labels": _labels(v, name), "annotations": _annotations(v)},
            "spec": {"protocol": "seldon", "predictors": [predictor]}}


def metadata(v: ClusterVersion, columns: list[str], descriptor: dict[str, Any]) -> dict[str, Any]:
    """Seldon's ``MODEL_METADATA``, as the embedded MDS serves the version (template_model.served_metadata): the
    columns the form sends, the class names of probabilities; the class's own metadata() wins over ours."""
    names = [str(c) for c in descriptor.get("class_names") or []]
    outputs = [{"messagetype": "ndarray", "schema": {"names": names, "shape": [len(names)]}}] \
        if names and "proba" in (descriptor.get("answers") or []) else []
    ours = {"name": v.name, "versions": [v.version], "platform": TEMPLATE_KIND,
            "inputs": [{"messagetype": "ndarray", "schema": {"names": columns, "shape": [len(columns)]}}],
            "outputs": outputs}
    merged = {**ours, **(descriptor.get("metadata") or {})}
    own = descriptor.get("init_metadata") or {}
    return {key: value for key, value in merged.items() if not own.get(key)}


def dockerfile(v: ClusterVersion, interface: str, packages: dict[str, str], image: str, has_requirements: bool) -> str:
    pins = " ".join(f'"{package}=={version}"' for package, version in packages.items() if package != "python")
    python = packages.get("python", "3.11")
    lines = [f"# The image of version {v.version} of '{v.name}': its class {interface} in Seldon's Python wrapper.",
             f"#   docker build -t {image} .",
             "# The packages are those of the environment that checked the class, at the same versions.",
             f"FROM python:{python}-slim", "WORKDIR /microservice", f"RUN pip install --no-cache-dir {pins}",
             "COPY . /microservice"]
    if has_requirements:
        lines.append("RUN pip install --no-cache-dir -r requirements.txt")
    lines += [f"ENV MODEL_NAME={interface} SERVICE_TYPE=MODEL PERSISTENCE=0",
              f"EXPOSE {' '.join(str(p) for p in PORTS)}", "USER 8888",
              'CMD exec seldon-core-microservice "$MODEL_NAME" --service-type "$SERVICE_TYPE"']
    return "\n".join(lines) + "\n"


def image_name_of(manifests: Manifests) -> str:
    """The image a template's SeldonDeployment runs."""
    (deployment,) = manifests.documents().values()
    return str(deployment["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["image"])


def interface_name(module: str, class_name: str) -> str:
    """What ``seldon-core-microservice`` imports: ``module.Class`` (the module alone when both are one name)."""
    return module if module == class_name else f"{module}.{class_name}"


def image_name(v: ClusterVersion) -> str:
    return f"{IMAGE_REPOSITORY}/{kubernetes_name(v.name)}:{v.version}"


def checked_packages(python: Path | None = None) -> dict[str, str]:
    """The versions of ``IMAGE_PACKAGES`` (and Python's, as ``python``) in the seldon-core environment."""
    python = python or seldon_python()
    found: dict[str, str] = {}
    for site in sorted(python.parent.parent.glob("lib/python3*/site-packages")):
        found["python"] = site.parent.name.removeprefix("python")
        for package in IMAGE_PACKAGES:
            dist = next(iter(distributions(name=package, path=[str(site)])), None)
            if dist is not None:
                found[package] = str(dist.version)
    return found


def _card(registry: MlflowRegistry, run: Any) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(registry.download(run, "card.json"))
    except (RegistryError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, dict) else {}
