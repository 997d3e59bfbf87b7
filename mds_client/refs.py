"""ModelRef: what discovery returns and what every client call takes.

A ref is plain data: where a model is served, how to talk to it, and what the
catalog says about it. It never holds a connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # records imports nothing of refs; the name is only an annotation here
    from mds_client.registry.records import RegisteredFacts

Protocol = Literal["seldon", "v2", "kserve-v1"]
PROTOCOLS: tuple[str, ...] = ("seldon", "v2", "kserve-v1")
PROTOCOL_TITLES = {"seldon": "Seldon v1", "v2": "V2 (Open Inference Protocol)", "kserve-v1": "KServe V1"}
"""What each protocol is called on screen."""


@dataclass(frozen=True)
class Candidate:
    """One arm of a Seldon Core v2 Experiment: a model or pipeline and its traffic weight."""

    name: str
    weight: int


@dataclass(frozen=True)
class Mirror:
    """Where a Seldon Core v2 Experiment copies traffic to (its answers are never returned)."""

    name: str
    percent: int


@dataclass(frozen=True)
class PipelineStep:
    """One step of a Seldon Core v2 Pipeline and the steps (or pipeline inputs) it reads from."""

    name: str
    inputs: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelRef:
    name: str
    protocol: Protocol
    endpoint: str
    """Server base URL or ingress prefix; protocol paths are appended to it."""
    model_name: str = ""
    """The V2 model name (defaults to ``name``)."""
    namespace: str = ""
    version: str = ""
    version_in_path: bool = False
    """Whether V2 calls use /v2/models/<m>/versions/<v>/... ."""
    status: str = "unknown"
    status_reason: str = ""
    explainer: ModelRef | None = None
    headers: dict[str, str] = field(default_factory=dict)
    source: str = ""
    description: str = ""
    card: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    reference_data: Path | None = None
    sample_data: Path | None = None
    schema_path: Path | None = None
    drift: ModelRef | None = None
    kind: str = ""
    """What the ref stands for where that matters: ``model``, ``pipeline``, ``experiment`` (Seldon v2)."""
    candidates: tuple[Candidate, ...] = ()
    """Experiment: the arms traffic is split between."""
    mirror: Mirror | None = None
    """Experiment: the model traffic is mirrored to."""
    steps: tuple[PipelineStep, ...] = ()
    """Pipeline: its steps in spec order."""
    log_name: str = ""
    """The name this model's request logger reports (Ce-Inferenceservicename), when not ``name``."""
    logger_url: str = ""
    """The request-log sink this model's calls are logged to (catalog ``logger: {url: ...}``)."""
    transport: str = "rest"
    """How V2 calls travel: ``rest`` (HTTP/JSON at ``endpoint``) or ``grpc`` (``inference.GRPCInferenceService`` at
    ``grpc_url``; catalog ``transport``, or ``mds ... --transport grpc``)."""
    grpc_url: str = ""
    """The server's V2 gRPC API, ``grpc://host:port`` (catalog ``grpc_url``). The schema comes from REST metadata
    when the ref has an ``endpoint`` too, else from gRPC's ModelMetadata (which carries no list parameters)."""
    versions: tuple[str, ...] = ()
    """Every version served side by side (catalog ``versions``); ``version`` is the one callers get."""
    version_urls: dict[str, str] = field(default_factory=dict)
    """Versions served each at an endpoint of its own (a Seldon v1 microservice per version), by version."""
    registry: str = ""
    """The registered version this model serves: ``models:/NAME/VERSION``, ``models:/NAME@ALIAS``, or a ``runs:/`` or
    ``mlflow-artifacts:/`` location of one (catalog ``registry``; a Kubernetes modelUri/storageUri)."""
    registered: RegisteredFacts | None = None
    """What the model registry says of that version, once the workbench asked it (``workbench.catalog.registry_link``)."""

    @property
    def display_name(self) -> str:
        """``name``, or ``name@version`` for a model that serves several versions side by side."""
        return f"{self.name}@{self.version}" if len(self.versions) > 1 and self.version else self.name

    @property
    def v2_name(self) -> str:
        return self.model_name or self.name

    def url(self, path: str) -> str:
        return self.endpoint.rstrip("/") + path

    @property
    def predict_url(self) -> str:
        if not self.endpoint and self.grpc_url:  # reached over gRPC alone: where its ModelInfer calls go
            return f"{self.grpc_url.rstrip('/')}/inference.GRPCInferenceService/ModelInfer"
        if self.protocol == "seldon":
            return self.url("/api/v1.0/predictions")
        if self.protocol == "kserve-v1":
            return self.url(self._kserve_v1_path() + ":predict")
        return self.url(self._v2_model_path() + "/infer")

    @property
    def explain_url(self) -> str:
        """Where an explainer takes a row: Seldon v1 ``/api/v1.0/explain``; KServe V1 the model's ``:explain``;
        V2 explainers (MLServer's alibi-explain runtime, Seldon v2) answer at the model's ``/infer``."""
        if self.protocol == "seldon":
            return self.url("/api/v1.0/explain")
        if self.protocol == "kserve-v1":
            return self.url(self._kserve_v1_path() + ":explain")
        return self.predict_url

    @property
    def metadata_url(self) -> str:
        """KServe V1 has no metadata: its URL is the readiness document (``{"name", "ready"}``)."""
        if self.protocol == "seldon":
            return self.url("/api/v1.0/metadata")
        if self.protocol == "kserve-v1":
            return self.url(self._kserve_v1_path())
        return self.url(self._v2_model_path())

    @property
    def ready_url(self) -> str:
        if self.protocol == "seldon":
            return self.url("/health/status")
        if self.protocol == "kserve-v1":
            return self.url(self._kserve_v1_path())
        return self.url(self._v2_model_path() + "/ready")

    @property
    def feedback_url(self) -> str | None:
        # The Open Inference Protocol has no feedback endpoint.
        return self.url("/api/v1.0/feedback") if self.protocol == "seldon" else None

    @property
    def uses_grpc(self) -> bool:
        """Whether inference and readiness go over the V2 gRPC API (``transport`` ``grpc``)."""
        return self.transport == "grpc"

    def over(self, transport: str) -> ModelRef:
        """The same model called over ``transport`` (``rest`` or ``grpc``)."""
        return replace(self, transport=transport)

    def _kserve_v1_path(self) -> str:
        return f"/v1/models/{self.v2_name}"

    def _v2_model_path(self) -> str:
        path = f"/v2/models/{self.v2_name}"
        if self.version and self.version_in_path:
            path += f"/versions/{self.version}"
        return path

    def at_version(self, version: str) -> ModelRef:
        """The same model called at ``version``: at that version's own endpoint when it has one, else by the V2
        path ``/v2/models/<m>/versions/<v>/...``."""
        if version in self.version_urls:
            return replace(self, version=version, endpoint=self.version_urls[version].rstrip("/"))
        return replace(self, version=version, version_in_path=True)

    def with_status(self, status: str, reason: str = "") -> ModelRef:
        return replace(self, status=status, status_reason=reason)


def split_version(name: str) -> tuple[str, str]:
    """``"orchard@2"`` -> ``("orchard", "2")``; ``"orchard@champion"`` -> ``("orchard", "champion")``;
    a name without ``@`` -> ``(name, "")``."""
    model, _, version = name.partition("@")
    return model, version
