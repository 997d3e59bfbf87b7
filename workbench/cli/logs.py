"""``mds logs serve|show`` and ``mds simulate``: the request-log sink from the command line.

    mds logs serve [--host 127.0.0.1] [--port 9530]     run the sink on the catalog in use
    mds logs show MODEL [--json]                        instances logged, per source, first and last time
    mds logs import-es --url URL [--index PATTERN] [--since 7d] [--max-docs N]   read seldon-request-logger's indices
    mds logs clear-demo                                 stop the demo's live drift, remove the demo traffic
    mds simulate MODEL --rows N --rate R [--drift FEATURE:SHIFT] [--days D] [--sink URL] [--seed S] [--batch K]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from logsink import LogSinkError
from logsink.attribution import Attribution
from mds_client import MDSError, ModelRef, load_catalog
from workbench.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    logs = sub.add_parser("logs", help="the request-log sink: serve it, show what is logged")
    logs_sub = logs.add_subparsers(dest="logs_command", required=True)
    serve = logs_sub.add_parser("serve", help="run the sink that Seldon's / KServe's request loggers post to")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=9530)
    serve.set_defaults(func=serve_command)
    show = logs_sub.add_parser("show", help="what is logged for a model: instances in total and per source")
    show.add_argument("model")
    show.add_argument("--json", action="store_true", help="print JSON for scripts")
    show.set_defaults(func=show_command)
    es = logs_sub.add_parser("import-es", help="read Seldon's request logs from Elasticsearch (inference-log-*)")
    es.add_argument("--url", required=True, help="the Elasticsearch cluster, e.g. http://127.0.0.1:9200")
    es.add_argument("--index", default="inference-log-*", help="index pattern (default inference-log-*)")
    es.add_argument("--since", default=None, help="only documents from then on: 7d, 12h, 30m or an ISO time")
    es.add_argument("--max-docs", type=int, default=200_000, help="stop after this many documents (default 200000)")
    es.set_defaults(func=import_es_command)
    clear = logs_sub.add_parser("clear-demo", help="stop the demo's live drift if it runs, and remove the demo traffic "
                                "seeded on first start")
    clear.set_defaults(func=clear_demo_command)

    sim = sub.add_parser("simulate", help="call a model with rows like its reference data and log them as Seldon would")
    sim.add_argument("model")
    sim.add_argument("--rows", type=int, required=True, help="instances to send")
    sim.add_argument("--rate", type=float, required=True, help="calls per second")
    sim.add_argument("--drift", default=None, metavar="FEATURE:SHIFT",
                     help="shift FEATURE by SHIFT standard deviations (categorical: skew it) from the last day on")
    sim.add_argument("--days", type=float, default=None, help="spread event times over the last D days (backfill)")
    sim.add_argument("--sink", default=None, help="sink URL (default: the catalog's logger url, else :9530)")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--batch", type=int, default=1, help="instances per call (the sink splits them)")
    sim.set_defaults(func=simulate_command)


def _catalog(args: argparse.Namespace) -> Path:
    catalog = getattr(args, "catalog", None)
    if catalog:
        return Path(catalog)

    env = os.environ.get("WORKBENCH_CATALOG")
    return Path(env) if env else get_settings().catalog_path


def _find(args: argparse.Namespace, name: str) -> ModelRef:
    refs = load_catalog(_catalog(args))
    for ref in refs:
        if ref.name == name:
            return ref
    known = ", ".join(r.name for r in refs) or "none"
    raise MDSError(f"No model named '{name}' in the catalog {_catalog(args)} (models: {known}).")


def serve_command(args: argparse.Namespace) -> int:
    # The sink's server (uvicorn, FastAPI, the store: ~0.4 s of imports): only `mds logs serve` pays.
    from logsink.__main__ import serve

    print(f"Request-log sink on http://{args.host}:{args.port}/ (catalog {_catalog(args)}); Ctrl-C stops it.")
    return serve(args.host, args.port, catalog=_catalog(args))


def show_command(args: argparse.Namespace) -> int:
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from workbench.store import open_store
    from workbench.store.traffic import log_summary

    summary = log_summary(open_store(get_settings().database_url), args.model)
    if summary.total == 0:
        try:
            _find(args, args.model)
        except MDSError as exc:
            print(f"mds: {exc} Nothing is logged under that name either.", file=sys.stderr)
            return 1
    doc = {"model": summary.model, "instances": summary.total, "per_source": summary.per_source,
           "first": summary.first.isoformat() if summary.first else None,
           "last": summary.last.isoformat() if summary.last else None, "in_catalog": summary.known_model}
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{summary.model}: {summary.total} instances logged" + ("" if summary.known_model else " (not in the catalog)"))
    for source, count in sorted(summary.per_source.items(), key=lambda kv: -kv[1]):
        print(f"  {source:<14} {count}")
    if summary.first:
        print(f"  first {doc['first']}\n  last  {doc['last']}")
    else:
        print("  Nothing logged yet: run 'mds simulate MODEL --rows 100 --rate 10' or point a request logger at the sink.")
    return 0


def simulate_command(args: argparse.Namespace) -> int:
    # logsink.simulate brings httpx (~0.1 s of imports): only `mds simulate` pays.
    from logsink.simulate import DEFAULT_SINK, Drift, simulate

    try:
        ref = _find(args, args.model)
        drift = Drift.parse(args.drift) if args.drift else None
        sink = args.sink or ref.logger_url or DEFAULT_SINK
        result = simulate(ref, rows=args.rows, rate=args.rate, sink_url=sink, drift=drift, days=args.days,
                          seed=args.seed, batch=args.batch)
    except (LogSinkError, MDSError) as exc:
        print(f"mds: {exc}", file=sys.stderr)
        return 1
    print(f"{ref.name}: {result.rows} instances in {result.calls} calls sent in {result.seconds:.1f} s; "
          f"{result.events_accepted} events logged at {sink}"
          + (f", {result.drifted_rows} rows drifted on {drift.feature}" if drift else ""))
    if result.failed_calls:
        print(f"  {result.failed_calls} calls failed at the model.", file=sys.stderr)
        return 1
    if result.events_rejected:
        print(f"  the sink refused {result.events_rejected} events, e.g. {result.rejects[0]}", file=sys.stderr)
        return 1
    return 0


def import_es_command(args: argparse.Namespace) -> int:
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from logsink.es_reader import import_es, parse_since
    from workbench.store import open_store

    try:
        if args.max_docs < 1:
            raise MDSError("--max-docs must be at least 1.")
        result = import_es(open_store(get_settings().database_url), args.url, index=args.index,
                           since=parse_since(args.since), attribution=Attribution(_catalog(args)),
                           max_docs=args.max_docs)
    except (LogSinkError, MDSError) as exc:
        print(f"mds: {exc}", file=sys.stderr)
        return 1
    print(f"{args.url} {args.index}: {result.documents} documents read, {result.rows} instances in the request log"
          + (f", {result.skipped} skipped" if result.skipped else ""))
    for reason in result.reasons:
        print(f"  skipped {reason}", file=sys.stderr)
    if result.truncated:
        print(f"  stopped at --max-docs {args.max_docs}; run again with --since or a higher --max-docs for the rest.",
              file=sys.stderr)
    return 0


def clear_demo_command(args: argparse.Namespace) -> int:
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from logsink.demo import clear_demo, stop_live_drift
    from workbench.store import open_store

    settings = get_settings()
    if (problem := stop_live_drift(settings.home)) is not None:  # else its next calls would be logged again
        print(f"mds: {problem}", file=sys.stderr)
        return 1
    removed = clear_demo(open_store(settings.database_url))
    print(f"Removed {removed} demo instances from the request log, with the demo verdicts on them." if removed
          else "No demo traffic to remove.")
    return 0
