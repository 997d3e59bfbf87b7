"""How the pieces meet in a cluster: sticky ingress, the log sink and its logger spec, scraping, reach.

The NetworkPolicy checks read the rendered policies as data: who may the app talk to, and is there
any rule that would open everything.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from .manifests import DEPLOY, OVERLAYS, named, of_kind


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_keeps_each_browser_on_its_replica(rendered, overlay):
    ingress = named(rendered[overlay], "Ingress", "mds-workbench")
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    assert notes["nginx.ingress.kubernetes.io/session-cookie-name"]
    # Streamlit's own maxUploadSize is 1024 MB; the ingress must not refuse smaller files.
    assert notes["nginx.ingress.kubernetes.io/proxy-body-size"] == "1024m"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = named(rendered[overlay], "Service", backend["name"])
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_production_ingress_has_tls(rendered):
    ingress = named(rendered["production"], "Ingress", "mds-workbench")
    assert ingress["spec"]["tls"][0]["secretName"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/session-cookie-secure"] == "true"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_log_sink_runs_mds_logs_serve_behind_its_own_service(rendered, overlay):
    sink = named(rendered[overlay], "Deployment", "mds-workbench-logsink")
    (container,) = sink["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["mds", "logs", "serve", "--host", "0.0.0.0", "--port", "8080"]
    assert container["image"] == named(rendered[overlay], "Deployment", "mds-workbench")["spec"]["template"]["spec"][
        "containers"][0]["image"], "one image for the app and the sink"
    service = named(rendered[overlay], "Service", "mds-workbench-logsink")
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    assert sink["spec"]["template"]["spec"]["automountServiceAccountToken"] is False, "the sink needs no API access"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_sink_metrics_are_scraped(rendered, overlay):
    pod = named(rendered[overlay], "Deployment", "mds-workbench-logsink")["spec"]["template"]["metadata"]
    notes = pod["annotations"]
    assert notes["prometheus.io/scrape"] == "true" and notes["prometheus.io/path"] == "/metrics"
    assert notes["prometheus.io/port"] == "8080"
    monitors = of_kind(rendered[overlay], "ServiceMonitor")
    if overlay == "production":
        monitor = named(monitors, "ServiceMonitor", "mds-workbench-logsink")  # the health exporter has its own
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]
        service = named(rendered[overlay], "Service", "mds-workbench-logsink")
        labels = service["metadata"]["labels"]
        assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_example_seldon_deployment_logs_to_the_sink(rendered):
    doc = yaml.safe_load((DEPLOY / "examples" / "seldondeployment-with-logger.yaml").read_text())
    assert doc["apiVersion"] == "machinelearning.seldon.io/v1" and doc["kind"] == "SeldonDeployment"
    namespace = named(rendered["production"], "Deployment", "mds-workbench-logsink")["metadata"]["namespace"]
    for predictor in doc["spec"]["predictors"]:
        logger = predictor["graph"]["logger"]
        assert logger == {"mode": "all", "url": f"http://mds-workbench-logsink.{namespace}/"}


def test_example_experiment_follows_the_crd():
    doc = yaml.safe_load((DEPLOY / "examples" / "experiment.yaml").read_text())
    assert doc["apiVersion"] == "mlops.seldon.io/v1alpha1" and doc["kind"] == "Experiment"
    spec = doc["spec"]
    assert all(set(c) == {"name", "weight"} and isinstance(c["weight"], int) for c in spec["candidates"])
    assert set(spec["mirror"]) == {"name", "percent"} and spec["default"] in {c["name"] for c in spec["candidates"]}


def _egress(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return policy["spec"].get("egress") or []


def _peer_namespaces(peer: dict[str, Any]) -> set[str]:
    selector = peer.get("namespaceSelector") or {}
    names = set((selector.get("matchLabels") or {}).values())
    for expr in selector.get("matchExpressions") or ():
        names.update(expr["values"])
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_leave_nothing_wide_open(rendered, overlay):
    policies = {p["metadata"]["name"]: p for p in of_kind(rendered[overlay], "NetworkPolicy")}
    assert {"mds-workbench-app", "mds-workbench-logsink"} <= set(policies)
    for name, policy in policies.items():
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}, name
        for rule in _egress(policy) + (policy["spec"].get("ingress") or []):
            peers = rule.get("to", rule.get("from"))
            assert peers, f"{name}: a rule with no peers allows every address"
            for peer in peers:
                assert peer.get("namespaceSelector") != {}, f"{name}: an empty namespaceSelector is every namespace"
                if overlay == "production" and "ipBlock" in peer:
                    assert peer["ipBlock"]["cidr"] != "0.0.0.0/0", f"{name}: production allows any address"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_app_reaches_only_dns_seldon_database_prometheus_and_the_api(rendered, overlay):
    app = named(rendered[overlay], "NetworkPolicy", "mds-workbench-app")
    reached: dict[str, set[int]] = {}
    for rule in _egress(app):
        ports = {p["port"] for p in rule.get("ports") or ()}
        for peer in rule["to"]:
            if "ipBlock" in peer:
                key = "api"
            elif (peer.get("podSelector") or {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "database":
                key = "database"
            else:
                key = ",".join(sorted(_peer_namespaces(peer)))
            reached.setdefault(key, set()).update(ports)
    assert reached.pop("kube-system") == {53}
    # Prometheus for Monitor; in production (components/alerts) Alertmanager too, for the Health page
    assert reached.pop("monitoring") == ({9090, 9093} if overlay == "production" else {9090})
    assert reached.pop("database") == {5432}
    assert reached.pop("api") == {443, 6443}
    (seldon,) = reached
    assert set(seldon.split(",")) <= {"seldon", "seldon-mesh", "istio-system"}
    ingress_from = {ns for rule in app["spec"]["ingress"] for peer in rule["from"] for ns in _peer_namespaces(peer)}
    assert ingress_from == {"ingress-nginx"}


def test_demo_database_takes_only_the_app_and_the_sink(rendered):
    db = named(rendered["demo"], "NetworkPolicy", "mds-workbench-postgresql")
    (rule,) = db["spec"]["ingress"]
    (peer,) = rule["from"]
    assert set(peer["podSelector"]["matchExpressions"][0]["values"]) == {"mds-workbench", "mds-workbench-logsink"}
    pod_labels = named(rendered["demo"], "Deployment", "mds-workbench-postgresql")["spec"]["template"]["metadata"]["labels"]
    app = named(rendered["demo"], "NetworkPolicy", "mds-workbench-app")
    (db_rule,) = [r for r in _egress(app) if 5432 in {p["port"] for p in r.get("ports") or ()}]
    assert db_rule["to"][0]["podSelector"]["matchLabels"].items() <= pod_labels.items(), "the app's egress misses the database"
