"""A model's versions as the registry keeps them, for the Models page: which is served, who published each
and when, and the aliases that name them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embedded_mds.layout import read_state
from embedded_mds.mlflow_server import MLFLOW
from mds_client.registry import MlflowRegistry
from mds_client.transport import Transport
from workbench.time_text import when

COLUMNS = ["version", "aliases", "published_by", "registered_utc", "serving", "description"]


def registry_url_or_none(home: Path | str | None, configured: str = "") -> str | None:
    """``configured`` (``WORKBENCH_MLFLOW_URI``), else the embedded MDS's MLflow server, else None."""
    if configured:
        return configured
    servers = {s.get("name"): s for s in (read_state(home) or {}).get("servers", []) if isinstance(s, dict)}
    return str(servers[MLFLOW]["url"]) if MLFLOW in servers else None


def find_registry(home: Path | str | None, configured: str = "", *,
                  transport: Transport | None = None) -> MlflowRegistry | None:
    """The registry the workbench publishes to, or None when there is none (no error: it is optional)."""
    url = registry_url_or_none(home, configured)
    return None if url is None else MlflowRegistry(url, transport=transport)


def serving_words(version: str, callers_get: str | None, served: tuple[str, ...]) -> str:
    if version == callers_get:
        return "callers get this"
    return "answers beside it" if version in served else ""


def version_table(registry: MlflowRegistry, name: str, callers_get: str | None,
                  served: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """Every version of ``name``, newest first, with whether it is served (``served``) and the one callers get;
    None when the registry does not know the model."""
    if registry.model(name) is None:
        return None
    rows = [{"version": v.version, "aliases": ", ".join(v.aliases), "published_by": v.published_by,
             "registered_utc": when(v.created), "serving": serving_words(v.version, callers_get, served),
             "description": v.description} for v in registry.versions(name)]
    return pd.DataFrame(rows, columns=COLUMNS)
