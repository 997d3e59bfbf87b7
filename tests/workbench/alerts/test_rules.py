"""The default rules and a model's own settings, checked and unit-tested by promtool on synthetic series."""

from __future__ import annotations

import pytest
import yaml

from workbench.alerts import promtool
from workbench.alerts.errors import RuleRefused
from workbench.alerts.rule_settings import change_rule, current_rules, reset_rule, write_rule_file
from workbench.alerts.rules import DEFAULT_RULES, RULES_BY_NAME, duration, prometheus_rule, render_expr, rule_groups
from workbench.settings import Settings
from workbench.store import audit
from workbench.store.alerts import RuleOverride

pytestmark = pytest.mark.skipif(promtool.promtool_binary() is None, reason="promtool is not installed")


def labels(rule: str, model: str) -> dict[str, str]:
    return {"alertname": rule, "model": model, "severity": RULES_BY_NAME[rule].severity, "source": "mds-workbench"}


def series(name: str, values: str, **extra: str) -> dict[str, str]:
    matchers = ",".join(f'{k}="{v}"' for k, v in {"instance": "exporter-a", **extra}.items())
    return {"series": f"{name}{{{matchers}}}", "values": values}


def fired(rule: str, *models: str) -> list[dict[str, object]]:
    return [{"exp_labels": labels(rule, m)} for m in models]


def unit_test(groups, series_list, checks) -> tuple[bool, str]:
    """checks: (eval_time, alertname, expected alerts without annotations)."""
    return promtool.test_rules(groups, {"evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series_list,
        "alert_rule_test": [{"eval_time": t, "alertname": name, "exp_alerts": alerts} for t, name, alerts in checks],
    }]})


def drop_annotations(groups):
    # promtool compares annotations exactly; the summaries are checked in words by the end-to-end test
    for rule in groups["groups"][0]["rules"]:
        rule.pop("annotations")
    return groups


def test_the_default_rule_file_is_valid_and_every_rule_says_what_to_do():
    promtool.check_rules(rule_groups())
    for spec in DEFAULT_RULES:
        assert spec.summary.startswith("{{ $labels.model }}: ") and spec.runbook and spec.title
        assert spec.minimum <= spec.threshold <= spec.maximum
        assert "max by (model)" in spec.expr  # two exporter replicas make one alert
    assert {s.name for s in DEFAULT_RULES} == {"ModelDrift", "ModelEstimatedAccuracyDrop", "ModelFeedbackAccuracyLow",
                                               "ModelErrorRateHigh", "ModelLatencyHigh", "ModelNoTraffic"}


def test_drift_fires_on_two_drifting_windows_in_a_row_only():
    groups = drop_annotations(rule_groups())
    ok, output = unit_test(groups, [
        # a: one drifting window, then calm; b: two in a row; two replicas report b (one alert)
        series("mds_model_drifting_features", "0 2 0 0", model="a", window="last"),
        series("mds_model_drifting_features", "0 0 2 0", model="a", window="previous"),
        series("mds_model_drifting_features", "0 2 3 3", model="b", window="last"),
        series("mds_model_drifting_features", "0 0 2 3", model="b", window="previous"),
        series("mds_model_drifting_features", "0 2 3 3", model="b", window="last", instance="exporter-b"),
    ], [("1m", "ModelDrift", []), ("2m", "ModelDrift", fired("ModelDrift", "b")),
        ("3m", "ModelDrift", fired("ModelDrift", "b"))])
    assert ok, output


@pytest.mark.parametrize(("rule", "inputs", "fires"), [
    ("ModelEstimatedAccuracyDrop", [
        series("mds_model_reference_accuracy", "0.95x3", model="a"),
        series("mds_model_estimated_accuracy", "0.90x3", model="a", window="last"),  # 5 points: fine
        series("mds_model_reference_accuracy", "0.95x3", model="b"),
        series("mds_model_estimated_accuracy", "0.80x3", model="b", window="last"),  # 15 points down
    ], ["b"]),
    ("ModelFeedbackAccuracyLow", [
        series("mds_model_feedback_accuracy", "0.5x3", model="a", window="recent"),
        series("mds_model_feedback_verdicts", "10x3", model="a", window="recent"),  # too few verdicts
        series("mds_model_feedback_accuracy", "0.6x3", model="b", window="recent"),
        series("mds_model_feedback_verdicts", "40x3", model="b", window="recent"),
    ], ["b"]),
    ("ModelErrorRateHigh", [
        series("mds_model_error_ratio", "0.5x3", model="a", window="last"),
        series("mds_model_logged_calls", "4x3", model="a", window="last"),  # 2 of 4 calls: too few to say
        series("mds_model_error_ratio", "0.08x3", model="b", window="last"),
        series("mds_model_logged_calls", "200x3", model="b", window="last"),
    ], ["b"]),
    ("ModelLatencyHigh", [
        series("mds_model_latency_p95_seconds", "0.2x3", model="a", window="last"),
        series("mds_model_latency_p95_seconds", "0.9x3", model="b", window="last"),
    ], ["b"]),
    ("ModelNoTraffic", [
        series("mds_model_logged_calls", "0x3", model="a", window="last"),
        series("mds_model_usual_calls", "2x3", model="a"),  # usually quiet: silence is normal
        series("mds_model_logged_calls", "0x3", model="b", window="last"),
        series("mds_model_usual_calls", "120x3", model="b"),
    ], ["b"]),
])
def test_each_default_fires_for_the_model_past_its_threshold(rule, inputs, fires):
    ok, output = unit_test(drop_annotations(rule_groups()), inputs, [("2m", rule, fired(rule, *fires))])
    assert ok, output


def test_a_models_own_settings_replace_the_default_for_it_alone():
    groups = drop_annotations(rule_groups([
        RuleOverride("a", "ModelLatencyHigh", threshold=2.0),  # a's objective is 2 s
        RuleOverride("b.v1", "ModelLatencyHigh", enabled=False),  # b.v1 is never paged for latency
        RuleOverride("c", "ModelLatencyHigh", for_seconds=120),  # c must be slow for 2 minutes
    ]))
    inputs = [series("mds_model_latency_p95_seconds", "0.9x5", model=m, window="last")
              for m in ("a", "b.v1", "bxv1", "c")]  # "bxv1": the dot in b.v1 is no regex wildcard
    ok, output = unit_test(groups, inputs, [
        ("1m", "ModelLatencyHigh", fired("ModelLatencyHigh", "bxv1")),
        ("3m", "ModelLatencyHigh", fired("ModelLatencyHigh", "bxv1", "c"))])
    assert ok, output
    a_only = render_expr(RULES_BY_NAME["ModelLatencyHigh"], 2.0, model="a")
    assert a_only == 'max by (model) (mds_model_latency_p95_seconds{window="last",model="a"}) > 2'


def test_rule_file_and_prometheus_rule_carry_the_same_groups(tmp_path, engine):
    path = write_rule_file(tmp_path / "rules" / "mds.yml", engine)
    groups = yaml.safe_load(path.read_text())
    assert groups == rule_groups()
    resource = prometheus_rule(groups)
    assert (resource["apiVersion"], resource["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert resource["spec"] == groups
    assert [duration(s) for s in (0, 45, 120, 7200, 86400)] == ["0s", "45s", "2m", "2h", "1d"]


def test_changes_are_checked_audited_and_refused_with_reasons(engine, tmp_path):
    settings = Settings(home=tmp_path, prometheus_url="http://prometheus.example:9090")  # a cluster's: not written
    done = change_rule(engine, user="dana", model="wine", rule="ModelLatencyHigh", threshold=1.5, for_seconds=300,
                       settings=settings)
    assert "PrometheusRule" in done.message and done.path is None
    latency = {r.spec.name: r for r in current_rules(engine, "wine")}["ModelLatencyHigh"]
    assert (latency.threshold, latency.for_seconds, latency.source) == (1.5, 300, "set for wine by dana")
    (event,) = audit.events(engine, action="alert rule changed")
    assert event.detail == {"rule": "ModelLatencyHigh", "before": None, "after": {
        "enabled": True, "threshold": 1.5, "for_seconds": 300.0, "expr": None}} and event.user == "dana"

    with pytest.raises(RuleRefused, match=r"threshold 1\.5 is out of range.*between 0 \(excluded\) and 1"):
        change_rule(engine, user="dana", model="wine", rule="ModelErrorRateHigh", threshold=1.5, settings=settings)
    with pytest.raises(RuleRefused, match="'for' must be between"):
        change_rule(engine, user="dana", model="wine", rule="ModelDrift", for_seconds=-1, settings=settings)
    with pytest.raises(RuleRefused, match="No alert rule is called 'ModelMood'"):
        change_rule(engine, user="dana", model="wine", rule="ModelMood", threshold=1, settings=settings)
    with pytest.raises(RuleRefused, match=r"Prometheus would refuse this rule: .*parse error"):
        change_rule(engine, user="dana", model="wine", rule="ModelDrift", expr="sum(mds_model_drifting_features{",
                    settings=settings)
    assert len(audit.events(engine, action="alert rule changed")) == 1  # nothing refused was recorded or stored

    change_rule(engine, user="dana", model="wine", rule="ModelDrift",
                expr='max by (model) (mds_model_drifting_features{window="last",model="wine"}) >= 3', settings=settings)
    drift = {r.spec.name: r for r in current_rules(engine, "wine")}["ModelDrift"]
    assert drift.custom_expr and drift.expr.endswith(">= 3")
    reset_rule(engine, user="ana", model="wine", rule="ModelDrift", settings=settings)
    drift = {r.spec.name: r for r in current_rules(engine, "wine")}["ModelDrift"]
    assert drift.source == "default" and not drift.custom_expr
    assert audit.events(engine, action="alert rule reset")[0].user == "ana"
