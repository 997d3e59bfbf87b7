"""``mds segments MODEL``: where a model fails and where its traffic moved, slice by slice.

    mds segments MODEL [--since 7d] [--top N] [--json]

Accuracy per slice (one feature's range or category, or two together) from feedback verdicts, else
estimated from the confidence the model logged; drift per slice from its share of the period's calls
against the reference data. Each listed slice has its size, an interval, and why it is listed.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from workbench.cli.common import find_model, list_refs, print_table, store_engine

if TYPE_CHECKING:
    from workbench.monitor.segments import Finding


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segments", help="where a model fails: the slices of its inputs with the worst accuracy "
                                        "and the largest drift")
    p.add_argument("model", help="the model (a catalog name)")
    p.add_argument("--since", default="7d",
                   help="feedback given and calls logged since then: 7d, 24h, 30m or an ISO time (default 7d)")
    p.add_argument("--top", type=int, default=10, help="how many slices of each kind to list (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=cmd_segments)


def cmd_segments(args: argparse.Namespace) -> int:
    # The store and the log readers bring SQLAlchemy and pandas (~0.5 s of imports): `mds --help` skips them.
    from logsink.es_reader import parse_since
    from workbench.catalog.service import reference_frame
    from workbench.monitor.segment_reads import model_segments

    ref = find_model(list_refs(args, args.client), args.model)
    report = model_segments(store_engine(), ref.name, reference=reference_frame(ref), since=parse_since(args.since),
                            top=max(1, args.top))
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    print(report.note)
    if report.failing.findings:
        print(f"\nWhere it fails ({report.failing.checked:,} slices of at least 30 rows checked; intervals at 95% "
              "for all of them at once):")
        print_table([_row(f, accuracy=True) for f in report.failing.findings],
                    ["segment", "rows", "accuracy", "interval"])
    elif report.basis != "none":
        print(f"\nNo slice is surely worse than the model overall ({report.failing.checked:,} slices checked).")
    if report.drifting is None:
        print(f"\nNo reference data for {ref.name} in the catalog (reference_data:), so no drift by slice.")
    elif report.drifting.findings:
        print(f"\nWhere the traffic moved ({report.drifting.rows:,} of {report.calls:,} calls read, "
              f"{report.drifting.checked:,} slices checked):")
        print_table([_row(f, accuracy=False) for f in report.drifting.findings],
                    ["segment", "rows", "now", "reference", "change"])
    else:
        print(f"\nNo slice's share of the {report.calls:,} calls moved from the reference data.")
    for f in report.failing.findings + (report.drifting.findings if report.drifting else []):
        print(f"- {f.label}: {f.reason}")
    return 0


def _row(f: Finding, *, accuracy: bool) -> dict[str, str]:
    if accuracy:
        return {"segment": f.label, "rows": f"{f.rows:,}", "accuracy": f"{f.value:.0%}",
                "interval": f"{f.low:.0%} to {f.high:.0%}"}
    return {"segment": f.label, "rows": f"{f.rows:,}", "now": f"{f.value:.1%}", "reference": f"{f.baseline:.1%}",
            "change": f"{f.low * 100:+.0f} to {f.high * 100:+.0f} points"}
