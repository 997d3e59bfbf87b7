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

from mds_client.registry import MlflowRegistry, ModelVersion
from mds_client.schema import from_reference
from mds_client.transport import Transport
from workbench.publish.model_file import CHECK_ROWS
from workbench.publish.service import (
    Progress,
    Published,
    PublishRequest,
    check_request,
    published_card,
    register_files,
    say_registered,
    serve_registered,
)
from workbench.publish.serving import ServingTarget
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
    say_registered(progress, registry, request.name, version, existed)
    progress("serving", f"starting version {version.version} as a Seldon Core microservice of its own; the other "
                        "models keep answering")
    card = published_card(request, checked.kind, user, "seldon-template")
    metadata = served_metadata(request.name, version.version, [str(c) for c in request.reference.columns], checked)
    return serve_registered(
        request, version, existed, checked.kind, schema, registry=registry, target=target, progress=progress,
        serve=lambda default: serve(target.layout, request.name, version.version, checked, metadata,
                                    prediction_schema=prediction_schema(schema, checked, request.descriptions),
                                    reference=request.reference, card=card, published_by=user, default=default,
                                    sink_url=target.sink_url))


def register_template(request: PublishRequest, checked: CheckedTemplate, registry: MlflowRegistry,
                      user: str) -> ModelVersion:
    """A new version of ``request.name`` in the registry (a run by ``user`` with the template's files), unserved."""
    descriptor = {"module": checked.bundle.module, "class": checked.class_name,
                  "class_names": list(checked.class_names), "answers": [o.kind for o in checked.outputs],
                  "init_metadata": checked.init_metadata, "metadata": checked.metadata,
                  "served_by": "Seldon Core v1 Python wrapper (seldon-core 1.18)"}
    files = {f"model/{relative}": data for relative, data in checked.bundle.files.items()}
    files[f"model/{DESCRIPTOR}"] = json.dumps(descriptor, indent=2).encode()
    return register_files(request, registry, user, files, reference=request.reference, kind=TEMPLATE_KIND,
                          params={"model_kind": TEMPLATE_KIND, "template_class": checked.class_name})
