"""What a model registry says about a model: registered models, their versions, aliases and runs.

Plain records read from MLflow's REST answers (``from_mlflow``); times are aware UTC datetimes.
MLflow keeps no user on a model version, so the publisher travels as the ``mds.published_by`` tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mds_client.schema.model import ModelSchema

PUBLISHED_BY = "mds.published_by"


def _when(ms: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(ms) / 1000.0, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _tags(items: Any) -> dict[str, str]:
    if isinstance(items, dict):
        return {str(k): str(v) for k, v in items.items()}
    if isinstance(items, list):
        return {str(t.get("key")): str(t.get("value", "")) for t in items if isinstance(t, dict) and "key" in t}
    return {}


@dataclass(frozen=True)
class ModelVersion:
    """One registered version: where its files are, the run that made it, and its aliases."""

    name: str
    version: str
    source: str = ""
    run_id: str = ""
    status: str = ""
    description: str = ""
    created: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def published_by(self) -> str:
        return self.tags.get(PUBLISHED_BY, "")

    @classmethod
    def from_mlflow(cls, doc: dict[str, Any]) -> ModelVersion:
        return cls(name=str(doc.get("name", "")), version=str(doc.get("version", "")),
                   source=str(doc.get("source", "")), run_id=str(doc.get("run_id", "")),
                   status=str(doc.get("status", "")), description=str(doc.get("description", "") or ""),
                   created=_when(doc.get("creation_timestamp")), tags=_tags(doc.get("tags")),
                   aliases=tuple(str(a) for a in doc.get("aliases", []) if isinstance(a, str)))


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model: its description, tags and which version each alias names."""

    name: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    latest: tuple[str, ...] = ()

    @classmethod
    def from_mlflow(cls, doc: dict[str, Any]) -> RegisteredModel:
        aliases = {str(a.get("alias")): str(a.get("version")) for a in doc.get("aliases", [])
                   if isinstance(a, dict) and "alias" in a}
        latest = tuple(str(v.get("version")) for v in doc.get("latest_versions", []) if isinstance(v, dict))
        return cls(name=str(doc.get("name", "")), description=str(doc.get("description", "") or ""),
                   tags=_tags(doc.get("tags")), aliases=aliases, latest=latest)


@dataclass(frozen=True)
class Run:
    """The run a version was registered from: who, and where its artifacts go."""

    run_id: str
    experiment_id: str
    artifact_uri: str
    user: str = ""
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def artifact_path(self) -> str:
        """The artifact store's path of this run (``<exp>/<run>/artifacts``), for the artifact proxy."""
        return self.artifact_uri.split(":", 1)[1].lstrip("/") if ":" in self.artifact_uri else self.artifact_uri

    @classmethod
    def from_mlflow(cls, doc: dict[str, Any]) -> Run:
        info, data = doc.get("info", {}), doc.get("data", {})
        metrics = {str(m.get("key")): float(m.get("value")) for m in data.get("metrics", [])
                   if isinstance(m, dict) and isinstance(m.get("value"), int | float)}
        return cls(run_id=str(info.get("run_id", "")), experiment_id=str(info.get("experiment_id", "")),
                   artifact_uri=str(info.get("artifact_uri", "")), user=str(info.get("user_id", "") or ""),
                   metrics=metrics)


@dataclass(frozen=True)
class RegisteredFacts:
    """What the registry says of the version a discovered model serves: who registered it, when, its run's metrics,
    its description, and the inputs its MLflow signature declares (``schema``, defaults from its input example).
    ``note`` says, in a few words, what could not be read (the registry down, no signature), never raising."""

    name: str
    version: str = ""
    aliases: tuple[str, ...] = ()
    registered_by: str = ""
    created: datetime | None = None
    description: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    schema: ModelSchema | None = None
    note: str = ""
