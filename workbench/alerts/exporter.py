"""The health exporter: model health for Prometheus to scrape, and the webhook Alertmanager posts to.

    GET  /metrics   model health per window (`health_metrics`) and the receiver's own counters
    POST /alerts    an Alertmanager webhook notification (``Authorization: Bearer <token>``): 200 with how
                    many alerts were new and how many repeated; 401 without the token, 400 for a body that is
                    not a notification, 503 when the store cannot write (Alertmanager retries); all counted
    GET  /health    {"status": "ok", "models": N, "refreshed": ...}

A thread refreshes the numbers every ``refresh_seconds`` (`HealthMonitor.refresh`: a complete window's drift
and outliers are computed once); a scrape only writes out the last refresh, so it costs the same with one
model or fifty. ``python -m workbench.alerts`` runs it (what the embedded MDS starts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.alerts.health_metrics import render
from workbench.alerts.receiver import MalformedNotification, authorised, parse
from workbench.monitor.model_health import HealthMonitor, ModelHealth
from workbench.store.alerts import store_notifications

log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 30.0
WEBHOOK_PATH = "/alerts"


class HealthExporter:
    """The last refresh's numbers, the thread that refreshes them, and the registry a scrape reads."""

    def __init__(self, monitor: HealthMonitor, *, refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
                 on_start: Callable[[], None] | None = None) -> None:
        self.monitor, self.refresh_seconds, self.on_start = monitor, refresh_seconds, on_start
        self._snapshot: dict[str, ModelHealth] = {}
        self.refreshed: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.registry = CollectorRegistry()  # the exporter's own counters; the health gauges are `render`'s
        self.refresh_seconds_gauge = Gauge("mds_health_refresh_seconds", "Seconds the last refresh took.",
                                           registry=self.registry)
        self.stored = Counter("mds_alert_webhook_alerts_stored", "Alerts stored by the webhook receiver, by status.",
                              ["status"], registry=self.registry)
        self.repeats = Counter("mds_alert_webhook_alerts_repeated", "Alerts received again and not stored again.",
                               registry=self.registry)
        self.rejected = Counter("mds_alert_webhook_rejected", "Webhook posts refused, by reason.", ["reason"],
                                registry=self.registry)

    def snapshot(self) -> dict[str, ModelHealth]:
        return self._snapshot

    def refresh_once(self, now: datetime | None = None) -> dict[str, ModelHealth]:
        started = time.perf_counter()
        self._snapshot = self.monitor.refresh(now)  # one assignment: a scrape sees the old or the new, whole
        self.refreshed = datetime.now(UTC)
        self.refresh_seconds_gauge.set(time.perf_counter() - started)
        return self._snapshot

    def _run(self) -> None:
        if self.on_start is not None:
            try:
                self.on_start()
            except Exception:  # publishing the rules must not stop the numbers
                log.exception("the exporter's start-up task failed")
        while not self._stop.is_set():
            try:
                self.refresh_once()
            except Exception:  # a bug in one refresh must not stop the next one
                log.exception("health refresh failed")
            # no models yet (the embedded MDS writes its catalog once every server is up): look again soon
            self._stop.wait(self.refresh_seconds if self._snapshot else min(self.refresh_seconds, 2.0))

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="health-refresh", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None


def create_app(engine: Engine, exporter: HealthExporter, *, token: str, background: bool = True) -> Starlette:
    """The exporter's ASGI app writing notifications to ``engine`` (migrated); ``background`` False: no thread
    (tests call ``exporter.refresh_once`` themselves)."""

    async def metrics(_: Request) -> Response:
        body = render(exporter.snapshot(), exporter.monitor.width.total_seconds()).encode()
        return Response(body + generate_latest(exporter.registry), media_type=CONTENT_TYPE_LATEST)

    async def health(_: Request) -> Response:
        refreshed = exporter.refreshed.isoformat() if exporter.refreshed else None
        return _json({"status": "ok", "models": len(exporter.snapshot()), "refreshed": refreshed})

    async def webhook(request: Request) -> Response:
        if not token:
            exporter.rejected.labels(reason="no_token_configured").inc()
            return _json({"error": "no_token_configured", "message": "This receiver has no token configured "
                          "(WORKBENCH_ALERT_WEBHOOK_TOKEN), so it accepts no notification."}, 403)
        if not authorised(request.headers.get("authorization"), token):
            exporter.rejected.labels(reason="unauthorised").inc()
            return _json({"error": "unauthorised", "message": "Send the shared token: Authorization: Bearer "
                          "<token> (Alertmanager: http_config.authorization.credentials_file)."}, 401)
        try:
            items = parse(await request.body())
        except MalformedNotification as exc:
            exporter.rejected.labels(reason=exc.reason).inc()
            return _json({"error": exc.reason, "message": str(exc)}, 400)
        try:
            fresh = await asyncio.to_thread(store_notifications, engine, items)
        except SQLAlchemyError as exc:
            exporter.rejected.labels(reason="store_unavailable").inc()
            return _json({"error": "store_unavailable", "message": f"The store could not write: {exc}"}, 503)
        for item, new in zip(items, fresh, strict=True):
            if new:
                exporter.stored.labels(status=item.status).inc()
            else:
                exporter.repeats.inc()
        return _json({"stored": sum(fresh), "repeated": len(fresh) - sum(fresh)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if background:
            exporter.start()
        try:
            yield
        finally:
            exporter.stop()

    return Starlette(routes=[
        Route("/metrics", metrics, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route(WEBHOOK_PATH, webhook, methods=["POST"]),
    ], lifespan=lifespan)


def _json(doc: dict[str, object], status_code: int = 200) -> Response:
    return Response(orjson.dumps(doc), status_code=status_code, media_type="application/json")
