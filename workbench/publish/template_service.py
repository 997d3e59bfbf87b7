"""Publish a class written to Seldon Core's Python-wrapper template in one step, as ``service.publish`` publishes a
model file: checked, registered, serving, ready.

1. ``template_model.check_template`` runs the class on its reference rows in the model server's environment
   (.venvs/seldon); the form's schema comes from the rows, the answer's names from its ``class_names``;
2. the registry gets a new version: a run by the publisher holding the template's files under ``model/`` (with
   ``seldon-template.json`` naming the module and class), the reference rows and the card, tagged
   ``mds.model_kind`` = ``seldon-template``;
3. ``template_serving`` starts it as a Seldon Core v1 microservice of its own beside the versions served before;
   callers keep the version they got until another is promoted (``service.promote`` serves both kinds).
Its code runs on the server, with the server's rights: only the roles allowed to publish may hand it in.
"""

from __future__ import annotations

import json
from dataclasses import replace

from mds_client import MDSError
from mds_client.registry import PUBLISHED_BY, MlflowRegistry, ModelVersion
from mds_client.schema import from_reference
from mds_client.transport import Transport
from workbench.publish.errors import PublishError
from workbench.publish.model_file import CHECK_ROWS
from workbench.publish.service import CHAMPION, Progress, Published, PublishRequest, check_request
from workbench.publish.serving import ServingTarget, read_record
from workbench.publish.template_files import read_template
from workbench.publish.template_model import (
    TEMPLATE_KIND,
    CheckedTemplate,
    check_template,
    prediction_schema,
    served_metadata,
)
from workbench.publish.template_serving import check_name_free, serve
from workbench.publish.versions import registry_answering

DESCRIPTOR = "seldon-template.json"
"""Beside the template's files in the registry: which module and class to serve, what it answers."""
ANSWERS = {"proba": "class probabilities", "label": "a class per row", "value": "a value per row",
           "tensor": "an array per row"}


def _quiet(step: str, sentence: str) -> None:
    """The progress callback of a caller that shows none."""


def publish_template(request: PublishRequest, *, registry: MlflowRegistry, target: ServingTarget, user: str,
                     transport: Transport | None = None, progress: Progress = _quiet) -> Published:
    """``request.model`` is a template (.py, or a .zip with one); see the module's docstring. ``transport`` is not
    used: the version's microservice is watched by process and health path."""
    check_request(request)
    bundle = read_template(request.model, request.file_name, request.template_class)
    checked = check_template(bundle, request.reference, request.template_class)
    schema = replace(from_reference(request.reference), outputs=checked.outputs, messagetype="ndarray")
    kinds = {o.kind for o in checked.outputs}
    answers = f"{len(checked.class_names)} classes" if checked.class_names else \
        ", ".join(ANSWERS.get(kind, kind) for kind in kinds)
    progress("checked", f"{checked.kind} answered {min(len(request.reference), CHECK_ROWS)} reference rows "
                        f"({answers}) in the model server's environment; {len(schema.features)} inputs")
    check_name_free(target.layout, request.name)
    registry_answering(registry, target.home)  # down: refuse here, before anything is registered
    existed = registry.model(request.name) is not None
    version = register_template(request, checked, registry, user)
    progress("registered", f"version {version.version} of {request.name} in the registry at {registry.url}"
                           + ("" if existed else " (a new model)"))
    progress("serving", f"starting version {version.version} as a Seldon Core microservice of its own; the other "
                        "models keep answering")
    card = {"description": request.description or f"{checked.kind} published by {user}.",
            **request.card, "tags": ["published", "seldon-template"]}
    alias = request.alias.lstrip("@") if request.alias else None
    try:
        endpoint = serve(target.layout, request.name, version.version, checked,
                         served_metadata(request.name, version.version, [str(c) for c in request.reference.columns],
                                         checked),
                         prediction_schema=prediction_schema(schema, checked, request.descriptions),
                         reference=request.reference, card=card, published_by=user,
                         default=version.version if alias == CHAMPION else None, sink_url=target.sink_url)
    except PublishError as exc:
        raise PublishError(f"Version {version.version} of '{request.name}' is registered but not served: "
                           f"{exc.message}", hint=exc.hint) from None
    if alias:
        registry.set_alias(request.name, alias, version.version)
    record = read_record(target.layout, request.name)
    progress("ready", f"{request.name} version {version.version} answers at {endpoint}")
    return Published(request.name, version.version, endpoint, checked.kind, schema, new_model=not existed,
                     alias=alias, callers_get=str(record.get("version", version.version)),
                     served=tuple(record.get("versions", [version.version])))


def register_template(request: PublishRequest, checked: CheckedTemplate, registry: MlflowRegistry,
                      user: str) -> ModelVersion:
    """A new version of ``request.name`` in the registry (a run by ``user`` with the template's files), unserved."""
    registry.create_model(request.name, request.description)
    run = registry.start_run(user=user, name=f"publish {request.name}")
    descriptor = {"module": checked.bundle.module, "class": checked.class_name,
                  "class_names": list(checked.class_names), "answers": [o.kind for o in checked.outputs],
                  "init_metadata": checked.init_metadata, "metadata": checked.metadata,
                  "served_by": "Seldon Core v1 Python wrapper (seldon-core 1.18)"}
    try:
        for relative, data in checked.bundle.files.items():
            registry.upload(run, f"model/{relative}", data)
        registry.upload(run, f"model/{DESCRIPTOR}", json.dumps(descriptor, indent=2).encode())
        registry.upload(run, "reference/reference.csv", request.reference.to_csv(index=False).encode())
        registry.upload(run, "card.json", json.dumps({"description": request.description, **request.card}).encode())
        registry.log(run, params={"model_kind": TEMPLATE_KIND, "template_class": checked.class_name,
                                  "reference_rows": str(len(request.reference)), "source_file": request.file_name})
    except MDSError:
        registry.finish_run(run, "FAILED")
        raise
    registry.finish_run(run)
    return registry.create_version(request.name, run, path="model", description=request.description,
                                   tags={PUBLISHED_BY: user, "mds.model_kind": TEMPLATE_KIND})
