"""A model registry (MLflow's): registered models, their versions and aliases, and the runs behind them.

``mlflow`` speaks the MLflow tracking server's REST API with this library's transport (no MLflow package);
``records`` holds what it returns as plain records, ``errors`` what its failures are.
"""

from mds_client.registry.errors import RegistryError, RegistryNotFound
from mds_client.registry.links import read_facts, registry_uri
from mds_client.registry.mlflow import EXPERIMENT, MlflowRegistry
from mds_client.registry.records import PUBLISHED_BY, ModelVersion, RegisteredFacts, RegisteredModel, Run

__all__ = [
    "EXPERIMENT",
    "PUBLISHED_BY",
    "MlflowRegistry",
    "ModelVersion",
    "RegisteredFacts",
    "RegisteredModel",
    "RegistryError",
    "RegistryNotFound",
    "Run",
    "read_facts",
    "registry_uri",
]
