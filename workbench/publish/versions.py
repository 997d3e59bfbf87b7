"""A model's versions as the registry keeps them, for the Models page: which is served, who published each
and when, and the aliases that name them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embedded_mds.layout import read_state
from embedded_mds.mlflow_server import MLFLOW
from embedded_mds.processes import pid_alive
from mds_client.registry import MlflowRegistry, RegistryError, RegistryNotFound
from mds_client.transport import Transport
from workbench.time_text import when

COLUMNS = ["version", "aliases", "published_by", "registered_utc", "serving", "metrics", "description"]
METRICS_SHOWN = 4
"""A run's metrics shown per version (the first by name): the card stays readable; MLflow has them all."""
RUNS_READ = 20
"""The newest versions whose run's metrics are read (one registry call each)."""
UNSERVED_COLUMNS = ["model", "versions", "latest", "aliases", "description"]


def registry_url_or_none(home: Path | str | None, configured: str = "") -> str | None:
    """``configured`` (``WORKBENCH_MLFLOW_URI``), else the embedded MDS's MLflow server, else None."""
    if configured:
        return configured
    servers = {s.get("name"): s for s in (read_state(home) or {}).get("servers", []) if isinstance(s, dict)}
    return str(servers[MLFLOW]["url"]) if MLFLOW in servers else None


REGISTRY_START_S = 90.0
"""How long publishing waits for the embedded MDS's own registry while it starts (about 20 s here)."""


def registry_answering(registry: MlflowRegistry, home: Path | str | None) -> None:
    """Return once ``registry`` answers. The embedded MDS does not wait for its MLflow server to start (the models
    answer sooner), so while that server's process is alive this waits for it; any other registry that does not
    answer raises ``RegistryError`` at once."""
    try:
        registry.health()
    except RegistryError:
        servers = {s.get("name"): s for s in (read_state(home) or {}).get("servers", []) if isinstance(s, dict)}
        ours = servers.get(MLFLOW, {})
        if ours.get("url") != registry.url or not pid_alive(int(ours.get("pid", 0) or 0)):
            raise
        registry.wait_ready(REGISTRY_START_S)


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
             "metrics": metrics_text(registry, v.run_id) if index < RUNS_READ else "",
             "description": v.description} for index, v in enumerate(registry.versions(name))]
    return pd.DataFrame(rows, columns=COLUMNS)


def metrics_text(registry: MlflowRegistry, run_id: str) -> str:
    """A run's metrics in a few words (``accuracy 0.93 · f1 0.91``); empty without a run or metrics."""
    if not run_id:
        return ""
    try:
        metrics = registry.run(run_id).metrics
    except RegistryNotFound:
        return ""  # a version registered from files, or its run deleted: no metrics to show
    shown = sorted(metrics.items())[:METRICS_SHOWN]
    more = len(metrics) - len(shown)
    return " · ".join(f"{k} {v:.4g}" for k, v in shown) + (f" (+{more} more)" if more > 0 else "")


def unserved_table(registry: MlflowRegistry, served: set[str]) -> pd.DataFrame:
    """The registry's models that no discovered model serves: what was registered but is not in front of anyone."""
    rows = []
    for model in registry.models():
        if model.name in served:
            continue
        versions = registry.versions(model.name)
        rows.append({"model": model.name, "versions": len(versions),
                     "latest": versions[0].version if versions else "",
                     "aliases": ", ".join(f"{a} → {v}" for a, v in sorted(model.aliases.items())),
                     "description": model.description})
    return pd.DataFrame(rows, columns=UNSERVED_COLUMNS)
