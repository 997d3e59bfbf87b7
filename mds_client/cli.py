"""The ``mds`` command: the MDS from a terminal, for ML engineers and scripts.

    mds [--catalog FILE | --discovery repository --url URL] models [--json]
    mds describe MODEL [--json]
    mds predict MODEL --input FILE --output FILE|URL::table [--workers N] [--batch-size N] [--resume]
                      [--dask ADDRESS|local [--dask-workers N]]
    mds feedback MODEL --request-id ID --truth VALUE [--reward R] [--comment C]
    mds feedback --retry-pending
    mds local up|down|status

With no --catalog: $WORKBENCH_CATALOG, else the embedded MDS's catalog. ``--discovery repository
--url URL`` takes the models from that V2 server's repository index instead.
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

from .batch import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, BatchProgress
from .client import MDSClient
from .discovery import RepositoryDiscovery, load_catalog
from .errors import CatalogError, MDSError
from .predict_scale import add_scale_arguments, output_of, run_predict
from .refs import ModelRef
from .schema import ModelSchema

REPO_ROOT = Path(__file__).resolve().parents[1]


def default_home() -> Path:
    return Path(os.environ.get("WORKBENCH_HOME") or REPO_ROOT / ".mds")


def default_catalog() -> Path:
    env = os.environ.get("WORKBENCH_CATALOG")
    return Path(env) if env else default_home() / "catalog.yaml"


def list_refs(args: argparse.Namespace, client: MDSClient) -> list[ModelRef]:
    """The models of the chosen discovery: the catalog file, or a V2 server's repository index."""
    if args.discovery == "repository":
        return RepositoryDiscovery(args.url, transport=client.transport).list_models()
    return load_catalog(args.catalog)


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
    refs = [client.status(r) for r in list_refs(args, client)]
    rows = [
        {"name": r.name, "protocol": r.protocol, "status": r.status, "version": r.version, "url": r.endpoint,
         "reason": r.status_reason, "description": r.description}
        for r in refs
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(f"No models in {args.url if args.discovery == 'repository' else args.catalog}. Add entries under 'models:' (see README) or run 'mds local up'.")
    else:
        _print_table(rows, ["name", "protocol", "status", "version", "url", "description"])
    return 0


def cmd_describe(args: argparse.Namespace, client: MDSClient) -> int:
    ref = find_model(list_refs(args, client), args.model)
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
    ref = find_model(list_refs(args, client), args.model)
    schema = client.schema(ref)
    output = output_of(args)

    def report(p: BatchProgress) -> None:
        total = f"/{p.rows_total}" if p.rows_total is not None else ""
        print(f"\r{p.rows_done}{total} rows, {p.rows_per_s:,.0f} rows/s", end="", file=sys.stderr, flush=True)

    on_rows = None
    if args.dask and not args.no_store:
        print("mds: rows scored on Dask workers are not logged to the workbench store.", file=sys.stderr)
    elif not args.no_store:
        # The workbench store is the app's; imported here so that mds_client never needs it.
        from workbench.prediction_log import batch_row_logger

        from .batch import load_state

        state = load_state(output) if args.resume else None
        try:
            log_rows = batch_row_logger(_store_engine(), ref, schema, user=_cli_user(), source="cli",
                                        first_row=state.rows_done if state else 0)
        except Exception as exc:  # the predictions matter more than their log
            print(f"mds: predictions will not be logged to the workbench store ({exc}).", file=sys.stderr)
        else:
            def on_rows(frame: Any) -> None:
                try:
                    log_rows(frame)
                except Exception as exc:
                    print(f"\nmds: could not log rows to the workbench store ({exc}).", file=sys.stderr)
    result = run_predict(args, client, ref, schema, output, progress=None if args.quiet else report, on_rows=on_rows)
    if not args.quiet:
        print(file=sys.stderr)
    print(
        f"{result.rows_scored} rows scored, {result.rows_rejected} rejected, "
        f"{result.rows_per_s:,.0f} rows/s -> {result.output}"
    )
    for reason, count in sorted(result.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {count}: {reason}")
    return 0


def _store_engine():  # type: ignore[no-untyped-def]
    from workbench.settings import get_settings
    from workbench.store import open_store

    return open_store(get_settings().database_url)


def _cli_user() -> str:
    return os.environ.get("WORKBENCH_USER") or os.environ.get("USER") or "cli"


def cmd_feedback(args: argparse.Namespace, client: MDSClient) -> int:
    from workbench.feedback_forwarder import default_sinks, deliver_pending
    from workbench.feedback_service import find_prediction, get_feedback, record_feedback

    engine = _store_engine()
    sinks = default_sinks(client, lambda: list_refs(args, client))
    if args.retry_pending:
        report = deliver_pending(engine, sinks, respect_backoff=False)
        print(f"feedback: {report}")
        for model, error in report.errors.items():
            print(f"  {model}: {error}", file=sys.stderr)
        return 0 if report.pending == 0 and report.failed == 0 else 1
    if not args.model or not args.request_id or args.truth is None:
        print("mds feedback: give MODEL --request-id ID --truth VALUE, or --retry-pending.", file=sys.stderr)
        return 2
    ref = find_model(list_refs(args, client), args.model)
    prediction_id = find_prediction(engine, ref.name, args.request_id, args.row)
    schema = client.schema(ref)
    from workbench.feedback_service import predicted_of
    from workbench.store import get_prediction

    said = predicted_of(get_prediction(engine, prediction_id))
    if schema.task == "regression":
        verdict = "correct" if said is not None and abs(float(said) - float(args.truth)) < 1e-9 else "wrong"
    else:
        verdict = "correct" if str(said) == str(args.truth).strip() else "wrong"
    item = record_feedback(engine, prediction_id, _cli_user(), verdict,
                           truth=None if verdict == "correct" and schema.task != "regression" else args.truth,
                           comment=args.comment or "", reward=args.reward, schema=schema)
    print(f"feedback {item.id} stored for prediction {prediction_id} ({verdict}; the model said {said}).")
    if item.forwarded == "pending":
        deliver_pending(engine, sinks, ids=[item.id], retries=1)
        item = get_feedback(engine, item.id)
    if item.forwarded == "delivered":
        print(f"delivered to {ref.name}.")
    elif item.forwarded == "pending":
        print(f"pending: {item.last_error or 'not sent yet'}; 'mds feedback --retry-pending' sends it later.")
    elif item.forwarded == "failed":
        print(f"refused by {ref.name}: {item.last_error}")
        return 1
    else:
        print(f"kept in the workbench: {ref.name} ({ref.protocol}) has no feedback endpoint.")
    return 0


def cmd_local(args: argparse.Namespace, client: MDSClient) -> int:
    # The embedded MDS lives with the app (it trains models and starts servers); the command is shared.
    from workbench.embedded.__main__ import main as embedded_main

    argv = [args.action, *(["--home", args.home] if args.home else []), *args.options]
    return embedded_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mds", description="Talk to models in the Model Deployment Service.")
    parser.add_argument("--catalog", type=Path, default=None, help="catalog YAML (default: $WORKBENCH_CATALOG or the embedded MDS's)")
    parser.add_argument("--discovery", choices=["catalog", "repository"], default="catalog",
                        help="where the models come from (default: the catalog)")
    parser.add_argument("--url", help="with --discovery repository: the V2 server (MLServer, Triton) to ask")
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
    p.add_argument("--input", required=True, help="a file; with --dask also a glob, a Parquet folder or an fsspec URL")
    p.add_argument("--output", help="a file (CSV, Parquet, JSON lines), a folder with --dask, or a table: "
                   "<SQLAlchemy URL>::[schema.]table")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same output")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--no-store", action="store_true", help="do not log the predictions to the workbench store")
    add_scale_arguments(p)
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("feedback", help="tell a model whether a prediction was right; or send what is pending")
    p.add_argument("model", nargs="?")
    p.add_argument("--request-id", help="the request_id column of 'mds predict' output")
    p.add_argument("--row", type=int, default=None, help="row of the output file (1 = first data row) when one "
                   "request id scored several rows")
    p.add_argument("--truth", help="the right answer (a class name, or a number for regression)")
    p.add_argument("--reward", type=float, default=None, help="default: 1 if the model was right, else 0")
    p.add_argument("--comment", default="")
    p.add_argument("--retry-pending", action="store_true", help="send every feedback item still waiting")
    p.set_defaults(func=cmd_feedback)
    p = sub.add_parser("local", help="the embedded local MDS")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--home", help="state folder (default: $WORKBENCH_HOME or .mds)")
    p.add_argument("options", nargs=argparse.REMAINDER, help="--base-port N, --no-alibi, --test-models, --timeout S")
    p.set_defaults(func=cmd_local)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.discovery == "repository" and not args.url:
        parser.error("--discovery repository needs --url URL")
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
