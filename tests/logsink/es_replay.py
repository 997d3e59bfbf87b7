"""A loopback stand-in for Elasticsearch (none can run here) answering the client's scroll searches.

It holds documents in the shape seldon-request-logger writes them (see ``logger_documents``) and
answers ``POST /<pattern>/_search?scroll=``, ``POST /_search/scroll`` and ``DELETE /_search/scroll``
with Elasticsearch's response bodies and headers, including ``X-Elastic-Product: Elasticsearch``
that the official client checks before it trusts an answer. Every search is recorded.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def logger_documents(*, service: str, namespace: str, request_id: str, names: list[str], rows: list[list[float]],
                     probabilities: list[list[float]], classes: list[str], asked: str, answered: str,
                     endpoint: str = "default") -> list[tuple[str, str, dict[str, Any]]]:
    """(index, _id, _source) per instance, as seldon-request-logger upserts a Seldon v1 call."""
    index = f"inference-log-seldon-{namespace}-{service}-{endpoint}"
    request_payload = {"data": {"names": names, "ndarray": rows}, "meta": {"puid": request_id}}
    response_payload = {"data": {"names": classes, "ndarray": probabilities}, "meta": {"puid": request_id}}
    docs = []
    for n, (row, proba) in enumerate(zip(rows, probabilities, strict=True)):
        doc_id = request_id if len(rows) == 1 else f"{request_id}-item-{n}"
        source = {
            "request": {"instance": row, "elements": {k: v for k, v in zip(names, row, strict=True)}, "names": names,
                        "payload": request_payload, "dataType": "tabular", "ce-time": asked,
                        "ce-source": f"http://{service}-{endpoint}:8000/"},
            "response": {"instance": proba, "names": classes, "payload": response_payload, "dataType": "tabular",
                         "ce-time": answered, "ce-source": f"http://{service}-{endpoint}:8000/"},
            "ServingEngine": "seldon", "Ce-Inferenceservicename": service, "Ce-Endpoint": endpoint,
            "Ce-Namespace": namespace, "Ce-Modelid": "classifier", "@timestamp": asked, "RequestId": request_id,
        }
        docs.append((index, doc_id, source))
    return docs


class ReplayElastic:
    def __init__(self, documents: list[tuple[str, str, dict[str, Any]]]) -> None:
        self.documents = documents
        self.searches: list[dict[str, Any]] = []
        self.scrolls: dict[str, list[dict[str, Any]]] = {}
        self.cleared: list[str] = []
        self.product_header = True
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ReplayElastic:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _matching(self, pattern: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        since = ((query.get("range") or {}).get("@timestamp") or {}).get("gte")
        hits = []
        for index, doc_id, source in self.documents:
            if not any(fnmatch.fnmatch(index, p) for p in pattern.split(",")):
                continue
            if since and datetime.fromisoformat(source["@timestamp"].replace("Z", "+00:00")) < \
                    datetime.fromisoformat(since.replace("Z", "+00:00")):
                continue
            hits.append({"_index": index, "_id": doc_id, "_score": None, "_source": source, "sort": [len(hits)]})
        return hits

    def _page(self, scroll_id: str, size: int) -> dict[str, Any]:
        left = self.scrolls[scroll_id]
        page, self.scrolls[scroll_id] = left[:size], left[size:]
        return {"_scroll_id": scroll_id, "took": 1, "timed_out": False,
                "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                "hits": {"total": {"value": len(page) + len(left), "relation": "eq"}, "max_score": None, "hits": page}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def _send(self, status: int, doc: dict[str, Any]) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                if replay.product_header:
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=9")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> dict[str, Any]:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return json.loads(raw) if raw else {}

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                body = self._body()
                if parts.path == "/_search/scroll":
                    scroll_id = body["scroll_id"]
                    return self._send(200, replay._page(scroll_id, replay._sizes[scroll_id]))
                if parts.path.endswith("/_search"):
                    pattern = parts.path.strip("/").rsplit("/", 1)[0]
                    params = parse_qs(parts.query)
                    replay.searches.append({"index": pattern, "params": params, "body": body})
                    scroll_id = uuid.uuid4().hex
                    replay.scrolls[scroll_id] = replay._matching(pattern, body.get("query") or {})
                    size = int(body.get("size") or params.get("size", ["10"])[0])
                    replay._sizes[scroll_id] = size
                    return self._send(200, replay._page(scroll_id, size))
                return self._send(404, {"error": {"type": "unknown_url"}, "status": 404})

            def do_DELETE(self) -> None:
                body = self._body()
                replay.cleared.extend(body.get("scroll_id") or [])
                self._send(200, {"succeeded": True, "num_freed": 1})

        self._sizes: dict[str, int] = {}
        return Handler
