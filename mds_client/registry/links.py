"""Which registered version a discovered model serves, and what the registry says of it.

A model served somewhere discovery knows names its registered version in one of the ways MLflow writes them:
``models:/NAME/VERSION``, ``models:/NAME@ALIAS`` (a catalog's ``registry`` key may drop the ``models:/``), or the
location of a registered version's files: ``runs:/RUN_ID/PATH`` or ``mlflow-artifacts:/EXPERIMENT/RUN_ID/...``
(a Kubernetes modelUri/storageUri), and for an MLflow 3 logged model, which names no run, ``models:/m-<id>`` or
``mlflow-artifacts:/EXPERIMENT/models/m-<id>/artifacts`` (the version registered from it). ``read_facts`` asks the registry for that version: who registered it, when,
its run's metrics, its description, and the inputs of its MLflow signature with its input example's values as
defaults. Nothing here raises for a registry that is down or a version without a signature: ``note`` says so.
"""

from __future__ import annotations

from dataclasses import replace

import yaml

from mds_client.errors import MDSError
from mds_client.registry.errors import RegistryNotFound
from mds_client.registry.mlflow import MlflowRegistry
from mds_client.registry.records import ModelVersion, RegisteredFacts
from mds_client.schema import mlflow_signature

SCHEMES = ("models", "runs", "mlflow-artifacts")
"""URI schemes that name a registered version (a modelUri/storageUri elsewhere, gs:// or s3://, is not one)."""


def registry_uri(text: str) -> str:
    """``text`` as a registry URI when it names a registered version (``wine@champion`` and ``wine/3`` become
    ``models:/wine@champion``, ``models:/wine/3``), else ``""``."""
    text = text.strip()
    scheme, sep, _ = text.partition(":/")
    if sep:
        return text if scheme in SCHEMES else ""
    name, at, alias = text.partition("@")
    if at and name and alias:
        return f"models:/{text}"
    name, slash, version = text.rpartition("/")
    return f"models:/{text}" if slash and name and version.isdigit() else ""


def run_id_of(uri: str) -> str:
    """The run of a ``runs:/`` or ``mlflow-artifacts:/`` location (``""`` when it names none)."""
    scheme, _, rest = uri.partition(":/")
    parts = [p for p in rest.split("/") if p]
    if scheme == "runs" and parts:
        return parts[0]
    if scheme == "mlflow-artifacts" and len(parts) >= 3 and parts[2] == "artifacts":  # EXPERIMENT/RUN/artifacts/...
        return parts[1]
    return ""


def logged_model_of(uri: str) -> str:
    """The MLflow 3 logged model (``m-<id>``) of a ``models:/m-<id>`` or ``mlflow-artifacts:/`` location (``""``:
    none)."""
    scheme, _, rest = uri.partition(":/")
    parts = [p for p in rest.split("/") if p]
    if scheme == "models" and len(parts) == 1 and parts[0].startswith("m-"):
        return parts[0]
    if scheme == "mlflow-artifacts" and len(parts) >= 3 and parts[1] == "models" and parts[2].startswith("m-"):
        return parts[2]  # EXPERIMENT/models/m-<id>/artifacts/...
    return ""


def linked_version(registry: MlflowRegistry, uri: str) -> ModelVersion:
    """The registered version ``uri`` names; ``RegistryNotFound`` when the registry has none."""
    scheme, _, rest = uri.partition(":/")
    rest = rest.strip("/")
    model_id = logged_model_of(uri)
    if model_id:  # a logged model's version has it as its source (or, registered by hand, its files' location)
        source = f"models:/{model_id}"
        found = registry.versions_from(source) or (registry.versions_from(uri) if uri != source else [])
        if not found:
            raise RegistryNotFound(f"No registered version was made from the logged model {model_id} ({uri}).")
        return registry.version(found[0].name, found[0].version)
    if scheme == "models":
        name, _, which = rest.rpartition("@") if "@" in rest else rest.rpartition("/")
        if not name or not which:
            raise RegistryNotFound(f"'{uri}' names no version: write models:/NAME/VERSION or models:/NAME@ALIAS.")
        return registry.version(name, which)
    run_id = run_id_of(uri)
    found = registry.versions_of_run(run_id) if run_id else []
    if not found:
        raise RegistryNotFound(f"No registered version was made from {uri}.")
    return registry.version(found[0].name, found[0].version)  # get (not search) answers carry the aliases


def read_facts(registry: MlflowRegistry, uri: str) -> RegisteredFacts:
    """What the registry says of the version ``uri`` names. A registry that does not answer, a version it lacks, a
    signature it cannot read: the facts read so far, with ``note`` saying what is missing."""
    try:
        version = linked_version(registry, uri)
    except MDSError as exc:
        return RegisteredFacts(name=uri, note=f"not read from the model registry: {exc.message}")
    facts = RegisteredFacts(name=version.name, version=version.version, aliases=version.aliases,
                            registered_by=version.published_by, created=version.created,
                            description=version.description)
    try:
        if version.run_id:
            run = registry.run(version.run_id)
            facts = _with(facts, registered_by=facts.registered_by or run.user, metrics=run.metrics)
        if not facts.description:
            model = registry.model(version.name)
            facts = _with(facts, description=model.description if model is not None else "")
        location = registry.artifact_location(version.name, version.version)
        mlmodel = yaml.safe_load(registry.download_at(location, "MLmodel")) or {}
        if not isinstance(mlmodel, dict):
            return _with(facts, note="its MLmodel file is not a mapping: no signature read")
        path = mlflow_signature.example_path(mlmodel)
        example = mlflow_signature.example_frame(registry.download_at(location, path)) if path else None
        schema = mlflow_signature.from_mlmodel(mlmodel, example, f"version {version.version} of '{version.name}'")
    except (MDSError, yaml.YAMLError) as exc:
        said = exc.message if isinstance(exc, MDSError) else "its MLmodel file is not YAML"
        return _with(facts, note=f"part of what the registry holds could not be read: {said}")
    if schema.is_empty:
        return _with(facts, note="registered without a signature: the form comes from the server")
    return _with(facts, schema=schema)


def _with(facts: RegisteredFacts, **changes: object) -> RegisteredFacts:
    return replace(facts, **changes)  # type: ignore[arg-type]
