"""The embedded MDS runs Prometheus beside the models; without the binary the models still run."""

from __future__ import annotations

import sys
import time

import pytest
import requests
import yaml

from embedded_mds import local_mds, processes
from embedded_mds.layout import HomeLayout
from embedded_mds.ports import LocalPorts
from embedded_mds.prometheus import PROMETHEUS, prometheus_config, scrape_targets, targets_from_servers
from embedded_mds.server_specs import ServerSpec
from embedded_mds.startup import startable
from workbench.monitor.prometheus_api import configured_api, prometheus_url
from workbench.monitor.prometheus_errors import PrometheusNotConfigured
from workbench.settings import Settings

TIMEOUT = (2, 10)


@pytest.fixture(scope="module")
def mds(tmp_path_factory):
    home = tmp_path_factory.mktemp("mds-prom")
    running = local_mds.up(home, LocalPorts.free(), alibi=False, mlflow=False, timeout=90)
    yield running
    local_mds.down(home)


def test_prometheus_runs_on_loopback_and_scrapes_every_server(mds):
    assert not mds.failures
    server = next(s for s in mds.servers if s["name"] == PROMETHEUS)
    assert server["url"].startswith("http://127.0.0.1:") and server["core"] is False
    config = yaml.safe_load(HomeLayout(mds.home).prometheus_config.read_text())
    assert config["global"]["scrape_interval"] == "2s"
    scraped = {g["labels"]["server"] for job in config["scrape_configs"] for g in job["static_configs"]}
    assert scraped == {s["name"] for s in mds.servers if s["name"] != PROMETHEUS}
    deadline = time.monotonic() + 20
    while True:  # Prometheus applies its targets seconds after it is ready; MLServer opens metrics late
        result = requests.get(f"{server['url']}/api/v1/query", params={"query": "up"}, timeout=TIMEOUT).json()
        up = {r["metric"]["server"]: r["value"][1] for r in result["data"]["result"]}
        if up == dict.fromkeys(scraped, "1") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert up == dict.fromkeys(scraped, "1")
    assert f"--storage.tsdb.path={HomeLayout(mds.home).prometheus_data}" in processes.cmdline(server["pid"])


def test_the_app_finds_the_embedded_prometheus_when_no_url_is_set(mds):
    url = next(s["url"] for s in mds.servers if s["name"] == PROMETHEUS)
    assert prometheus_url(Settings(home=mds.home, prometheus_url="")) == url
    assert prometheus_url(Settings(home=mds.home, prometheus_url="http://prom:9090")) == "http://prom:9090"
    with configured_api(Settings(home=mds.home)) as api:
        assert len(api.instant("up")) >= 2


def test_no_prometheus_anywhere_says_so(tmp_path):
    settings = Settings(home=tmp_path, prometheus_url="")
    assert prometheus_url(settings) is None
    with pytest.raises(PrometheusNotConfigured, match="WORKBENCH_PROMETHEUS_URL"):
        configured_api(settings)


def test_a_missing_binary_is_recorded_and_the_rest_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_BINARY", str(tmp_path / "no-prometheus"))
    from embedded_mds.prometheus import prometheus_spec

    ports = LocalPorts.free()
    core = ServerSpec(name="mlserver", kind="mlserver", argv=[sys.executable], host=ports.host,
                      ports={"http": ports.mlserver_http, "metrics": ports.mlserver_metrics}, ready_paths=[], models=[])
    failures: dict[str, str] = {}
    specs = startable([core, prometheus_spec(HomeLayout(tmp_path), ports, [core])], failures)
    assert [s.name for s in specs] == ["mlserver"]
    assert "apt-get install prometheus" in failures[PROMETHEUS] and "no-prometheus" in failures[PROMETHEUS]


def test_scrape_configuration_has_one_job_per_kind_and_the_sink():
    specs = [
        ServerSpec("mlserver", "mlserver", [], "127.0.0.1", {"http": 1, "grpc": 2, "metrics": 3}, [], []),
        ServerSpec("wine-v1", "seldon", [], "127.0.0.1", {"http": 4, "metrics": 5}, [], []),
        ServerSpec("echo-v1", "seldon", [], "127.0.0.1", {"http": 6, "metrics": 7}, [], []),
    ]
    config = prometheus_config(scrape_targets(specs, sink_port=8))
    jobs = {job["job_name"]: [g["targets"][0] for g in job["static_configs"]] for job in config["scrape_configs"]}
    assert jobs == {"mlserver": ["127.0.0.1:3"], "seldon": ["127.0.0.1:5", "127.0.0.1:7"], "sink": ["127.0.0.1:8"]}
    records = [{"name": "alibi", "kind": "mlserver", "url": "http://127.0.0.1:10", "ports": {"metrics": 12}}]
    assert [(t.job, t.address) for t in targets_from_servers(records)] == [("alibi", "127.0.0.1:12")]
