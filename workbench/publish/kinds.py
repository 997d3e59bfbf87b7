"""Which publisher takes a request: an MLflow model folder (a .zip holding an ``MLmodel``) goes to
``mlflow_service``, a Seldon template (a .py, or a folder or .zip holding one) to ``template_service``, a model file
to ``service``. ``workbench.publish.publish`` is this module's ``publish``, so the
CLI and the Publish page take either without asking which it is."""

from __future__ import annotations

from mds_client.registry import MlflowRegistry
from mds_client.transport import Transport
from workbench.publish import service
from workbench.publish.mlflow_folder import is_zip
from workbench.publish.mlflow_service import publish_mlflow
from workbench.publish.service import Progress, Published, PublishRequest
from workbench.publish.serving import ServingTarget
from workbench.publish.template_files import is_template
from workbench.publish.template_service import publish_template


def _quiet(step: str, sentence: str) -> None:
    """The progress callback of a caller that shows none."""


def publish(request: PublishRequest, *, registry: MlflowRegistry, target: ServingTarget, user: str,
            transport: Transport, progress: Progress = _quiet) -> Published:
    """Publish ``request`` with the publisher of its kind (see the module's docstring)."""
    if is_template(request.model, request.file_name):  # never a .zip holding an MLmodel
        return publish_template(request, registry=registry, target=target, user=user, transport=transport,
                                progress=progress)
    if is_zip(request.model):  # an MLflow model folder; the reader says what one without an MLmodel lacks
        return publish_mlflow(request, registry=registry, target=target, user=user, transport=transport,
                              progress=progress)
    return service.publish(request, registry=registry, target=target, user=user, transport=transport,
                           progress=progress)
