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
        deadline = time.monotonic() + 30  # a Prometheus that has just started has scraped nothing yet
        while len(up := api.instant("up")) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(up) >= 2


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


# -- alerting beside Prometheus: the health exporter and Alertmanager (embedded_mds/alerting.py) -------------


def test_alerting_runs_beside_prometheus_and_alertmanager_routes_to_the_webhook(mds):
    from embedded_mds.alerting import ALERTMANAGER, HEALTH, MANAGED

    servers = {s["name"]: s for s in mds.servers}
    for name in (HEALTH, ALERTMANAGER):
        assert servers[name]["url"].startswith("http://127.0.0.1:") and servers[name]["core"] is False
    prometheus = servers[PROMETHEUS]["url"]
    assert "--web.enable-lifecycle" in processes.cmdline(servers[PROMETHEUS]["pid"])
    deadline = time.monotonic() + 30
    while True:  # the exporter writes the rules at its start and asks Prometheus to reload them
        groups = requests.get(f"{prometheus}/api/v1/rules", timeout=TIMEOUT).json()["data"]["groups"]
        if groups or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [g["name"] for g in groups] == ["mds-model-health"]
    assert {r["name"] for r in groups[0]["rules"]} >= {"ModelDrift", "ModelNoTraffic", "ModelErrorRateHigh"}
    deadline = time.monotonic() + 30  # Prometheus finds its Alertmanager a moment after it loads its config
    while True:
        managers = requests.get(f"{prometheus}/api/v1/alertmanagers", timeout=TIMEOUT).json()["data"]
        if managers["activeAlertmanagers"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [m["url"] for m in managers["activeAlertmanagers"]] == [f"{servers[ALERTMANAGER]['url']}/api/v2/alerts"]
    layout = HomeLayout(mds.home)
    config = layout.alertmanager_config.read_text()
    assert config.startswith(MANAGED) and f"{servers[HEALTH]['url']}/alerts" in config
    assert (layout.webhook_token.stat().st_mode & 0o777) == 0o600
    assert requests.post(f"{servers[HEALTH]['url']}/alerts", json={}, timeout=TIMEOUT).status_code == 401
    while True:  # the first refresh lists the catalog's models, in 60-second windows
        metrics = requests.get(f"{servers[HEALTH]['url']}/metrics", timeout=TIMEOUT).text
        if 'mds_model_logged_calls{model="wine",window="last"}' in metrics or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert 'mds_model_logged_calls{model="wine",window="last"}' in metrics
    assert "mds_model_health_window_seconds 60.0" in metrics


def test_without_alertmanager_the_exporter_runs_and_the_reason_is_recorded(tmp_path, monkeypatch):
    from embedded_mds.alerting import ALERTMANAGER, alerting_specs

    monkeypatch.setenv("WORKBENCH_ALERTMANAGER_BINARY", str(tmp_path / "no-alertmanager"))
    failures: dict[str, str] = {}
    specs = alerting_specs(HomeLayout(tmp_path), LocalPorts.free(), failures)
    assert [s.name for s in specs] == ["health"]
    assert "apt-get install prometheus-alertmanager" in failures[ALERTMANAGER]
    assert "alerting" not in prometheus_config(scrape_targets(specs))


def test_an_operators_alertmanager_yml_is_kept(tmp_path):
    from embedded_mds.alerting import MANAGED, alertmanager_config, write_alertmanager_config

    path = tmp_path / "alertmanager.yml"
    doc = alertmanager_config("http://127.0.0.1:1/alerts", tmp_path / "token")
    assert write_alertmanager_config(path, doc) and path.read_text().startswith(MANAGED)
    path.write_text(path.read_text().replace(MANAGED + "\n", "") + "# my chat receiver\n")
    assert not write_alertmanager_config(path, doc) and path.read_text().endswith("# my chat receiver\n")


def test_a_models_rule_changed_in_the_workbench_reaches_the_embedded_prometheus(mds, tmp_path):
    from workbench.alerts.rule_settings import change_rule, reset_rule
    from workbench.store import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'wb.db'}")
    settings = Settings(home=mds.home, prometheus_url="", database_url=f"sqlite:///{tmp_path / 'wb.db'}")
    done = change_rule(engine, user="dana", model="wine", rule="ModelLatencyHigh", threshold=2.0, settings=settings)
    assert done.reloaded and done.path == HomeLayout(mds.home).alert_rules
    prometheus = next(s["url"] for s in mds.servers if s["name"] == PROMETHEUS)
    rules = requests.get(f"{prometheus}/api/v1/rules", timeout=TIMEOUT).json()["data"]["groups"][0]["rules"]
    latency = [r["query"] for r in rules if r["name"] == "ModelLatencyHigh"]
    assert len(latency) == 2 and any('model="wine"' in q and q.endswith("> 2") for q in latency)
    reset_rule(engine, user="dana", model="wine", rule="ModelLatencyHigh", settings=settings)
    rules = requests.get(f"{prometheus}/api/v1/rules", timeout=TIMEOUT).json()["data"]["groups"][0]["rules"]
    assert len([r for r in rules if r["name"] == "ModelLatencyHigh"]) == 1
