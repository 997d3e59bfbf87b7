"""``mds alerts``: model-health alerts from a terminal.

    mds alerts list [--since 7d] [--model M] [--json]       firing and resolved alerts, firing first
    mds alerts rules [--model M] [--json | --prometheus-rule]   the rules as they apply (with each model's settings)
    mds alerts set MODEL RULE [--threshold X] [--for 5m] [--off | --on] [--expr PROMQL] [--reset]
    mds alerts silence MODEL [--alert NAME] (--for 2h | --until ISO) --comment WHY
    mds alerts unsilence SILENCE_ID

Rule changes and silences are recorded in the audit log under $WORKBENCH_USER (else $USER).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

import yaml

from workbench.alerts import rule_settings, rules
from workbench.alerts import service as alerts_service
from workbench.alerts.errors import AlertsError
from workbench.cli.common import cli_user, print_table, store_engine
from workbench.monitor.prometheus_api import parse_duration
from workbench.store.alerts import overrides
from workbench.time_text import SECOND, when


def register(sub: argparse._SubParsersAction) -> None:
    alerts = sub.add_parser("alerts", help="model-health alerts: list them, see and change the rules, silence one")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)

    listing = alerts_sub.add_parser("list", help="firing and resolved alerts, firing first")
    listing.add_argument("--since", default="7d", help="how far back: 7d, 12h, 30m (default 7d)")
    listing.add_argument("--model", default=None, help="only this model's alerts")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(func=list_command)

    shown = alerts_sub.add_parser("rules", help="the alert rules, as they apply to a model with its own settings")
    shown.add_argument("--model", default=None, help="the rules as they apply to this model (default: the defaults)")
    shown.add_argument("--json", action="store_true", help="print JSON for scripts")
    shown.add_argument("--prometheus-rule", action="store_true",
                       help="print every rule with each model's settings as a PrometheusRule for kubectl apply -f -")
    shown.set_defaults(func=rules_command)

    changed = alerts_sub.add_parser("set", help="change one rule for one model (audited)")
    changed.add_argument("model")
    changed.add_argument("rule", choices=list(rules.RULES_BY_NAME))
    changed.add_argument("--threshold", type=float, default=None, help="the rule's threshold (see `mds alerts rules`)")
    changed.add_argument("--for", dest="for_duration", default=None,
                         help="how long the condition must hold before the alert fires: 0s, 5m, 1h")
    state = changed.add_mutually_exclusive_group()
    state.add_argument("--off", action="store_true", help="no such alert for this model")
    state.add_argument("--on", action="store_true", help="the alert again for this model")
    changed.add_argument("--expr", default=None, help="the rule's own PromQL for this model (checked by promtool)")
    changed.add_argument("--reset", action="store_true", help="back to the default for this model")
    changed.set_defaults(func=set_command)

    quiet = alerts_sub.add_parser("silence", help="silence a model's alerts in Alertmanager (audited)")
    quiet.add_argument("model")
    quiet.add_argument("--alert", default=None, help="only this alert (default: all of the model's)")
    until = quiet.add_mutually_exclusive_group(required=True)
    until.add_argument("--for", dest="for_duration", default=None, help="how long: 30m, 2h, 1d")
    until.add_argument("--until", default=None, help="until when: an ISO time (UTC unless it says otherwise)")
    quiet.add_argument("--comment", required=True, help="why (the next person on call reads it)")
    quiet.set_defaults(func=silence_command)

    loud = alerts_sub.add_parser("unsilence", help="end a silence now (audited)")
    loud.add_argument("silence_id")
    loud.set_defaults(func=unsilence_command)


def list_command(args: argparse.Namespace) -> int:
    since = datetime.now(UTC) - _duration(args.since, "--since")
    timeline = alerts_service.alert_timeline(store_engine(), since=since)
    rows = [r for r in timeline.rows if args.model is None or r.model == args.model]
    if timeline.message:
        print(f"mds: {timeline.message}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    if not rows:
        print(f"No alert since {when(since)} UTC" + (f" for {args.model}." if args.model else "."))
        return 0
    print_table([{"state": r.state, "model": r.model, "alert": r.alertname, "severity": r.severity,
                  "started (UTC)": when(r.starts_at, SECOND), "ended (UTC)": when(r.ends_at, SECOND),
                  "summary": r.summary}
                 for r in rows], ["state", "model", "alert", "severity", "started (UTC)", "ended (UTC)", "summary"])
    return 0


def rules_command(args: argparse.Namespace) -> int:
    engine = store_engine()
    if args.prometheus_rule:
        print(yaml.safe_dump(rules.prometheus_rule(rules.rule_groups(overrides(engine))), sort_keys=False), end="")
        return 0
    applied = rules.effective(args.model or "", overrides(engine) if args.model else [])
    if args.json:
        print(json.dumps([{"rule": r.spec.name, "title": r.spec.title, "model": r.model or None, "enabled": r.enabled,
                           "threshold": r.threshold, "for": rules.duration(r.for_seconds), "severity": r.spec.severity,
                           "expr": r.expr if args.model else r.spec.expr.format(threshold=r.threshold, sel="", only=""),
                           "source": r.source, "summary": r.spec.summary, "runbook": r.spec.runbook}
                          for r in applied], indent=2))
        return 0
    print_table([{"rule": r.spec.name, "on": "yes" if r.enabled else "no", "threshold": f"{r.threshold:g}",
                  "for": rules.duration(r.for_seconds), "severity": r.spec.severity, "what": r.spec.title,
                  "set by": r.source} for r in applied],
                ["rule", "on", "threshold", "for", "severity", "what", "set by"])
    return 0


def set_command(args: argparse.Namespace) -> int:
    engine = store_engine()
    if args.reset:
        done = rule_settings.reset_rule(engine, user=cli_user(), model=args.model, rule=args.rule)
    else:
        for_seconds = _duration(args.for_duration, "--for").total_seconds() if args.for_duration else None
        enabled = False if args.off else (True if args.on else None)
        if enabled is None and args.threshold is None and for_seconds is None and args.expr is None:
            raise AlertsError("Say what changes: --threshold, --for, --off / --on, --expr, or --reset.")
        done = rule_settings.change_rule(engine, user=cli_user(), model=args.model, rule=args.rule, enabled=enabled,
                                         threshold=args.threshold, for_seconds=for_seconds, expr=args.expr)
    print(done.message)
    return 0


def silence_command(args: argparse.Namespace) -> int:
    if args.until:
        try:
            until = datetime.fromisoformat(args.until)
        except ValueError:
            raise AlertsError(f"--until {args.until!r} is not an ISO time (e.g. 2026-12-01T18:00).") from None
    else:
        until = datetime.now(UTC) + _duration(args.for_duration, "--for")
    silence_id = alerts_service.silence(store_engine(), user=cli_user(), model=args.model, alertname=args.alert,
                                        until=until, comment=args.comment)
    what = args.alert or "every alert"
    print(f"Silenced {what} of {args.model} until {when(until)} UTC (silence {silence_id}).")
    return 0


def unsilence_command(args: argparse.Namespace) -> int:
    alerts_service.unsilence(store_engine(), user=cli_user(), silence_id=args.silence_id)
    print(f"Silence {args.silence_id} ended.")
    return 0


def _duration(text: str, option: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError:
        raise AlertsError(f"{option} {text!r} is not a duration: write 30m, 2h, 7d or 1h30m.") from None
