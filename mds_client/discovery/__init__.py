"""Model discovery: where the models are. Every backend offers ``list_models() -> list[ModelRef]``."""

from __future__ import annotations

from typing import Protocol

from ..refs import ModelRef
from .catalog import CatalogDiscovery, load_catalog
from .kubernetes import KubernetesDiscovery
from .repository import RepositoryDiscovery


class Discovery(Protocol):
    def list_models(self) -> list[ModelRef]: ...


__all__ = ["CatalogDiscovery", "Discovery", "KubernetesDiscovery", "RepositoryDiscovery", "load_catalog"]
