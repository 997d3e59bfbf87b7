"""Publishing: a researcher's model file registered in the model registry and served, in one step.

``service.publish`` does the steps; ``model_file`` loads and checks the model, ``mlflow_model`` writes it
as an MLflow model folder for the registry, ``serving`` serves it on the embedded MDS. A class written to Seldon
Core's Python-wrapper template goes through ``template_service`` instead (``template_files``, ``template_model``,
``template_serving``); ``publish`` (``kinds``) sends each request to its publisher.
"""

from typing import Any

from workbench.publish.errors import PublishError

__all__ = ["CHAMPION", "STEPS", "PublishError", "PublishRequest", "Published", "ServingTarget", "embedded_target",
           "promote", "publish", "registry_url"]
_LAZY = {"STEPS": "service", "PublishRequest": "service", "Published": "service", "publish": "kinds",
         "CHAMPION": "service", "promote": "service",
         "ServingTarget": "serving", "embedded_target": "serving", "registry_url": "serving"}


def __getattr__(name: str) -> Any:
    # The service loads models (joblib, pandas) and the embedded MDS's modules: `mds --help` and the
    # pages that only catch PublishError do not pay for them.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"workbench.publish.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
