"""Alerting on model health: metrics for Prometheus, default rules with per-model settings, the webhook
receiver Alertmanager posts to, silences, and each model's state (healthy / warning / firing).

    health_metrics   the health of each model per window, as Prometheus gauges
    rules            the default rules, a model's own settings of them, the rule file and PrometheusRule
    rule_settings    change a model's rules (checked, audited, stored) and publish the rule file
    promtool         Prometheus's checker: refuse invalid PromQL with its reason; unit tests of rules
    receiver         read and authenticate Alertmanager's webhook posts
    exporter         the server of both: /metrics and /alerts (``python -m workbench.alerts``)
    alertmanager_api Alertmanager's API: alerts, silences
    model_state      each model's state and why, in one line
    service          what the Health page and ``mds alerts`` ask: alerts on a timeline, silences (audited)
"""

from workbench.alerts.errors import AlertmanagerNotConfigured, AlertmanagerUnavailable, AlertsError, RuleRefused

__all__ = ["AlertmanagerNotConfigured", "AlertmanagerUnavailable", "AlertsError", "RuleRefused"]
