"""``python -m workbench.alerts``: the health exporter and webhook receiver (what the embedded MDS runs).

    python -m workbench.alerts [--host H] [--port P] [--window-seconds S] [--refresh-seconds S]
                               [--token-file FILE] [--rules-file FILE --prometheus-url URL] [--catalog FILE]

The models are the configured discovery's (``--catalog`` overrides the catalog file); the store is the
workbench's (``WORKBENCH_DATABASE_URL``), migrated at start. The webhook token is ``--token-file``'s content,
else ``WORKBENCH_ALERT_WEBHOOK_TOKEN``. With ``--rules-file`` the exporter writes the alert rules there at start
and asks ``--prometheus-url`` to reload them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from mds_client import MDSClient, MDSError, ModelRef, ModelSchema
from mds_client.transport.sessions import NO_RETRY, Timeout, Transport
from workbench.alerts.exporter import DEFAULT_REFRESH_SECONDS, HealthExporter, create_app
from workbench.alerts.rule_settings import publish_at_start
from workbench.catalog.service import discover_models, offline_schema, reference_frame
from workbench.monitor.model_health import DEFAULT_HISTORY, HealthMonitor
from workbench.settings import get_settings
from workbench.store import open_store

DEFAULT_PORT = 9531


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.alerts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--window-seconds", type=float, default=None,
                        help="health window width (default: WORKBENCH_HEALTH_WINDOW_SECONDS, 3600)")
    parser.add_argument("--history", type=int, default=DEFAULT_HISTORY, help="windows in 'recent' (default 24)")
    parser.add_argument("--refresh-seconds", type=float, default=None,
                        help=f"how often the numbers are refreshed (default: a quarter window, at most "
                             f"{DEFAULT_REFRESH_SECONDS:g} s)")
    parser.add_argument("--token-file", type=Path, default=None, help="the webhook's shared token, in a file")
    parser.add_argument("--rules-file", type=Path, default=None, help="write the alert rules here at start")
    parser.add_argument("--prometheus-url", default=None, help="the Prometheus to reload after writing the rules")
    parser.add_argument("--catalog", type=Path, default=None)
    args = parser.parse_args(argv)

    settings = get_settings()
    if args.catalog is not None:
        settings = settings.model_copy(update={"catalog": args.catalog})
    window = args.window_seconds or settings.health_window_seconds
    refresh = args.refresh_seconds or max(2.0, min(DEFAULT_REFRESH_SECONDS, window / 4))
    token = args.token_file.read_text().strip() if args.token_file else settings.alert_webhook_token
    engine = open_store(settings.database_url)
    client = MDSClient(Transport(timeout=Timeout(1.0, 3.0), retry=NO_RETRY))

    def schema_of(ref: ModelRef) -> ModelSchema | None:
        try:
            return client.schema(ref)
        except (MDSError, OSError, ValueError):
            return offline_schema(ref)  # the catalog's files: the server may be down or starting

    monitor = HealthMonitor(engine, lambda: discover_models(settings), schema_of, reference_of=reference_frame,
                            window_seconds=window, history=args.history)
    on_start = None
    if args.rules_file is not None:
        rules_file, prometheus = args.rules_file, args.prometheus_url

        def on_start() -> None:
            publish_at_start(engine, rules_file, prometheus)

    exporter = HealthExporter(monitor, refresh_seconds=refresh, on_start=on_start)
    app = create_app(engine, exporter, token=token)
    print(f"health exporter on http://{args.host}:{args.port}/metrics (windows of {window:g} s, refreshed every "
          f"{refresh:g} s); Alertmanager webhook at /alerts", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
