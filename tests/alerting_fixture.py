"""``alerting``: one alerting stack per session (per pytest-xdist worker): the health exporter (in this process, its numbers set by the test),
Debian's Prometheus scraping it and evaluating the default rules every second, and Debian's Alertmanager
posting to the exporter's webhook, on 127.0.0.1 free ports.

The exporter's `HealthMonitor` is replaced by `SetHealth`, whose models and numbers a test sets: the rules,
Prometheus, Alertmanager, the webhook and the store are the real ones. Intervals are short (scrape and
evaluation 1 s; Alertmanager's group wait and interval 1 s, repeat 2 s) so a rule fires and resolves in
seconds.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
import yaml

from embedded_mds import processes
from embedded_mds.alerting import alertmanager_argv, alertmanager_binary, alertmanager_config
from embedded_mds.prometheus import READY_PATH, ScrapeTarget, prometheus_argv, prometheus_binary, write_config
from workbench.alerts.exporter import HealthExporter, create_app
from workbench.alerts.rules import rule_groups
from workbench.monitor.model_health import ModelHealth, WindowHealth
from workbench.store import open_store

TOKEN = "test-webhook-token-0123456789abcdef"
WIDTH = timedelta(seconds=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CALM = {"calls": 100, "errors": 0, "latency_p95_seconds": 0.02, "tested_rows": 100, "min_p_value": 0.4,
        "drifting_features": 0, "outlier_ratio": 0.05, "estimated_accuracy": 0.9}


def health(model: str, *, last: dict | None = None, previous: dict | None = None, recent: dict | None = None,
           usual: float = 100.0, reference: float | None = 0.92) -> ModelHealth:
    """A model with 100 calls a window and nothing wrong, except the numbers given per window."""
    now = datetime.now(UTC)
    return ModelHealth(model, WIDTH.total_seconds(), WindowHealth(now - WIDTH, now, **{**CALM, **(last or {})}),
                       WindowHealth(now - 2 * WIDTH, now - WIDTH, **{**CALM, **(previous or {})}),
                       WindowHealth(now - 24 * WIDTH, now, **{"calls": 2400, **(recent or {})}), usual, reference, now)


@dataclass
class SetHealth:
    """A HealthMonitor whose answer the test sets."""

    width: timedelta = WIDTH
    models: dict[str, ModelHealth] = field(default_factory=dict)

    def refresh(self, now: datetime | None = None) -> dict[str, ModelHealth]:
        return dict(self.models)


@dataclass
class AlertingStack:
    exporter_url: str
    prometheus_url: str
    alertmanager_url: str
    health: SetHealth
    exporter: HealthExporter
    engine: object
    database_url: str

    def set(self, *models: ModelHealth) -> None:
        self.health.models = {m.model: m for m in models}
        self.exporter.refresh_once()


def _wait(url: str, process, log: Path, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not processes.http_ok(url):
        if process.poll() is not None or time.monotonic() > deadline:
            processes.stop_group(process.pid)
            pytest.fail(f"{what} did not start: {processes.log_tail(log)}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def alerting(tmp_path_factory):
    for binary in (prometheus_binary(), alertmanager_binary()):
        if not binary.exists():
            pytest.fail(f"{binary} is missing: apt-get install prometheus prometheus-alertmanager (.ci/run does)")
    folder = tmp_path_factory.mktemp("alerting")
    database_url = f"sqlite:///{folder / 'workbench.db'}"
    engine = open_store(database_url)
    health = SetHealth()
    exporter = HealthExporter(health)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine, exporter, token=TOKEN, background=False),
                                           host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    exporter_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while not processes.http_ok(exporter_url + "/health"):
        assert time.monotonic() < deadline, "the exporter did not start"
        time.sleep(0.05)

    token_file = folder / "webhook-token"
    token_file.write_text(TOKEN)
    am_port = free_port()
    am_config = alertmanager_config(f"{exporter_url}/alerts", token_file, group_wait="1s", group_interval="1s",
                                    repeat_interval="2s")
    (folder / "alertmanager.yml").write_text(yaml.safe_dump(am_config))
    am_log = folder / "alertmanager.log"
    am = processes.start_process(alertmanager_argv(folder / "alertmanager.yml", folder / "am-data", "127.0.0.1", am_port),
                                 log_path=am_log, env={}, cwd=folder)
    alertmanager_url = f"http://127.0.0.1:{am_port}"
    _wait(alertmanager_url + "/-/ready", am, am_log, "alertmanager")

    (folder / "rules").mkdir()
    (folder / "rules" / "mds-model-health.yml").write_text(yaml.safe_dump(rule_groups(), sort_keys=False))
    config = write_config(folder / "prometheus.yml", [ScrapeTarget("health", "health", "127.0.0.1", port)],
                          interval="1s", alertmanagers=[f"127.0.0.1:{am_port}"])
    prom_port = free_port()
    prom_log = folder / "prometheus.log"
    argv = [*prometheus_argv(config, folder / "data", "127.0.0.1", prom_port), "--rules.alert.resend-delay=1s"]
    prom = processes.start_process(argv, log_path=prom_log, env={}, cwd=folder)
    prometheus_url = f"http://127.0.0.1:{prom_port}"
    _wait(prometheus_url + READY_PATH, prom, prom_log, "prometheus")
    yield AlertingStack(exporter_url, prometheus_url, alertmanager_url, health, exporter, engine, database_url)
    processes.stop_groups([prom.pid, am.pid])
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
