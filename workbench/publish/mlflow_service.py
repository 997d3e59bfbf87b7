"""Publish an MLflow model folder in one step, as ``service.publish`` publishes a model file: checked, registered,
serving, ready.

1. ``mlflow_folder`` reads the folder (a .zip of it) and makes the form's inputs from its signature, the reference
   rows (categories, ranges) and its input example (defaults, sample rows); ``mlflow_check`` loads it with
   ``mlflow.pyfunc.load_model`` in the model server's environment and has it answer its reference rows, else its input example;
2. the registry gets a new version: a run by the publisher holding the folder's files unchanged under ``model/``,
   the reference rows (when given) and the card;
3. the version folder on the embedded MDS holds the same files under ``model/`` and a model-settings.json for
   MLServer's MLflow runtime (``PublishedMLflowModel``: it keeps the declared inputs and outputs, which the plain
   runtime replaces with the signature's), loaded beside the versions served before.
A folder with neither a signature nor reference rows is published all the same, with a warning (progress step
``warning``): its form has only what the input example shows, or nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mds_client import ModelSchema
from mds_client.registry import MlflowRegistry, ModelVersion
from mds_client.schema import from_v2_metadata
from mds_client.transport import Transport
from workbench.publish import service as steps
from workbench.publish.mlflow_check import CheckedFolder, check_folder, output_entries
from workbench.publish.mlflow_folder import MlflowFolder, form_schema, read_folder
from workbench.publish.service import Progress, Published, PublishRequest, check_request
from workbench.publish.serving import ServingTarget, check_name_free, declared_inputs, serve
from workbench.publish.versions import registry_answering

RUNTIME = "embedded_mds.served.mlflow_runtime.PublishedMLflowModel"
MODEL_DIR = "model"
"""The MLflow model's folder inside the version folder (and inside the registry's run)."""
WARNING = "warning"
"""The progress step of a warning: the model is published all the same."""


def _quiet(step: str, sentence: str) -> None:
    """The progress callback of a caller that shows none."""


def publish_mlflow(request: PublishRequest, *, registry: MlflowRegistry, target: ServingTarget, user: str,
                   transport: Transport, progress: Progress = _quiet) -> Published:
    """``request.model`` is a .zip of an MLflow model folder; ``request.reference`` may be empty (none given)."""
    check_request(request)
    folder = read_folder(request.model, request.file_name)
    reference = request.reference if not request.reference.empty else None
    inputs, warnings = form_schema(folder, reference)
    checked = check_folder(folder, reference)
    kind = model_kind(folder, checked)
    progress("checked", _checked_sentence(kind, checked, inputs))
    for warning in warnings:
        progress(WARNING, warning)
    check_name_free(target, request.name)
    registry_answering(registry, target.home)  # down: refuse here, before anything is registered
    existed = registry.model(request.name) is not None
    version = register_folder(request, folder, kind, reference, registry, user)
    steps.say_registered(progress, registry, request.name, version, existed)
    progress("serving", f"loading version {version.version} on the model server with MLServer's MLflow runtime; "
                        "the other models keep answering")
    settings = mlflow_settings(request.name, version.version, inputs, output_entries(checked, folder.outputs),
                               request.descriptions, request.units)
    card = steps.published_card(request, kind, user, "mlflow")
    files = {f"{MODEL_DIR}/{relative}": data for relative, data in folder.files.items()}
    return steps.serve_registered(
        request, version, existed, kind, served_schema(settings), registry=registry, target=target, progress=progress,
        serve=lambda default: serve(target, request.name, version.version, files, settings, default=default,
                                    reference=reference, samples=folder.example(), card=card, published_by=user,
                                    transport=transport))


def model_kind(folder: MlflowFolder, checked: CheckedFolder) -> str:
    """What the model is, for people: ``MLflow sklearn model (Pipeline)``."""
    inside = f" ({checked.model})" if checked.model and checked.model != "PyFuncModel" else ""
    return f"MLflow {folder.flavor} model{inside}"


def mlflow_settings(name: str, version: str, inputs: ModelSchema, outputs: list[dict[str, Any]],
                    descriptions: dict[str, str] | None = None, units: dict[str, str] | None = None) -> dict[str, Any]:
    """``model-settings.json`` of a version: MLServer's MLflow runtime on ``model/``, inputs and outputs declared
    in the schema convention (embedded_mds/model_schema.py)."""
    return {"name": name, "implementation": RUNTIME, "parameters": {"uri": f"./{MODEL_DIR}", "version": version},
            "inputs": declared_inputs(inputs, descriptions, units), "outputs": outputs}


def served_schema(settings: dict[str, Any]) -> ModelSchema:
    """The schema the workbench reads back from the served version's metadata."""
    return from_v2_metadata({"inputs": settings["inputs"], "outputs": settings["outputs"]})


def register_folder(request: PublishRequest, folder: MlflowFolder, kind: str, reference: pd.DataFrame | None,
                    registry: MlflowRegistry, user: str) -> ModelVersion:
    """A new version of ``request.name`` in the registry (a run by ``user`` with the folder's files), unserved."""
    files = {f"{MODEL_DIR}/{relative}": data for relative, data in folder.files.items()}
    return steps.register_files(request, registry, user, files, reference=reference, kind=f"mlflow-{folder.flavor}",
                                params={"model_kind": kind, "mlflow_flavors": ",".join(folder.flavors)})


def _checked_sentence(kind: str, checked: CheckedFolder, inputs: ModelSchema) -> str:
    if checked.source is None:
        tried = "loaded with mlflow.pyfunc (nothing to answer: no reference rows, no input example)"
    else:
        what = "reference rows" if checked.source == "reference" else "rows of its input example"
        answers = f"{len(checked.classes)} classes" if checked.classes else \
            "values" if str(checked.output.get("dtype", "")).startswith("float") else "answers"
        tried = f"answered {checked.rows} {what} in the model server's environment ({answers})"
    origin = {"mlflow-signature": "from its signature", "reference-data": "from the reference rows",
              "input-example": "from its input example"}.get(inputs.source, "")
    return f"{kind} {tried}; {len(inputs.features)} inputs {origin}".rstrip()

