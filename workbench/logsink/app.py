"""The request-log sink: a Starlette app that Seldon's and KServe's loggers post CloudEvents to.

    POST /  (or /events)   one CloudEvent; 200 once its rows are committed, 4xx naming what is wrong,
                           503 when the store could not commit (the logger may retry: writes are idempotent)
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

from workbench.store.request_log import LogWrite, log_row

from .attribution import Attributed, Attribution
from .errors import LogSinkError, MalformedEvent, StoreUnavailable
from .events import LogEvent, parse_event
from .metrics import SinkMetrics
from .payloads import feedback_of, protocol_of, request_rows, response_rows
from .writer import GroupWriter

log = logging.getLogger(__name__)


def create_app(engine: Engine, *, catalog: Path | str | None = None, attribution: Attribution | None = None,
               metrics: SinkMetrics | None = None) -> Starlette:
    """The sink writing to ``engine`` (its schema already migrated), attributing events with ``catalog``."""
    metrics = metrics or SinkMetrics()
    attribution = attribution or Attribution(catalog)
    writer = GroupWriter(engine, on_commit=metrics.committed)

    async def receive(request: Request) -> Response:
        event: LogEvent | None = None
        try:
            body = await request.body()
            event = parse_event(request.headers, body)
            attributed = attribution.attribute(event.service, event.model_id)
            schema = attribution.cached_schema(attributed.model) if attributed.known else None
            if attributed.known and schema is None:
                schema = await asyncio.to_thread(attribution.load_schema, attributed)
            write = event_write(event, attributed, schema)
            stored = await writer.write(write)
            metrics.received(event.type)
        except MalformedEvent as exc:
            metrics.received(event.type if event is not None else request.headers.get("ce-type", "unreadable"))
            metrics.rejected(exc.reason)
            return _json({"error": exc.reason, "message": exc.message}, status_code=exc.status)
        except StoreUnavailable as exc:
            metrics.received(event.type if event is not None else "unreadable")
            metrics.rejected("store_unavailable")
            return _json({"error": "store_unavailable", "message": exc.message}, status_code=503)
        except Exception as exc:  # a bug must not take the sink down; it is counted and logged
            log.exception("event could not be handled")
            metrics.received(event.type if event is not None else "unreadable")
            metrics.rejected("internal")
            return _json({"error": "internal", "message": f"{type(exc).__name__}: {exc}"}, status_code=500)
        return _json({"stored": stored, "model": attributed.model, "known_model": attributed.known,
                             "request_id": event.request_id, "kind": event.kind})

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

    return Starlette(routes=[
        Route("/", receive, methods=["POST"]),
        Route("/events", receive, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ], lifespan=lifespan)


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
