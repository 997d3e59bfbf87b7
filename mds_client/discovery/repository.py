"""Discovery from a V2 server's repository index (``POST /v2/repository/index``).

MLServer and Triton both answer it; each model becomes a ref on that server,
with READY/UNAVAILABLE state and the server's reason.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from mds_client.errors import ProtocolError
from mds_client.refs import ModelRef
from mds_client.transport.sessions import Transport


class RepositoryIndexItem(BaseModel):
    """One entry of ``POST /v2/repository/index``; unknown keys are kept."""

    model_config = ConfigDict(extra="allow")
    name: str
    version: str | None = None
    state: str = "UNKNOWN"
    reason: str = ""


class RepositoryDiscovery:
    def __init__(self, url: str, *, transport: Transport | None = None, headers: dict[str, str] | None = None) -> None:
        self.url = url.rstrip("/")
        self.transport = transport or Transport()
        self.headers = headers or {}

    def list_models(self) -> list[ModelRef]:
        response = self.transport.send(
            "POST", f"{self.url}/v2/repository/index", body=b"{}", headers=self.headers, model="repository index"
        )
        doc = response.json(model="repository index")
        if not isinstance(doc, list):
            raise ProtocolError(
                f"The repository index at {self.url} is not a list of models.", url=self.url, status=response.status
            )
        refs = []
        for raw in doc:
            item = RepositoryIndexItem.model_validate(raw)
            ready = item.state.upper() == "READY"
            refs.append(
                ModelRef(
                    name=item.name,
                    protocol="v2",
                    endpoint=self.url,
                    model_name=item.name,
                    version=item.version or "",
                    status="ready" if ready else "not ready",
                    status_reason="" if ready else (item.reason or item.state),
                    headers=dict(self.headers),
                    source=f"repository:{self.url}",
                )
            )
        return refs

    def describe(self) -> str:
        return f"repository index of {self.url}"
