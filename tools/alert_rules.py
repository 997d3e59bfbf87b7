"""The cluster's alert rules: the workbench's default rules as a Prometheus Operator ``PrometheusRule``.

Written from `workbench.alerts.rules.DEFAULT_RULES` (the same rules the embedded MDS's Prometheus loads) into
``deploy/components/alerts/prometheusrule.yaml``; a model's own settings (Health page, ``mds alerts set``) are
not in it: ``mds alerts rules --prometheus-rule | kubectl apply -f -`` applies the rules with them.

    .venvs/app/bin/python tools/alert_rules.py           # rewrite the file
    .venvs/app/bin/python tools/alert_rules.py --check   # exit 1 if it is out of date

``tests/deploy/test_alert_rules.py`` fails when the committed file differs from what this writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from workbench.alerts.rules import prometheus_rule, rule_groups

REPO = Path(__file__).resolve().parents[1]
RULE_FILE = REPO / "deploy" / "components" / "alerts" / "prometheusrule.yaml"
HEADER = ("# Written by tools/alert_rules.py from workbench/alerts/rules.py; do not edit by hand. Each model's own\n"
          "# settings: `mds alerts rules --prometheus-rule | kubectl apply -f -` (docs/alerts.md).\n")


def render() -> str:
    # The label the Prometheus Operator's default ruleSelector of kube-prometheus-stack matches, as the
    # ServiceMonitors carry it; change it to what your Prometheus selects.
    resource = prometheus_rule(rule_groups(), labels={"release": "kube-prometheus-stack"})
    return HEADER + yaml.safe_dump(resource, sort_keys=False, width=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is out of date")
    args = parser.parse_args(argv)
    text = render()
    stale = not RULE_FILE.exists() or RULE_FILE.read_text() != text
    if args.check:
        if stale:
            print(f"{RULE_FILE.relative_to(REPO)} is out of date: run tools/alert_rules.py", file=sys.stderr)
        return 1 if stale else 0
    RULE_FILE.parent.mkdir(parents=True, exist_ok=True)
    RULE_FILE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
