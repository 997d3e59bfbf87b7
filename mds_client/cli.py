"""The ``mds`` command: the MDS from a terminal, for ML engineers and scripts.

    mds [--catalog FILE] models [--json]
    mds describe MODEL [--json]
    mds predict MODEL --input FILE --output FILE [--workers N] [--batch-size N] [--resume]
    mds local up|down|status

With no --catalog: $WORKBENCH_CATALOG, else the embedded MDS's catalog.
Exit codes: 0 ok, 1 the MDS or the input said no (message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .batch import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, BatchProgress, score_file
from .client import MDSClient
from .discovery import load_catalog
from .errors import CatalogError, MDSError
from .refs import ModelRef
from .schema import ModelSchema

REPO_ROOT = Path(__file__).resolve().parents[1]


def default_home() -> Path:
    return Path(os.environ.get("WORKBENCH_HOME") or REPO_ROOT / ".mds")


def default_catalog() -> Path:
    env = os.environ.get("WORKBENCH_CATALOG")
    return Path(env) if env else default_home() / "catalog.yaml"


def find_model(refs: list[ModelRef], name: str) -> ModelRef:
    for ref in refs:
        if ref.name == name:
            return ref
    known = ", ".join(r.name for r in refs) or "none"
    raise CatalogError(f"No model named '{name}' in the catalog (models: {known}).")


def schema_rows(schema: ModelSchema) -> list[dict[str, Any]]:
    rows = []
    for f in schema.features:
        rows.append({
            "name": f.name,
            "kind": f.kind.value,
            "datatype": f.wire_datatype,
            "shape": list(f.shape),
            "min": f.minimum,
            "max": f.maximum,
            "categories": [f.label_of(c) for c in f.categories],
            "unit": f.unit,
            "description": f.description,
        })
    return rows


def _print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))


def cmd_models(args: argparse.Namespace, client: MDSClient) -> int:
    refs = [client.status(r) for r in load_catalog(args.catalog)]
    rows = [
        {"name": r.name, "protocol": r.protocol, "status": r.status, "version": r.version, "url": r.endpoint,
         "reason": r.status_reason, "description": r.description}
        for r in refs
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(f"No models in {args.catalog}. Add entries under 'models:' (see README) or run 'mds local up'.")
    else:
        _print_table(rows, ["name", "protocol", "status", "version", "url", "description"])
    return 0


def cmd_describe(args: argparse.Namespace, client: MDSClient) -> int:
    ref = find_model(load_catalog(args.catalog), args.model)
    schema = client.schema(ref)
    doc = {
        "name": ref.name, "protocol": ref.protocol, "url": ref.predict_url, "version": ref.version,
        "schema_source": schema.source, "task": schema.task, "features": schema_rows(schema),
        "outputs": [asdict(o) for o in schema.outputs], "card": ref.card,
    }
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
        return 0
    print(f"{ref.name} ({ref.protocol}) at {ref.predict_url}")
    if ref.description:
        print(ref.description)
    print(f"schema from {schema.source}; task: {schema.task}")
    _print_table(doc["features"], ["name", "kind", "datatype", "min", "max", "categories", "unit"])
    if schema.class_names:
        print("classes: " + ", ".join(schema.class_names))
    return 0


def cmd_predict(args: argparse.Namespace, client: MDSClient) -> int:
    ref = find_model(load_catalog(args.catalog), args.model)
    schema = client.schema(ref)
    output = Path(args.output) if args.output else Path(args.input).with_suffix(".predictions.csv")

    def report(p: BatchProgress) -> None:
        total = f"/{p.rows_total}" if p.rows_total is not None else ""
        print(f"\r{p.rows_done}{total} rows, {p.rows_per_s:,.0f} rows/s", end="", file=sys.stderr, flush=True)

    result = score_file(
        client, ref, schema, args.input, output,
        batch_size=args.batch_size, workers=args.workers, resume=args.resume,
        progress=None if args.quiet else report,
    )
    if not args.quiet:
        print(file=sys.stderr)
    print(
        f"{result.rows_scored} rows scored, {result.rows_rejected} rejected, "
        f"{result.rows_per_s:,.0f} rows/s -> {result.output}"
    )
    for reason, count in sorted(result.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {count}: {reason}")
    return 0


def cmd_local(args: argparse.Namespace, client: MDSClient) -> int:
    # The embedded MDS lives with the app (it trains models and starts servers); the command is shared.
    from workbench.embedded.__main__ import main as embedded_main

    argv = [args.action, *(["--home", args.home] if args.home else []), *args.options]
    return embedded_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mds", description="Talk to models in the Model Deployment Service.")
    parser.add_argument("--catalog", type=Path, default=None, help="catalog YAML (default: $WORKBENCH_CATALOG or the embedded MDS's)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("models", help="list the models and whether they are ready")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)
    p = sub.add_parser("describe", help="show a model's schema")
    p.add_argument("model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_describe)
    p = sub.add_parser("predict", help="score a CSV / Parquet / JSON-lines file")
    p.add_argument("model")
    p.add_argument("--input", required=True)
    p.add_argument("--output")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same output")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("local", help="the embedded local MDS")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--home", help="state folder (default: $WORKBENCH_HOME or .mds)")
    p.add_argument("options", nargs=argparse.REMAINDER, help="--base-port N, --no-alibi, --test-models, --timeout S")
    p.set_defaults(func=cmd_local)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.catalog is None:
        args.catalog = default_catalog()
    client = MDSClient()
    try:
        return int(args.func(args, client) or 0)
    except MDSError as exc:
        print(f"mds: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nmds: interrupted; rerun with --resume to continue.", file=sys.stderr)
        return 130
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
