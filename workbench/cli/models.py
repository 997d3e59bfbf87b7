"""``mds models``, ``mds describe MODEL`` and ``mds predict MODEL --input FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mds_client.batch.checks import load_state
from mds_client.batch.progress import BatchProgress
from mds_client.batch.scorer import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS
from mds_client.schema.model import ModelSchema
from workbench.cli.common import add_transport_option, cli_user, find_model, list_refs, print_table, store_engine
from workbench.cli.predict_scale import add_scale_arguments, output_of, run_predict
from workbench.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list the models and whether they are ready")
    p.add_argument("--json", action="store_true")
    add_transport_option(p)
    p.set_defaults(func=cmd_models)
    p = sub.add_parser("describe", help="show a model's schema")
    p.add_argument("model", help="the model's name; NAME@2 or NAME@champion for one of its versions")
    p.add_argument("--json", action="store_true")
    add_transport_option(p)
    p.set_defaults(func=cmd_describe)
    p = sub.add_parser("predict", help="score a CSV / Parquet / JSON-lines file")
    p.add_argument("model", help="the model's name; NAME@2 or NAME@champion for one of its versions")
    p.add_argument("--input", required=True, help="a file; with --dask also a glob, a Parquet folder or an fsspec URL")
    p.add_argument("--output", help="a file (CSV, Parquet, JSON lines), a folder with --dask, or a table: "
                   "<SQLAlchemy URL>::[schema.]table")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same output")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--no-store", action="store_true", help="do not log the predictions to the workbench store")
    add_scale_arguments(p)
    add_transport_option(p)
    p.set_defaults(func=cmd_predict)


def schema_rows(schema: ModelSchema) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "kind": f.kind.value,
            "datatype": f.wire_datatype,
            "shape": list(f.shape),
            "min": f.minimum,
            "max": f.maximum,
            "categories": [f.label_of(c) for c in f.categories],
            "unit": f.unit,
            "description": f.description,
        }
        for f in schema.features
    ]


def cmd_models(args: argparse.Namespace) -> int:
    client = args.client
    refs = [client.status(r) for r in list_refs(args, client)]
    rows = [
        {"name": r.name, "protocol": r.protocol, "status": r.status, "version": r.version,
         "url": r.grpc_url if r.uses_grpc else r.endpoint,
         "reason": r.status_reason, "description": r.description}
        for r in refs
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        where = {"repository": args.url, "kubernetes": "the Kubernetes cluster"}.get(args.discovery, args.catalog)
        print(f"No models in {where}. Add entries under 'models:' (see README) or run 'mds local up'.")
    else:
        print_table(rows, ["name", "protocol", "status", "version", "url", "description"])
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    client = args.client
    ref = find_model(list_refs(args, client), args.model, client=client)
    schema = client.schema(ref)
    doc = {
        "name": ref.name, "protocol": ref.protocol, "url": ref.predict_url, "version": ref.version,
        "transport": ref.transport, "grpc_url": ref.grpc_url,
        "schema_source": schema.source, "task": schema.task, "features": schema_rows(schema),
        "outputs": [asdict(o) for o in schema.outputs], "card": ref.card,
        "params": [asdict(p) for p in schema.params],
    }
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
        return 0
    print(f"{ref.name} ({ref.protocol}) at {ref.grpc_url + ' (gRPC)' if ref.uses_grpc else ref.predict_url}")
    if ref.description:
        print(ref.description)
    print(f"schema from {schema.source}; task: {schema.task}")
    print_table(doc["features"], ["name", "kind", "datatype", "min", "max", "categories", "unit"])
    if schema.class_names:
        print("classes: " + ", ".join(schema.class_names))
    if schema.params:  # what `mds predict --param NAME=VALUE` takes
        print("parameters (--param NAME=VALUE): " + ", ".join(
            f"{p.name} ({p.type}{'' if p.is_scalar else ' list'}, default {p.default})" for p in schema.params))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    client = args.client
    ref = find_model(list_refs(args, client), args.model, client=client)
    schema = client.schema(ref)
    output = output_of(args)

    def report(p: BatchProgress) -> None:
        total = f"/{p.rows_total}" if p.rows_total is not None else ""
        print(f"\r{p.rows_done}{total} rows, {p.rows_per_s:,.0f} rows/s", end="", file=sys.stderr, flush=True)

    log = dask_log = None
    if not args.no_store:
        if args.dask:
            dask_log = _dask_logger(ref, schema, output, args.resume)
        else:
            log = _store_logger(ref, schema, output, args.resume)
    try:
        result = run_predict(args, client, ref, schema, output, progress=None if args.quiet else report,
                             on_rows=log.on_rows if log is not None else None, row_log=dask_log)
    finally:
        error = log.close() if log is not None else dask_log.close() if dask_log is not None else None
    if error is not None:
        again = "" if dask_log is not None else "; 'mds predict --resume' logs them"  # a worker's lost file is not
        print(f"\nmds: could not log rows to the workbench store ({error}){again}.", file=sys.stderr)
    if not args.quiet:
        print(file=sys.stderr)
    print(
        f"{result.rows_scored} rows scored, {result.rows_rejected} rejected, "
        f"{result.rows_per_s:,.0f} rows/s -> {result.output}"
    )
    for reason, count in sorted(result.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {count}: {reason}")
    if result.rows_scored == 0 and result.rows_rejected > 0:
        print("mds: no row was scored; see the reasons above.", file=sys.stderr)
        return 1  # a run that scores nothing failed, whatever was written
    return 0


def _store_logger(ref: Any, schema: ModelSchema, output: Path | str, resume: bool) -> Any:
    """The batch log's writer for this run, or None when the store cannot be opened.

    A resumed run carries on the run it resumes (``run_for_output``), first logging the rows the
    output has and the log lacks (a kill between the two). The predictions matter more than their
    log: a store that fails says so on stderr and scoring goes on.
    """
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from workbench.batch.log_writer import BatchLogWriter, run_for_output

    where = str(output) if isinstance(output, str) else str(Path(output).resolve())
    try:
        engine = store_engine()
        state = load_state(output) if resume else None
        rows_done = state.rows_done if state else 0
        home = get_settings().home
        run_id = run_for_output(home, where, resume=state is not None)
        log = BatchLogWriter(engine, home, ref, schema, run_id=run_id, user=cli_user(), source="cli", output=where,
                             first_row=rows_done)
        if rows_done:
            log.catch_up(output, rows_done)
    except Exception as exc:
        print(f"mds: predictions will not be logged to the workbench store ({exc}).", file=sys.stderr)
        return None
    return log


def _dask_logger(ref: Any, schema: ModelSchema, output: Path | str, resume: bool) -> Any:
    """The batch log of a Dask run (``DaskRowLog``: workers write their rows, this process indexes them), or None.

    A resumed run carries on the run it resumes: its finished partitions were indexed, or are now.
    """
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from workbench.batch.dask_log import DaskRowLog
    from workbench.batch.log_writer import run_for_output

    where = str(output) if isinstance(output, str) else str(Path(output).resolve())
    try:
        home = get_settings().home
        return DaskRowLog(store_engine(), home, ref, schema, run_id=run_for_output(home, where, resume=resume),
                          user=cli_user(), source="cli", output=where)
    except Exception as exc:
        print(f"mds: predictions will not be logged to the workbench store ({exc}).", file=sys.stderr)
        return None
