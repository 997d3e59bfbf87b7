"""The sink's HTTP server: uvicorn with deadlines on reading a request, so slow clients cannot hold it.

uvicorn bounds only the idle time between requests (``timeout_keep_alive``); a client that connects and
sends nothing, or trickles its headers one byte at a time (slowloris), or its body, holds a connection
(a file descriptor and a parser) for as long as it likes. ``DeadlineHttpToolsProtocol`` adds two clocks:

- ``header_seconds``: from the connection (or the first byte of a next request) to the end of the
  headers; past it the client gets ``408 Request Timeout`` and the connection is closed;
- ``body_seconds``: from the end of the headers to the end of the body; past it the connection is closed
  (the handler sees a client disconnect, as for a client that went away).

Only the reading is bounded: the handler's own work and the answer are not timed here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEADER_SECONDS = 10.0
DEFAULT_BODY_SECONDS = 30.0

_TIMEOUT_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"connection: close\r\ncontent-length: 44\r\n\r\nThe request took too long to arrive; closed.")


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on the headers and one on the body of each request."""

    header_seconds: float = DEFAULT_HEADER_SECONDS
    body_seconds: float = DEFAULT_BODY_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, phase: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired, phase)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, phase: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if phase == "headers":
            self.transport.write(_TIMEOUT_408)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_seconds, "headers")  # a client that connects and says nothing

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a next request on a kept-alive connection; the first is already timed
            self._arm(self.header_seconds, "headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_seconds, "body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def deadline_protocol(header_seconds: float, body_seconds: float) -> type[DeadlineHttpToolsProtocol]:
    """The protocol class for ``uvicorn.run(http=...)`` with these deadlines (seconds, > 0)."""
    if header_seconds <= 0 or body_seconds <= 0:
        raise ValueError("the sink's header and body deadlines must be positive seconds")
    return type("SinkHttpProtocol", (DeadlineHttpToolsProtocol,),
                {"header_seconds": float(header_seconds), "body_seconds": float(body_seconds)})
