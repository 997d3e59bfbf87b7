"""The alert rules: defaults for every model, a model's own settings, and the Prometheus rule file they make.

Each default (`DEFAULT_RULES`) is PromQL over the health metrics (`health_metrics`) with one threshold a
person can change, a plain-words summary and a runbook line. A model's override (stored, audited:
`workbench.alerts.rule_settings`) turns a rule off for it, changes its threshold or its ``for``, or replaces its
expression. `rule_groups` writes one group: each default rule for every model without an override of it
(``model!~"a|b"``), then one rule per overridden model (``model="a"``). The same document is the embedded
Prometheus's rule file and the ``spec`` of a ``PrometheusRule`` (`prometheus_rule`) for a cluster's
Prometheus Operator.

Every expression is ``max by (model) (...)``: a cluster may scrape two exporter replicas, and the alert's
only identifying label is then ``model``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workbench.alerts.errors import RuleRefused
from workbench.store.alerts import RuleOverride

GROUP = "mds-model-health"
MAX_FOR_SECONDS = 7 * 86400.0
MONITOR_PATH = "/monitor?model={{ $labels.model }}"


@dataclass(frozen=True)
class RuleSpec:
    """One default rule. ``expr`` has ``{threshold}``, and ``{sel}`` (``,model...`` after other matchers) or
    ``{only}`` (a whole ``{model...}`` selector) where the model is chosen."""

    name: str
    title: str
    expr: str
    threshold: float
    minimum: float
    maximum: float
    unit: str
    severity: str
    summary: str
    runbook: str
    for_seconds: float = 0.0
    includes_minimum: bool = True

    def check_threshold(self, value: float, model: str = "") -> float:
        low_ok = value >= self.minimum if self.includes_minimum else value > self.minimum
        if not (low_ok and value <= self.maximum):
            low = f"{self.minimum:g}" + ("" if self.includes_minimum else " (excluded)")
            where = f" for {model}" if model else ""
            raise RuleRefused(f"{self.name}{where}: threshold {value:g} is out of range; {self.unit} must be "
                              f"between {low} and {self.maximum:g} (default {self.threshold:g}).")
        return float(value)


DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "ModelDrift", "Drift two windows in a row",
        'max by (model) (mds_model_drifting_features{{window="last"{sel}}}) >= {threshold} and on (model) '
        'max by (model) (mds_model_drifting_features{{window="previous"{sel}}}) >= {threshold}',
        1, 1, 1000, "the number of drifting features", "warning",
        "{{ $labels.model }}: its inputs drifted two windows in a row (drifting features in the last one: {{ $value }}).",
        "Open Monitor at this model: find the feature that moved and the window where it began. A changed "
        "source or unit: fix the feed. A changed world: collect labelled cases and retrain."),
    RuleSpec(
        "ModelEstimatedAccuracyDrop", "Estimated accuracy down",
        "max by (model) (mds_model_reference_accuracy{only}) - on (model) "
        'max by (model) (mds_model_estimated_accuracy{{window="last"{sel}}}) > {threshold}',
        0.10, 0, 1, "a drop in accuracy (a share: 0.10 is 10 points)", "critical",
        "{{ $labels.model }}: accuracy estimated from its confidence is {{ $value | humanizePercentage }} "
        "below the accuracy its card states.",
        "Open Monitor, Accuracy tab: does feedback agree? Check drift in the same windows; if the model is "
        "wrong more often, stop promoting it and retrain on recent labelled data.", includes_minimum=False),
    RuleSpec(
        "ModelFeedbackAccuracyLow", "Feedback accuracy low",
        'max by (model) (mds_model_feedback_accuracy{{window="recent"{sel}}}) < {threshold} and on (model) '
        'max by (model) (mds_model_feedback_verdicts{{window="recent"{sel}}}) >= 30',
        0.80, 0, 1, "accuracy from feedback (a share)", "critical",
        "{{ $labels.model }}: analysts judged only {{ $value | humanizePercentage }} of its recent answers right "
        "(30 or more verdicts).",
        "Open Feedback review for this model: read the wrong answers first; export the labelled cases to "
        "retrain; tell the analysts if they should not rely on it meanwhile.", includes_minimum=False),
    RuleSpec(
        "ModelErrorRateHigh", "Error rate high",
        'max by (model) (mds_model_error_ratio{{window="last"{sel}}}) > {threshold} and on (model) '
        'max by (model) (mds_model_logged_calls{{window="last"{sel}}}) >= 20',
        0.05, 0, 1, "an error rate (a share: 0.05 is 5%)", "critical",
        "{{ $labels.model }}: {{ $value | humanizePercentage }} of its calls failed in the last window.",
        "Open Monitor, Calls, errors and latency: which callers fail? Read the model server's log; a "
        "payload change shows in Check a payload; a crashed server in `mds local status` or its pods.",
        includes_minimum=False),
    RuleSpec(
        "ModelLatencyHigh", "Slow answers (p95)",
        'max by (model) (mds_model_latency_p95_seconds{{window="last"{sel}}}) > {threshold}',
        0.5, 0, 600, "the latency objective in seconds", "warning",
        "{{ $labels.model }}: 95% of its answers took up to {{ $value | humanizeDuration }}, over the objective.",
        "Open Monitor, Calls, errors and latency: a burst of calls or larger payloads? Scale the server "
        "(replicas, workers) or make the model lighter.", includes_minimum=False),
    RuleSpec(
        "ModelNoTraffic", "No traffic",
        'max by (model) (mds_model_logged_calls{{window="last"{sel}}}) == 0 and on (model) '
        "max by (model) (mds_model_usual_calls{only}) >= {threshold}",
        10, 1, 1e9, "the usual calls per window below which silence is normal", "warning",
        "{{ $labels.model }}: no call logged in the last window, though it usually has some.",
        "Check the callers and the route to the model (ingress, Seldon's logger to the request-log sink): "
        "is the model still reachable, and is its traffic still logged?"),
)
RULES_BY_NAME = {rule.name: rule for rule in DEFAULT_RULES}


def rule_spec(name: str) -> RuleSpec:
    try:
        return RULES_BY_NAME[name]
    except KeyError:
        raise RuleRefused(f"No alert rule is called {name!r}; the rules are {', '.join(RULES_BY_NAME)}.") from None


@dataclass(frozen=True)
class EffectiveRule:
    """What one rule is for one model (``model`` "" for the default everyone else gets)."""

    spec: RuleSpec
    model: str
    enabled: bool
    threshold: float
    for_seconds: float
    expr: str
    custom_expr: bool = False
    changed_by: str = ""

    @property
    def source(self) -> str:
        return f"set for {self.model} by {self.changed_by}" if self.changed_by else "default"

    @property
    def for_text(self) -> str:
        """How long the condition must hold, as Prometheus writes it (``0s``, ``5m``)."""
        return duration(self.for_seconds)


def _string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _regex(values: Iterable[str]) -> str:
    # RE2 metacharacters escaped, then the backslashes doubled for PromQL's string literal
    return "|".join(_string(re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", v)) for v in sorted(values))


def render_expr(spec: RuleSpec, threshold: float, *, model: str | None = None, excluded: Iterable[str] = ()) -> str:
    """The rule's PromQL for one model, or for every model but ``excluded`` (``model`` None)."""
    if model is not None:
        matcher = f'model="{_string(model)}"'
    else:
        excluded = list(excluded)
        matcher = f'model!~"{_regex(excluded)}"' if excluded else ""
    return spec.expr.format(threshold=f"{threshold:g}", sel="," + matcher if matcher else "",
                            only="{" + matcher + "}" if matcher else "")


def effective(model: str, overrides: Iterable[RuleOverride]) -> list[EffectiveRule]:
    """Every rule as it applies to ``model``, its own settings over the defaults."""
    own = {o.rule: o for o in overrides if o.model == model}
    out = []
    for spec in DEFAULT_RULES:
        o = own.get(spec.name)
        threshold = o.threshold if o is not None and o.threshold is not None else spec.threshold
        for_seconds = o.for_seconds if o is not None and o.for_seconds is not None else spec.for_seconds
        expr = o.expr if o is not None and o.expr else render_expr(spec, threshold, model=model)
        out.append(EffectiveRule(spec, model, o.enabled if o is not None else True, threshold, for_seconds, expr,
                                 bool(o is not None and o.expr), o.updated_by if o is not None else ""))
    return out


def duration(seconds: float) -> str:
    """Seconds as a Prometheus duration (``0s``, ``90s``, ``5m``, ``2h``)."""
    seconds = round(seconds)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _rule(spec: RuleSpec, expr: str, for_seconds: float) -> dict[str, Any]:
    return {
        "alert": spec.name,
        "expr": expr,
        "for": duration(for_seconds),
        "labels": {"severity": spec.severity, "source": "mds-workbench"},
        "annotations": {"summary": spec.summary, "description": f"{spec.title}.", "runbook": spec.runbook,
                        "monitor": MONITOR_PATH},
    }


def rule_groups(overrides: Iterable[RuleOverride] = (), *, interval: str | None = None) -> dict[str, Any]:
    """The rule file: each default for the models without an override of it, then each overridden model."""
    overrides = list(overrides)
    rules = []
    for spec in DEFAULT_RULES:
        own = sorted((o for o in overrides if o.rule == spec.name), key=lambda o: o.model)
        rules.append(_rule(spec, render_expr(spec, spec.threshold, excluded=[o.model for o in own]),
                           spec.for_seconds))
        for o in own:
            if not o.enabled:
                continue
            threshold = o.threshold if o.threshold is not None else spec.threshold
            expr = o.expr or render_expr(spec, threshold, model=o.model)
            rules.append(_rule(spec, expr, o.for_seconds if o.for_seconds is not None else spec.for_seconds))
    group: dict[str, Any] = {"name": GROUP, "rules": rules}
    if interval:
        group["interval"] = interval
    return {"groups": [group]}


def prometheus_rule(groups: dict[str, Any], *, name: str = "mds-workbench-model-health",
                    labels: dict[str, str] | None = None) -> dict[str, Any]:
    """The rule file as a Prometheus Operator ``PrometheusRule`` resource."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "mds-workbench",
                                              "app.kubernetes.io/component": "alert-rules", **(labels or {})}},
        "spec": groups,
    }
