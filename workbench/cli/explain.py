"""``mds explain MODEL``: the app's explanations from a terminal, the same services.

    mds explain MODEL --row ROW.json --method anchor|shap|occlusion|whatif [--feature F [--feature G]]
    mds explain MODEL --method ale|importance [--feature F ...]
    ... [--json] [--budget SECONDS] [--no-cache]

A row file is one JSON object of feature values. With ``--json`` an anchor carries ``anchor`` (its
conditions), ``precision`` and ``coverage``; a what-if carries ``points``, one per swept value with
the model's answer. One-case explanations are cached in the store like the app's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from mds_client.client import read_reference
from workbench.cli.common import find_model, list_refs, print_table, store_engine
from workbench.errors import ExplainError
from workbench.explain.budget import Budget
from workbench.settings import get_settings

ONE_CASE = ("anchor", "shap", "occlusion", "whatif")
GLOBAL = ("ale", "importance")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="why a model answers as it does: one case, what-if, or across the data")
    p.add_argument("model", help="the model's name; NAME@2 or NAME@champion for one of its versions")
    p.add_argument("--row", help="JSON file with one object of feature values (for one-case methods)")
    p.add_argument("--method", choices=[*ONE_CASE, *GLOBAL], default="anchor")
    p.add_argument("--feature", action="append", default=[],
                   help="whatif: the feature to sweep (twice for a heat-map grid); ale: features to draw")
    p.add_argument("--points", type=int, default=50, help="whatif: values to try (default 50)")
    p.add_argument("--budget", type=float, default=None, help="seconds before giving up (default: settings)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the explanation cache")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)


def _row(path: str | None, method: str) -> pd.DataFrame:
    if path is None:
        raise ExplainError(f"--method {method} explains one case: give it with --row FILE.json.")
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ExplainError(f"Cannot read the row file {path}: {exc}.") from None
    if not isinstance(doc, dict):
        raise ExplainError(f"The row file {path} must hold one JSON object of feature values.")
    return pd.DataFrame([doc])


def cmd_explain(args: argparse.Namespace) -> int:
    client = args.client
    ref = find_model(list_refs(args, client), args.model, client=client)
    reference = read_reference(ref.reference_data) if ref.reference_data and Path(ref.reference_data).exists() \
        else None
    schema = client.schema(ref, reference=reference)
    budget = Budget(seconds=args.budget or get_settings().explain_budget_s, model=ref.name)
    doc = _run(args, client, ref, schema, reference, budget)
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
    else:
        _print(doc)
    return 0


def _run(args: argparse.Namespace, client: Any, ref: Any, schema: Any, reference: pd.DataFrame | None,
         budget: Budget) -> dict[str, Any]:
    # The explainers (~10 ms of imports, and the service reaches the store: SQLAlchemy, ~0.25 s) load
    # only for `mds explain`, not for every `mds` command.
    from workbench.explain import global_views, whatif
    from workbench.explain import service as explain_service

    method = args.method
    if method in GLOBAL:
        if reference is None:
            raise ExplainError(f"Model '{ref.name}' has no reference data to compute {method} on.")
        if method == "importance":
            result = global_views.permutation_importance(client, ref, schema, reference, budget=budget)
            return {"method": method, "model": ref.name, "measure": result.measure,
                    "importance": result.table.to_dict(orient="records")}
        curves = global_views.ale(client, ref, schema, reference, args.feature or schema.names, budget=budget)
        return {"method": method, "model": ref.name,
                "features": {name: frame.to_dict(orient="records") for name, frame in curves.items()}}
    row = _row(args.row, method)
    missing = [n for n in schema.table_columns() if n not in row.columns]
    if missing:
        raise ExplainError(f"The row file lacks {', '.join(missing[:5])} (model '{ref.name}' needs every feature).")
    if method == "whatif":
        if len(args.feature) == 2:
            grid = whatif.what_if_2d(client, ref, schema, row, tuple(args.feature), reference, budget=budget)
            return {"method": method, "model": ref.name, "features": list(grid.features), "target": grid.target,
                    "x": grid.x_values, "y": grid.y_values, "z": grid.z.tolist(), "calls": grid.calls}
        if len(args.feature) != 1:
            raise ExplainError("--method whatif needs --feature F (or two, for a grid).")
        sweep = whatif.what_if(client, ref, schema, row, args.feature[0], reference, points=args.points,
                               budget=budget)
        return {"method": method, **sweep.to_dict(), "calls": sweep.calls}
    engine = None if args.no_cache else store_engine()
    result = explain_service.explain(engine, client, ref, schema, row, reference, kind=method, budget=budget)
    return {"method": method, **result.to_dict(), "rule": result.rule}


def _print(doc: dict[str, Any]) -> None:
    method = doc["method"]
    if method == "importance":
        print(f"{doc['model']}: permutation importance ({doc['measure']})")
        print_table([{k: f"{v:.4f}" if isinstance(v, float) else v for k, v in r.items()} for r in doc["importance"]],
                    ["feature", "importance", "std"])
    elif method == "ale":
        for name, rows in doc["features"].items():
            print(f"ALE of {name}:")
            print_table([{k: f"{v:.4g}" for k, v in r.items()} for r in rows], list(rows[0]))
    elif method == "whatif" and "points" in doc:
        print(doc["summary"])
        print_table([{k: f"{v:.4g}" if isinstance(v, float) else v for k, v in r.items()} for r in doc["points"]],
                    list(doc["points"][0]))
    elif method == "whatif":
        print(f"{len(doc['x']) * len(doc['y'])} combinations of {' x '.join(doc['features'])}; "
              f"--json for the grid of {doc['target']}.")
    else:
        print(doc["summary"])
        if doc.get("attributions"):
            rows = sorted(doc["attributions"].items(), key=lambda kv: -abs(kv[1]))
            print_table([{"feature": k, "contribution": f"{v:+.4f}"} for k, v in rows], ["feature", "contribution"])
        print("From the cache: no call to the model." if doc.get("from_cache")
              else f"{doc.get('calls', 0)} calls to the model.")
