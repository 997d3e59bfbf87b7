"""Prometheus for the embedded MDS: a ``prometheus.yml`` scraping the servers, and its server spec.

`write_config` writes a scrape configuration (one job per server kind, a ``server`` label per
process, a short interval so a demo's charts move); `prometheus_spec` turns it into an optional
`ServerSpec` that runs Debian's ``/usr/bin/prometheus`` (2.42) on 127.0.0.1 with its TSDB under
``<home>/prometheus/data``. Like the alibi server it is optional: a missing binary or a taken port
is recorded in ``LocalMDS.failures`` and the models keep running. Its URL is the ``prometheus``
server's ``url`` in state.json, which `workbench.monitor.prometheus_api` reads when
``WORKBENCH_PROMETHEUS_URL`` is empty.

What each server publishes, read from their ``/metrics`` after predictions and feedback
(MLServer 1.7.1, seldon-core 1.18.2; tests/workbench/monitor/test_prometheus.py keeps checking it):
- MLServer's metrics port, per model with labels ``model`` (the V2 name) and ``version`` ("None"
  when unset): ``model_infer_request_success_total``, ``model_infer_request_failure_total``
  (created at 0 by a model's first call; a call to an unknown model is a failure under that name;
  a body that does not parse is refused with 422 and counts in neither) and
  ``model_infer_request_duration`` as a *Summary* (``_count`` / ``_sum``, no quantiles, so only
  a mean per model). The REST layer (starlette_exporter) adds ``rest_server_requests_total`` and
  the histogram ``rest_server_request_duration_seconds`` labelled by route template
  (``path="/v2/models/{model_name}/infer"``) and ``status_code``, not by model: percentiles
  are per server. Plus queue gauges and Python process metrics. The metrics port opens a moment
  after the server reports ready, so the first scrape may fail.
- seldon-core's microservice metrics port: DESIGN.md section 7 is right. After predictions the
  page is empty and stays byte-for-byte the same; feedback with reward 0 changes nothing either;
  feedback with a non-zero reward adds ``seldon_api_model_feedback_total`` and
  ``seldon_api_model_feedback_reward_total`` (labels ``model_name`` = the predictive unit,
  ``deployment_name``, ``predictor_name``, ``model_image``, ``model_version``, ``method="feedback"``
  and ``worker_id``, one series per gunicorn worker: always sum them). A model's custom metrics (its ``metrics()`` method) would appear
  there too; our demo models define none. Request rate and latency of v1 models come from
  Seldon's executor in a cluster (``seldon_api_executor_server_requests_seconds_*``), which
  cannot run here: the request-log sink is the place for them.
- Triton's metrics port (tritonserver 2.51, CPU): per model with labels ``model`` and ``version``,
  ``nv_inference_request_success`` / ``_failure``, ``nv_inference_count`` (rows), ``nv_inference_exec_count``
  and cumulative durations in microseconds (``nv_inference_request_duration_us``, ``_queue_``, ``_compute_*``);
  series exist from the start at 0. Plus ``nv_cpu_*`` of the machine.
- A counter series appears with its first value, and Prometheus's ``rate``/``increase`` cannot
  see that first step (Prometheus 2.42 has no created-timestamp handling): the first rewarded
  feedback of a model after a restart is missing from ``increase``, though not from the totals.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from embedded_mds.server_specs import ServerSpec

if TYPE_CHECKING:
    from embedded_mds.layout import HomeLayout
    from embedded_mds.ports import LocalPorts
    from embedded_mds.server_specs import ServerSpec

PROMETHEUS = "prometheus"
BINARY_ENV = "WORKBENCH_PROMETHEUS_BINARY"
DEFAULT_BINARY = Path("/usr/bin/prometheus")
# Short so that a demo's charts move within a minute; a cluster's Prometheus typically scrapes every 15-30 s.
SCRAPE_INTERVAL = "2s"
SCRAPE_TIMEOUT = "1s"
RETENTION = "15d"
RULE_FILES = "rules/*.yml"  # relative to prometheus.yml; the health exporter writes the alert rules there
METRICS_PATH = "/metrics"
READY_PATH = "/-/ready"


@dataclass(frozen=True)
class ScrapeTarget:
    """One ``/metrics`` endpoint: ``job`` groups servers of one kind, ``server`` names the process."""

    job: str
    server: str
    host: str
    port: int
    path: str = METRICS_PATH

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def prometheus_binary() -> Path:
    return Path(os.environ.get(BINARY_ENV) or DEFAULT_BINARY)


def scrape_targets(specs: Iterable[ServerSpec], *, sink_port: int | None = None,
                   host: str = "127.0.0.1") -> list[ScrapeTarget]:
    """The metrics endpoints of `specs` (MLServers, seldon microservices, a sink), plus a sink port."""
    targets = [t for spec in specs if (t := _target(spec.name, spec.kind, spec.host, spec.ports))]
    if sink_port is not None and not any(t.job == "sink" for t in targets):
        targets.append(ScrapeTarget("sink", "sink", host, sink_port))
    return targets


def targets_from_servers(servers: Iterable[dict[str, Any]]) -> list[ScrapeTarget]:
    """The same from the server records of state.json (what `LocalMDS.servers` holds)."""
    targets = []
    for server in servers:
        host = urlsplit(server["url"]).hostname or "127.0.0.1"
        if target := _target(server["name"], server["kind"], host, server["ports"]):
            targets.append(target)
    return targets


def _target(name: str, kind: str, host: str, ports: dict[str, int]) -> ScrapeTarget | None:
    if kind == "sink":  # the request-log sink serves /metrics beside its event endpoint
        return ScrapeTarget("sink", name, host, ports["http"])
    if kind in ("health", "alertmanager"):  # model health per window (embedded_mds/alerting.py); Alertmanager's own
        return ScrapeTarget(kind, name, host, ports["http"])
    if kind in ("mlserver", "seldon", "triton") and "metrics" in ports:
        # One job for all seldon microservices (one per model); each MLServer (and Triton: nv_inference_*) is its own job.
        return ScrapeTarget("seldon" if kind == "seldon" else name, name, host, ports["metrics"])
    return None


def prometheus_config(targets: Iterable[ScrapeTarget], *, interval: str = SCRAPE_INTERVAL,
                      timeout: str = SCRAPE_TIMEOUT, alertmanagers: Iterable[str] = ()) -> dict[str, Any]:
    """The prometheus.yml document: one scrape job per kind, each target labelled with its server; the alert
    rules under ``rules/`` beside it, and the Alertmanagers (``host:port``) they are sent to."""
    jobs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for target in targets:
        jobs.setdefault((target.job, target.path), []).append(
            {"targets": [target.address], "labels": {"server": target.server}})
    doc: dict[str, Any] = {
        "global": {"scrape_interval": interval, "scrape_timeout": timeout, "evaluation_interval": interval},
        "rule_files": [RULE_FILES],
        "scrape_configs": [
            {"job_name": job, "metrics_path": path, "static_configs": groups}
            for (job, path), groups in jobs.items()
        ],
    }
    if alertmanagers := list(alertmanagers):
        doc["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": alertmanagers}]}]}
    return doc


def write_config(path: Path, targets: Iterable[ScrapeTarget], *, interval: str = SCRAPE_INTERVAL,
                 alertmanagers: Iterable[str] = ()) -> Path:
    """Write prometheus.yml atomically (Prometheus may be reading the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yml.tmp")
    doc = prometheus_config(targets, interval=interval, alertmanagers=alertmanagers)
    tmp.write_text("# written by the embedded MDS\n" + yaml.safe_dump(doc, sort_keys=False))
    tmp.replace(path)
    return path


def prometheus_argv(config: Path, data_dir: Path, host: str, port: int, *, binary: Path | None = None,
                    retention: str = RETENTION) -> list[str]:
    return [
        str(binary or prometheus_binary()),
        f"--config.file={config}",
        f"--web.listen-address={host}:{port}",
        f"--storage.tsdb.path={data_dir}",
        f"--storage.tsdb.retention.time={retention}",
        "--web.enable-lifecycle",  # POST /-/reload: the workbench rewrites the alert rules when someone changes them
        "--log.level=warn",
    ]


def prometheus_spec(layout: HomeLayout, ports: LocalPorts, specs: Iterable[ServerSpec], *,
                    sink_port: int | None = None) -> ServerSpec:
    """Write ``<home>/prometheus/prometheus.yml`` for `specs` and return the optional server that reads it;
    alerts go to the Alertmanager among `specs`, if one is."""
    specs = list(specs)
    alertmanagers = [f"{s.host}:{s.ports['http']}" for s in specs if s.kind == "alertmanager"]
    config = write_config(layout.prometheus_config, scrape_targets(specs, sink_port=sink_port, host=ports.host),
                          alertmanagers=alertmanagers)
    return ServerSpec(
        name=PROMETHEUS, kind="prometheus",
        argv=prometheus_argv(config, layout.prometheus_data, ports.host, ports.prometheus_http),
        host=ports.host, ports={"http": ports.prometheus_http}, ready_paths=[READY_PATH], models=[], core=False,
    )
