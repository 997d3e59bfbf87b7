"""Which V2 server a model runs on: what ``GET /v2`` says (name, version, extensions).

Every Open Inference Protocol server answers ``GET /v2`` with ``{"name", "version", "extensions"}``: MLServer
says ``mlserver``, Triton ``triton``, KServe's ModelServer ``kserve``. The payload check applies a server's own
rules (MLServer joins several inputs only with ``content_type: pd``; Triton checks shapes and datatypes against
the model's configuration) only to that server; ``ServerInfo()`` is a server that did not say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ServerFamily = Literal["mlserver", "triton", "kserve", ""]
FAMILIES: tuple[str, ...] = ("mlserver", "triton", "kserve")


@dataclass(frozen=True)
class ServerInfo:
    name: str = ""
    """As the server says it (``mlserver``, ``triton``, ``kserve``, or another), "" when it did not say."""
    version: str = ""
    extensions: tuple[str, ...] = ()

    @property
    def family(self) -> ServerFamily:
        """mlserver, triton or kserve when the name says so; "" for any other server, or one that did not say."""
        name = self.name.lower()
        return next((f for f in FAMILIES if f in name), "")  # type: ignore[return-value]

    @property
    def known(self) -> bool:
        return bool(self.family)

    def __str__(self) -> str:
        if not self.name:
            return "an unknown V2 server"
        return f"{self.name} {self.version}".strip()

    @classmethod
    def named(cls, family: str) -> ServerInfo:
        """A server known by name alone (``mds check --server triton``)."""
        return cls(name=family)


def read_server_info(doc: Any) -> ServerInfo:
    """``GET /v2``'s answer as a ``ServerInfo``; anything else is an unknown server."""
    if not isinstance(doc, dict):
        return ServerInfo()
    extensions = doc.get("extensions")
    return ServerInfo(
        name=str(doc.get("name") or ""),
        version=str(doc.get("version") or ""),
        extensions=tuple(str(e) for e in extensions) if isinstance(extensions, list) else (),
    )
