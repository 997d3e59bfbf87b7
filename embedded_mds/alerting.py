"""Alerting in the embedded MDS: the health exporter and Debian's Alertmanager, both optional servers.

- ``health`` (``python -m workbench.alerts``, app venv, port 9531): model health per window for Prometheus to
  scrape (windows of ``DEMO_WINDOW_SECONDS``, short so a demo's drift fires in minutes), and the webhook
  Alertmanager posts to. At its start it writes the alert rules to ``<home>/prometheus/rules/`` and asks
  Prometheus to reload them.
- ``alertmanager`` (Debian's ``/usr/bin/prometheus-alertmanager`` 0.25, port 9541): Prometheus sends it the
  firing alerts; ``<home>/alerting/alertmanager.yml`` routes them to the health exporter's webhook with a
  token made at first start (``<home>/alerting/webhook-token``). Its cluster port is off (a laptop is no
  cluster). Like Prometheus it is optional: without the binary ``LocalMDS.failures`` says how to install it.

``alertmanager.yml`` is rewritten at each start while its first line is the ``MANAGED`` marker; delete that
line to keep your own receivers (email, a chat webhook): docs/alerts.md shows how.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from embedded_mds.layout import app_python
from embedded_mds.server_specs import ServerSpec

if TYPE_CHECKING:
    from embedded_mds.layout import HomeLayout
    from embedded_mds.ports import LocalPorts

HEALTH = "health"
ALERTMANAGER = "alertmanager"
BINARY_ENV = "WORKBENCH_ALERTMANAGER_BINARY"
DEFAULT_BINARY = Path("/usr/bin/prometheus-alertmanager")
DEMO_WINDOW_SECONDS = 60
"""The embedded MDS's health windows: a minute, so drift two windows in a row fires minutes after it starts
(a cluster's default is an hour: WORKBENCH_HEALTH_WINDOW_SECONDS)."""
WEBHOOK_PATH = "/alerts"
MANAGED = "# written by the embedded MDS at each start; delete this line to keep your own changes"
# Short so that a demo's alert reaches the app within seconds of firing; Alertmanager's defaults are 30 s / 5 m / 4 h.
GROUP_WAIT, GROUP_INTERVAL, REPEAT_INTERVAL = "5s", "30s", "4h"


def alertmanager_binary() -> Path:
    return Path(os.environ.get(BINARY_ENV) or DEFAULT_BINARY)


def webhook_token(layout: HomeLayout) -> Path:
    """The shared token of the webhook, made once per home (readable by its owner only)."""
    path = layout.webhook_token
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path


def alertmanager_config(webhook_url: str, token_file: Path, *, group_wait: str = GROUP_WAIT,
                        group_interval: str = GROUP_INTERVAL, repeat_interval: str = REPEAT_INTERVAL) -> dict[str, Any]:
    """Every alert to the workbench's webhook, grouped by alert and model; resolved ones too."""
    return {
        "route": {
            "receiver": "workbench",
            "group_by": ["alertname", "model"],
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        },
        "receivers": [{
            "name": "workbench",
            "webhook_configs": [{
                "url": webhook_url,
                "send_resolved": True,
                "http_config": {"authorization": {"type": "Bearer", "credentials_file": str(token_file)}},
            }],
        }],
    }


def write_alertmanager_config(path: Path, doc: dict[str, Any]) -> bool:
    """Write ``alertmanager.yml`` unless an operator took it over (no marker line); whether it was written."""
    if path.exists() and not path.read_text().startswith(MANAGED):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yml.tmp")
    tmp.write_text(MANAGED + "\n# Add receivers and routes as docs/alerts.md shows (email, a chat webhook).\n"
                   + yaml.safe_dump(doc, sort_keys=False))
    tmp.replace(path)
    return True


def health_spec(layout: HomeLayout, ports: LocalPorts, *, prometheus_url: str | None,
                window_seconds: float = DEMO_WINDOW_SECONDS) -> ServerSpec:
    """The health exporter and webhook receiver (app venv), reading the MDS's own catalog and store."""
    return ServerSpec(
        name=HEALTH, kind="health", host=ports.host, ports={"http": ports.health_http}, ready_paths=["/health"],
        models=[], core=False,
        argv=[str(app_python()), "-m", "workbench.alerts", "--host", ports.host, "--port", str(ports.health_http),
              "--window-seconds", f"{window_seconds:g}", "--catalog", str(layout.catalog),
              "--token-file", str(webhook_token(layout)), "--rules-file", str(layout.alert_rules),
              *(["--prometheus-url", prometheus_url] if prometheus_url else [])],
    )


def alertmanager_spec(layout: HomeLayout, ports: LocalPorts) -> ServerSpec:
    """Debian's Alertmanager routing to the health exporter's webhook."""
    webhook = f"http://{ports.host}:{ports.health_http}{WEBHOOK_PATH}"
    write_alertmanager_config(layout.alertmanager_config, alertmanager_config(webhook, webhook_token(layout)))
    return ServerSpec(
        name=ALERTMANAGER, kind="alertmanager", host=ports.host, ports={"http": ports.alertmanager_http},
        ready_paths=["/-/ready"], models=[], core=False,
        argv=alertmanager_argv(layout.alertmanager_config, layout.alertmanager_data, ports.host,
                               ports.alertmanager_http),
    )


def alertmanager_argv(config: Path, data: Path, host: str, port: int, *, binary: Path | None = None) -> list[str]:
    return [
        str(binary or alertmanager_binary()),
        f"--config.file={config}",
        f"--storage.path={data}",
        f"--web.listen-address={host}:{port}",
        f"--web.external-url=http://{host}:{port}",
        "--cluster.listen-address=",  # no gossip port: one Alertmanager, and nothing listening on 0.0.0.0
        "--log.level=warn",
    ]


def alerting_specs(layout: HomeLayout, ports: LocalPorts, failures: dict[str, str], *,
                   alertmanager: bool = True) -> list[ServerSpec]:
    """The health exporter, and Alertmanager when wanted and installed (else why not, in ``failures``)."""
    specs = [health_spec(layout, ports, prometheus_url=f"http://{ports.host}:{ports.prometheus_http}")]
    if alertmanager:
        if alertmanager_binary().exists():
            specs.append(alertmanager_spec(layout, ports))
        else:
            failures[ALERTMANAGER] = (f"{alertmanager_binary()} is not installed: alerts are computed but nobody is "
                                      "told. Install Debian's prometheus-alertmanager (apt-get install "
                                      "prometheus-alertmanager) or set WORKBENCH_ALERTMANAGER_BINARY.")
    return specs
