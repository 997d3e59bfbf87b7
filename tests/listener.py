"""A loopback HTTP listener that records every request: the "must stay untouched" target of SSRF tests.

Use the ``listener`` fixture (``tests/conftest.py``): put ``listener.url`` in a text field, a payload, a
model card or a catalog, do the action, then ``listener.assert_untouched()``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Listener:
    url: str
    hits: list[Hit] = field(default_factory=list)

    def assert_untouched(self) -> None:
        assert not self.hits, f"{len(self.hits)} request(s) reached the listener: " + ", ".join(
            f"{h.method} {h.path} (from {h.headers.get('User-Agent', '?')[:40]})" for h in self.hits[:5])


def start_listener() -> tuple[Listener, ThreadingHTTPServer]:
    recorded: list[Hit] = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            recorded.append(Hit(self.command, self.path, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = _record  # noqa: N815  (http.server names)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="listener", daemon=True).start()
    listener = Listener(f"http://127.0.0.1:{server.server_address[1]}", recorded)
    return listener, server
