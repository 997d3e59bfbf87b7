"""The cluster's PrometheusRule: what tools/alert_rules.py writes from the defaults, valid for promtool, and in
production with the health exporter Prometheus scrapes."""

from __future__ import annotations

import pytest
import yaml

from tools import alert_rules
from workbench.alerts import promtool
from workbench.alerts.rules import rule_groups

from .manifests import named


def test_the_committed_rule_file_is_what_the_tool_writes():
    assert alert_rules.main(["--check"]) == 0, "run .venvs/app/bin/python tools/alert_rules.py"
    resource = yaml.safe_load(alert_rules.RULE_FILE.read_text())
    assert resource["spec"] == rule_groups()


@pytest.mark.skipif(promtool.promtool_binary() is None, reason="promtool is not installed")
def test_promtool_accepts_the_cluster_rules():
    promtool.check_rules(yaml.safe_load(alert_rules.RULE_FILE.read_text())["spec"])


def test_production_scrapes_the_health_exporter_and_loads_the_rules(rendered):
    prod = rendered["production"]
    rule = named(prod, "PrometheusRule", "mds-workbench-model-health")
    assert rule["metadata"]["namespace"] == "mds-workbench" and rule["spec"] == rule_groups()
    exporter = named(prod, "Deployment", "mds-workbench-health")
    (container,) = exporter["spec"]["template"]["spec"]["containers"]
    assert container["command"][:3] == ["python", "-m", "workbench.alerts"]
    token = next(e for e in container["env"] if e["name"] == "WORKBENCH_ALERT_WEBHOOK_TOKEN")
    assert token["valueFrom"]["secretKeyRef"] == {"name": "mds-workbench-alerts", "key": "webhook-token"}
    monitor = named(prod, "ServiceMonitor", "mds-workbench-health")
    service = named(prod, "Service", "mds-workbench-health")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (settings,) = [c["data"] for c in prod if c["kind"] == "ConfigMap"
                   and c["metadata"]["name"].startswith("mds-workbench-settings")]
    assert settings["WORKBENCH_ALERTMANAGER_URL"].startswith("http://alertmanager")
    assert not [o for o in rendered["demo"] if o["kind"] == "PrometheusRule"]  # the demo has no Operator
