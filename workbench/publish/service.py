"""Publish a researcher's model in one step: checked, registered, serving, ready.

``publish`` takes plain data (the model file's bytes, its reference rows, words for people) and:
1. loads the model and has it answer its own reference rows (``model_file``); the form's schema is
   inferred from those rows (kinds, categories, observed ranges);
2. registers a new version in the model registry: a run by the publisher holding the model as an MLflow
   model folder (signature, input example), the reference rows and the card, then the version itself,
   with the alias asked for;
3. serves that version on the embedded MDS beside the versions already served, without restarting the other
   models (``serving``); callers keep the version they got until another is promoted (the alias
   ``champion``: given at publish time, or later with ``promote``);
4. returns where to call it. A registry that is down refuses before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from mds_client import MDSError, ModelSchema
from mds_client.registry import PUBLISHED_BY, MlflowRegistry, ModelVersion
from mds_client.schema import from_reference
from mds_client.transport import Transport
from workbench.publish.errors import PublishError
from workbench.publish.mlflow_model import mlflow_files
from workbench.publish.model_file import CHECK_ROWS, CheckedModel, check_model
from workbench.publish.serving import (
    ServingTarget,
    check_name_free,
    check_served,
    model_settings,
    read_record,
    serve,
)
from workbench.publish.serving import promote as promote_served
from workbench.publish.versions import registry_answering
from workbench.store import audit

STEPS = ("checked", "registered", "serving", "ready")
CHAMPION = "champion"
"""The alias of the version callers of a model get."""
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
EXAMPLE_ROWS = 3
Progress = Callable[[str, str], None]
"""Called with a step of ``STEPS`` and a sentence saying what it did."""


@dataclass(frozen=True)
class PublishRequest:
    name: str
    model: bytes
    file_name: str
    reference: pd.DataFrame
    description: str = ""
    card: dict[str, Any] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    """Per feature: one sentence people read as the form field's help."""
    units: dict[str, str] = field(default_factory=dict)
    """Per feature: its unit (``mm``, ``% vol``), shown beside the form field's label."""
    alias: str | None = None
    template_class: str = ""
    """A Seldon template (``workbench.publish.kinds``): the class to serve, when its .py holds several."""


@dataclass(frozen=True)
class Published:
    name: str
    version: str
    endpoint: str
    kind: str
    schema: ModelSchema
    new_model: bool
    alias: str | None = None
    callers_get: str = ""
    """The version callers of the model get (this one, unless another was served first and stays champion)."""
    served: tuple[str, ...] = ()


def _quiet(step: str, sentence: str) -> None:
    """The progress callback of a caller that shows none."""


def check_request(request: PublishRequest) -> None:
    if not NAME.match(request.name):
        raise PublishError(f"'{request.name}' cannot be a model's name.",
                           hint="Use lower-case letters, digits, '.', '_' or '-', starting with a letter or digit "
                                "(at most 63 characters).")
    if request.alias is not None and not NAME.match(request.alias.lstrip("@")):
        raise PublishError(f"'{request.alias}' cannot be an alias.", hint="Use a word such as 'champion'.")


def publish(request: PublishRequest, *, registry: MlflowRegistry, target: ServingTarget, user: str,
            transport: Transport, progress: Progress = _quiet) -> Published:
    check_request(request)
    checked = check_model(request.model, request.file_name, request.reference)
    schema = from_reference(request.reference)
    answers = f"{len(checked.classes)} classes" if checked.is_classifier else "values"
    progress("checked", f"{checked.kind} answered {min(len(request.reference), CHECK_ROWS)} reference rows ({answers}); "
                        f"{len(schema.features)} inputs")
    check_name_free(target, request.name)
    registry_answering(registry, target.home)  # down: refuse here, before anything is registered
    existed = registry.model(request.name) is not None
    version = register(request, checked, schema, registry, user)
    say_registered(progress, registry, request.name, version, existed)
    progress("serving", f"loading version {version.version} on the model server; the other models keep answering")
    card = published_card(request, checked.kind, user)
    settings = model_settings(request.name, version.version, schema, checked, request.descriptions,
                              request.units)
    return serve_registered(
        request, version, existed, checked.kind, schema, registry=registry, target=target, progress=progress,
        serve=lambda default: serve(target, request.name, version.version, {"model.joblib": checked.data}, settings,
                                    default=default, reference=request.reference, card=card, published_by=user,
                                    transport=transport))


def published_card(request: PublishRequest, kind: str, user: str, *tags: str) -> dict[str, Any]:
    """The catalog card of a published version: the publisher's words, else what it is and who published it."""
    return {"description": request.description or f"{kind} published by {user}.", **request.card,
            "tags": ["published", *tags]}


def say_registered(progress: Progress, registry: MlflowRegistry, name: str, version: ModelVersion,
                   existed: bool) -> None:
    progress("registered", f"version {version.version} of {name} in the registry at {registry.url}"
                           + ("" if existed else " (a new model)"))


def serve_registered(request: PublishRequest, version: ModelVersion, existed: bool, kind: str, schema: ModelSchema, *,
                     registry: MlflowRegistry, target: ServingTarget, progress: Progress,
                     serve: Callable[[str | None], str]) -> Published:
    """The tail every kind of input shares: ``serve`` puts the registered version beside the others (given the
    version callers get from now on when the alias asked for is ``champion``, else None) and returns its endpoint;
    then the alias is set and ``Published`` says where it answers. A version that cannot be served stays
    registered, and the error says so."""
    alias = request.alias.lstrip("@") if request.alias else None
    try:
        endpoint = serve(version.version if alias == CHAMPION else None)
    except PublishError as exc:
        raise PublishError(f"Version {version.version} of '{request.name}' is registered but not served: "
                           f"{exc.message}", hint=exc.hint) from None
    if alias:
        registry.set_alias(request.name, alias, version.version)
    record = read_record(target.layout, request.name)
    progress("ready", f"{request.name} version {version.version} answers at {endpoint}")
    return Published(request.name, version.version, endpoint, kind, schema, new_model=not existed,
                     alias=alias, callers_get=str(record.get("version", version.version)),
                     served=tuple(record.get("versions", [version.version])))


def promote(name: str, version: str, *, registry: MlflowRegistry, target: ServingTarget, user: str,
            engine: Engine | None = None) -> None:
    """Callers of ``name`` get ``version`` from now on: the registry's alias ``champion`` points at it and the
    catalog calls it. Written to the audit log (``engine``) before anything changes."""
    check_served(target, name, version)
    registry.version(name, version)  # a version the registry does not know: RegistryNotFound, nothing changed
    if engine is not None:
        before = read_record(target.layout, name).get("version")
        audit.record(engine, user=user, action="promote", model=name,
                     detail={"version": version, "before": before, "alias": CHAMPION})
    registry.set_alias(name, CHAMPION, version)
    promote_served(target, name, version)


def register(request: PublishRequest, checked: CheckedModel, schema: ModelSchema, registry: MlflowRegistry,
             user: str) -> ModelVersion:
    """A new version of ``request.name`` in the registry (a run by ``user`` with the model's files), unserved."""
    files = {f"model/{name}": data
             for name, data in mlflow_files(schema, checked, request.reference.head(EXAMPLE_ROWS)).items()}
    return register_files(request, registry, user, files, reference=request.reference, kind=checked.kind,
                          params={"model_kind": checked.kind})


def register_files(request: PublishRequest, registry: MlflowRegistry, user: str, files: dict[str, bytes], *,
                   reference: pd.DataFrame | None, kind: str, params: dict[str, str]) -> ModelVersion:
    """A new version of ``request.name`` in the registry: a run by ``user`` holding ``files`` (the model under
    ``model/``), the reference rows (when given) and the card, with ``params`` logged; tagged with its publisher
    and ``kind``. A failed upload marks the run FAILED and no version is made."""
    registry.create_model(request.name, request.description)
    run = registry.start_run(user=user, name=f"publish {request.name}")
    try:
        for path, data in files.items():
            registry.upload(run, path, data)
        if reference is not None:
            registry.upload(run, "reference/reference.csv", reference.to_csv(index=False).encode())
        registry.upload(run, "card.json", json.dumps({"description": request.description, **request.card}).encode())
        registry.log(run, params={**params, "reference_rows": str(0 if reference is None else len(reference)),
                                  "source_file": request.file_name})
    except MDSError:
        registry.finish_run(run, "FAILED")
        raise
    registry.finish_run(run)
    return registry.create_version(request.name, run, path="model", description=request.description,
                                   tags={PUBLISHED_BY: user, "mds.model_kind": kind})
