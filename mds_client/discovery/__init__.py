"""Model discovery: where the models are. Every backend offers ``list_models() -> list[ModelRef]``."""

from __future__ import annotations

from typing import Protocol

from mds_client.discovery.catalog import CatalogDiscovery, load_catalog
from mds_client.discovery.kubernetes import KubernetesDiscovery
from mds_client.discovery.repository import RepositoryDiscovery
from mds_client.refs import ModelRef


class Discovery(Protocol):
    def list_models(self) -> list[ModelRef]: ...


__all__ = ["CatalogDiscovery", "Discovery", "KubernetesDiscovery", "RepositoryDiscovery", "load_catalog"]
