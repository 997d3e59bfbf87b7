"""The sink's own Prometheus metrics, on a registry per app (so tests can start many sinks).

Under ``--workers N`` (``workers.py``) each process counts into prometheus_client's multiprocess
files (``PROMETHEUS_MULTIPROC_DIR``, set by the supervisor before the workers import the client), and
``render`` sums every process's: a scrape answered by any worker says what all of them received.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

_TYPE_LABEL_MAX = 80  # an unknown Ce-Type is a label too: keep it short
_TYPE_CACHE_MAX = 64  # Ce-Types whose counter is kept at hand (the known ones and a few more)


class SinkMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter("mds_sink_events_received", "CloudEvents received, by Ce-Type.", ["type"],
                              registry=self.registry)
        self.rejects = Counter("mds_sink_events_rejected", "Events refused, by reason.", ["reason"],
                               registry=self.registry)
        self.rows = Counter("mds_sink_rows_stored", "Logged instances upserted (request and response parts).",
                            registry=self.registry)
        self.commits = Counter("mds_sink_commits", "Transactions committed (one holds every event queued meanwhile).",
                               registry=self.registry)
        self.write_seconds = Histogram(
            "mds_sink_write_seconds", "Seconds per group commit.", registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
        self._by_type: dict[str, Any] = {}

    def received(self, ce_type: str) -> None:
        child = self._by_type.get(ce_type)
        if child is None:  # labels() resolves the child on every call: once per type is enough
            child = self.events.labels(type=(ce_type or "none")[:_TYPE_LABEL_MAX])
            if len(self._by_type) < _TYPE_CACHE_MAX:
                self._by_type[ce_type] = child
        child.inc()

    def rejected(self, reason: str) -> None:
        self.rejects.labels(reason=reason).inc()

    def committed(self, rows: int, seconds: float) -> None:
        self.rows.inc(rows)
        self.commits.inc()
        self.write_seconds.observe(seconds)

    def render(self) -> tuple[bytes, str]:
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not folder:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST

        every_process = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_process, path=folder)
        return generate_latest(every_process), CONTENT_TYPE_LATEST
