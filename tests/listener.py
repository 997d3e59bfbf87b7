"""A loopback HTTP listener that records every request: the "must stay untouched" target of SSRF tests.

Use the ``listener`` fixture (``tests/conftest.py``): put ``listener.url`` in a text field, a payload, a
model card or a catalog, do the action, then ``listener.assert_untouched()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def listening() -> Iterator[Listener]:
    """A started listener, shut down on leaving (what the ``listener`` fixtures yield)."""
    found, server = start_listener()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def naming(url: str) -> dict:
    """Catalog entry fields that name ``url`` everywhere but the model's own endpoint: description, tags,
    model-card text, links, images and metadata URLs, the explainer, the drift detector and the logger.
    Merged into an entry (``tests/app/helpers.derived_catalog``), none of them may be fetched by loading,
    listing or showing the model; the explainer, detector and logger are the catalog's endpoints, called
    only when someone asks for an explanation, a drift check or simulated traffic."""
    return {
        "description": f"See ![card]({url}/description.png) and [docs]({url}/description-link) or {url}/bare",
        "tags": [f"{url}/tag", "docs"],
        "card": {"owner": f"[owner]({url}/owner)", "intended_use": f"<img src='{url}/card-html.png'>",
                 "limitations": f"![x]({url}/card-image.png)", "training_data": f"{url}/training-data.csv",
                 "link": f"{url}/card-link", "image": f"{url}/card-image.png", "documentation": f"{url}/docs",
                 "metadata_url": f"{url}/metadata", "metrics": {f"[m]({url}/metric)": f"{url}/metric-value"}},
        "explainer": {"protocol": "v2", "url": f"{url}/explainer", "model": "relay-explainer"},
        "drift": {"protocol": "v2", "url": f"{url}/drift", "model": "relay-drift"},
        "logger": {"url": f"{url}/logger"},
    }


def files_at(url: str) -> dict:
    """Catalog file fields (schema, reference and sample data) given as URLs: read as paths, never fetched."""
    return {"schema": f"{url}/schema.json", "reference_data": f"{url}/reference.csv", "sample_data": f"{url}/sample.csv"}
