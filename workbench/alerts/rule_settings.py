"""Changing a model's alert rules: checked, audited, stored, then written where Prometheus reads them.

``change_rule`` refuses a threshold out of range or a ``for`` out of range with words, and a custom PromQL
expression with promtool's reason, before anything is stored; it records the change in the audit log
(action ``alert rule changed``, the old and new settings) before it is made. ``reset_rule`` goes back to the
default (``alert rule reset``). Both then `publish` the rule file:

- the embedded MDS's Prometheus (``<home>/prometheus/rules/mds-model-health.yml``), reloaded through its
  ``/-/reload`` (it runs with ``--web.enable-lifecycle``);
- a cluster's Prometheus (``WORKBENCH_PROMETHEUS_URL`` set) is not written to from here: its rules are a
  ``PrometheusRule`` that ``mds alerts rules --prometheus-rule`` prints for ``kubectl apply -f -``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml
from sqlalchemy import Engine

from embedded_mds.layout import HomeLayout, read_state
from workbench.alerts import promtool
from workbench.alerts.errors import RuleRefused
from workbench.alerts.rules import MAX_FOR_SECONDS, EffectiveRule, effective, rule_groups, rule_spec
from workbench.settings import Settings, get_settings
from workbench.store import audit
from workbench.store.alerts import RuleOverride, drop_override, overrides, save_override

log = logging.getLogger(__name__)

RELOAD_TIMEOUT = (2.0, 10.0)
CHANGED, RESET = "alert rule changed", "alert rule reset"


@dataclass(frozen=True)
class Published:
    """Where the rules went, in words for the page and the CLI."""

    path: Path | None
    reloaded: bool
    message: str


def current_rules(engine: Engine, model: str) -> list[EffectiveRule]:
    return effective(model, overrides(engine, model=model))


def change_rule(engine: Engine, *, user: str, model: str, rule: str, enabled: bool | None = None,
                threshold: float | None = None, for_seconds: float | None = None, expr: str | None = None,
                settings: Settings | None = None) -> Published:
    """Save ``model``'s own setting of ``rule`` (values left None keep what it has now); `RuleRefused` if not valid."""
    spec = rule_spec(rule)
    if not model.strip():
        raise RuleRefused("Name the model whose rule changes.")
    known = overrides(engine)
    before = next((o for o in known if o.model == model and o.rule == rule), None)
    base = before or RuleOverride(model, rule)
    if threshold is not None:
        spec.check_threshold(float(threshold), model)
    if for_seconds is not None and not 0 <= float(for_seconds) <= MAX_FOR_SECONDS:
        raise RuleRefused(f"{rule} for {model}: 'for' must be between 0 s and {MAX_FOR_SECONDS / 86400:g} days, "
                          f"not {for_seconds:g} s.")
    expr = expr.strip() if isinstance(expr, str) else None
    after = RuleOverride(
        model, rule, base.enabled if enabled is None else bool(enabled),
        base.threshold if threshold is None else float(threshold),
        base.for_seconds if for_seconds is None else float(for_seconds),
        (base.expr if expr is None else (expr or None)), user)
    if after.expr and after.expr != (before.expr if before else None):
        others = [o for o in known if not (o.model == model and o.rule == rule)]
        promtool.check_rules(rule_groups([*others, after]))  # promtool's reason, before anything is stored
    audit.record(engine, user=user, action=CHANGED, model=model,
                 detail={"rule": rule, "before": _settings(before), "after": _settings(after)})
    save_override(engine, after)
    return publish(engine, settings)


def reset_rule(engine: Engine, *, user: str, model: str, rule: str, settings: Settings | None = None) -> Published:
    rule_spec(rule)
    before = next((o for o in overrides(engine, model=model) if o.rule == rule), None)
    if before is None:
        return Published(None, False, f"{rule} for {model} already follows the default.")
    audit.record(engine, user=user, action=RESET, model=model, detail={"rule": rule, "before": _settings(before)})
    drop_override(engine, model, rule)
    return publish(engine, settings)


def _settings(o: RuleOverride | None) -> dict[str, object] | None:
    if o is None:
        return None
    return {"enabled": o.enabled, "threshold": o.threshold, "for_seconds": o.for_seconds, "expr": o.expr}


# -- where the rules go ---------------------------------------------------------------------------


def write_rule_file(path: Path, engine: Engine) -> Path:
    """The rule file of the defaults and every stored override, written atomically (Prometheus may be reading)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yml.tmp")
    tmp.write_text("# Written by the MDS Workbench from its default rules and each model's own settings; edit them\n"
                   "# on the Health page or with `mds alerts set`, not here.\n"
                   + yaml.safe_dump(rule_groups(overrides(engine)), sort_keys=False))
    tmp.replace(path)
    return path


def reload_prometheus(url: str) -> None:
    """Ask Prometheus to read its configuration and rule files again (``--web.enable-lifecycle``)."""
    response = requests.post(url.rstrip("/") + "/-/reload", timeout=RELOAD_TIMEOUT)
    response.raise_for_status()


def embedded_prometheus(settings: Settings) -> str | None:
    """The embedded MDS's Prometheus URL when it is the one in use (no WORKBENCH_PROMETHEUS_URL)."""
    if settings.prometheus_url:
        return None
    state = read_state(settings.home) or {}
    return next((s.get("url") for s in state.get("servers", []) if s.get("name") == "prometheus"), None)


def publish(engine: Engine, settings: Settings | None = None) -> Published:
    settings = settings or get_settings()
    url = embedded_prometheus(settings)
    if url is None:
        return Published(None, False, "Saved. The rules of a cluster's Prometheus are a PrometheusRule: apply "
                         "them with `mds alerts rules --prometheus-rule | kubectl apply -f -`.")
    path = write_rule_file(HomeLayout(settings.home).alert_rules, engine)
    try:
        reload_prometheus(url)
    except requests.RequestException as exc:
        return Published(path, False, f"Saved and written to {path}, but Prometheus at {url} did not reload "
                         f"({exc}); it reads the file at its next start.")
    return Published(path, True, f"Saved; Prometheus at {url} reloaded its rules.")


def publish_at_start(engine: Engine, path: Path, prometheus_url: str | None, *, wait_seconds: float = 120.0) -> bool:
    """The exporter's first task: write the rule file, then reload Prometheus once it answers (it starts
    beside the exporter). Whether it reloaded."""
    write_rule_file(path, engine)
    if not prometheus_url:
        return False
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            reload_prometheus(prometheus_url)
            return True
        except requests.RequestException as exc:
            if time.monotonic() > deadline:
                log.warning("Prometheus at %s did not reload the alert rules: %s", prometheus_url, exc)
                return False
            time.sleep(1.0)
