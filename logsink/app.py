"""The request-log sink: a Starlette app that Seldon's and KServe's loggers post CloudEvents to.

    POST /  (or /events)   one CloudEvent; 200 once its rows are committed, 4xx naming what is wrong,
                           503 when the store could not commit (the logger may retry: writes are idempotent).
                           With Content-Type application/cloudevents-batch+json, a JSON array of
                           structured events: all stored in one write, or none (4xx naming the event)
    GET  /health           {"status": "ok"}
    GET  /metrics          Prometheus text: events received by type, rejected by reason, rows stored,
                           write latency

Request and response events of one call upsert the same rows (key: model, request id, row), so
they join in either order, and an event delivered twice is stored once. Nothing an event holds can
crash the sink: anything unexpected is a counted 500 with a JSON body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from logsink.attribution import Attributed, Attribution
from logsink.errors import LogSinkError, MalformedEvent, StoreUnavailable
from logsink.events import BATCH_CONTENT_TYPE, LogEvent, parse_batch, parse_plain
from logsink.metrics import SinkMetrics
from logsink.payloads import feedback_of, protocol_of, request_rows, response_rows
from logsink.writer import GroupWriter
from workbench.store.request_log import LogWrite, log_row

log = logging.getLogger(__name__)


def create_app(engine: Engine, *, catalog: Path | str | None = None, attribution: Attribution | None = None,
               metrics: SinkMetrics | None = None) -> ASGIApp:
    """The sink writing to ``engine`` (its schema already migrated), attributing events with ``catalog``."""
    metrics = metrics or SinkMetrics()
    attribution = attribution or Attribution(catalog)
    writer = GroupWriter(engine, on_commit=metrics.committed)

    async def handle(plain: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one POST: a single event, or a batch stored in one write."""
        events: list[LogEvent] = []
        try:
            if plain.get("content-type", "").startswith(BATCH_CONTENT_TYPE):
                events = parse_batch(body)
            else:
                events = [parse_plain(plain, body)]
            merged = LogWrite()
            answers = []
            for event in events:
                attributed = attribution.attribute(event.service, event.model_id)
                schema = attribution.cached_schema(attributed.model) if attributed.known else None
                if attributed.known and schema is None:
                    schema = await asyncio.to_thread(attribution.load_schema, attributed)
                write = event_write(event, attributed, schema)
                if len(events) == 1:
                    merged = write  # one event (what loggers send): its write as it is
                else:
                    merged.rows.extend(write.rows)
                    merged.failures.extend(write.failures)
                    merged.feedback.extend(write.feedback)
                answers.append({"stored": len(write.rows), "model": attributed.model,
                                "known_model": attributed.known, "request_id": event.request_id,
                                "kind": event.kind})
            await writer.write(merged)
            for event in events:
                metrics.received(event.type)
        except MalformedEvent as exc:
            metrics.received(events[0].type if len(events) == 1 else plain.get("ce-type", "unreadable"))
            metrics.rejected(exc.reason)
            return exc.status, {"error": exc.reason, "message": exc.message}
        except StoreUnavailable as exc:
            for event in events or [None]:
                metrics.received(event.type if event is not None else "unreadable")
            metrics.rejected("store_unavailable")
            return 503, {"error": "store_unavailable", "message": exc.message}
        except Exception as exc:  # a bug must not take the sink down; it is counted and logged
            log.exception("event could not be handled")
            metrics.received(events[0].type if len(events) == 1 else "unreadable")
            metrics.rejected("internal")
            return 500, {"error": "internal", "message": f"{type(exc).__name__}: {exc}"}
        if len(answers) == 1 and not plain.get("content-type", "").startswith(BATCH_CONTENT_TYPE):
            return 200, answers[0]
        return 200, {"stored": len(merged.rows), "events": answers}

    async def receive(request: Request) -> Response:
        """The same handler behind Starlette's routing (kept for any path the fast lane does not take)."""
        status, doc = await handle(_lower(request.scope["headers"]), await request.body())
        return _json(doc, status_code=status)

    async def health(_: Request) -> Response:
        return _json({"status": "ok"})

    async def prometheus(_: Request) -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await writer.start()
        try:
            yield
        finally:
            await writer.stop()

    starlette = Starlette(routes=[
        Route("/", receive, methods=["POST"]),
        Route("/events", receive, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ], lifespan=lifespan)

    async def app(scope: Scope, receive_: Receive, send: Send) -> None:
        # Event POSTs skip Starlette's middleware, router and Request/Response objects: measured, that
        # stack cost as much CPU per event as uvicorn itself (bench/sink_throughput.py). Everything
        # else (health, metrics, lifespan, 404/405) is Starlette's.
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in EVENT_PATHS:
            body = await _read_body(receive_)
            status, doc = await handle(_lower(scope["headers"]), body)
            payload = orjson.dumps(doc)
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        await starlette(scope, receive_, send)

    return app


EVENT_PATHS = frozenset({"/", "/events"})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _lower(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}


def event_write(event: LogEvent, attributed: Attributed, schema: Any) -> LogWrite:
    """The rows one event adds to the log: inputs (request), outputs (response) or feedback."""
    common = {"model": attributed.model, "request_id": event.request_id, "source": event.source,
              "known_model": attributed.known, "namespace": event.namespace, "endpoint": event.endpoint,
              "tag": event.tag or None}
    write = LogWrite()
    if event.kind == "request":
        for i, inputs in enumerate(request_rows(event.body, schema)):
            write.rows.append(log_row(**common, row_index=i, time=event.time, inputs=inputs))
    elif event.kind == "response":
        answer = response_rows(event.body, protocol_of(event.body), schema)
        if answer.error is not None:
            write.failures.append((attributed.model, event.request_id, answer.error))
            write.rows.append(log_row(**common, row_index=0, time=event.time, status="error", error=answer.error,
                                      response_time=event.time))
        for i, out in enumerate(answer.rows):
            write.rows.append(log_row(**common, row_index=i, time=event.time, outputs=out.as_json(), label=out.label,
                                      value=out.value, confidence=out.confidence, status="ok",
                                      response_time=event.time))
    else:
        request_id, reward, truth = feedback_of(event.body)
        write.feedback.append((request_id or event.request_id, reward, truth))
    return write


__all__ = ["LogSinkError", "create_app", "event_write"]


def _json(doc: dict[str, Any], status_code: int = 200) -> Response:
    """orjson instead of Starlette's json.dumps: the answer is written once per event, thousands a second."""
    return Response(orjson.dumps(doc), status_code=status_code, media_type="application/json")
