"""``python -m logsink [--host H] [--port P] [--catalog FILE] [--database-url URL] [--workers N]``.

What ``mds logs serve`` and the embedded MDS run. The store is the workbench's
(``WORKBENCH_DATABASE_URL``, else the SQLite file under the MDS home), migrated at start.
``--workers N`` runs N sink processes on the one port (``workers.py``); ``--fd`` is how such a worker
is told the listening socket it inherits.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import uvicorn

from logsink.app import create_app
from logsink.server import deadline_protocol
from logsink.workers import supervise
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.engine import fsync_every_commit

DEFAULT_PORT = 9530


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m logsink", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--catalog", type=Path, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1, help="sink processes sharing the port (default 1)")
    parser.add_argument("--fd", type=int, default=None, help=argparse.SUPPRESS)  # a worker's inherited socket
    args = parser.parse_args(argv)
    if args.workers > 1:
        return supervise(args.host, args.port, args.workers, catalog=args.catalog, database_url=args.database_url)
    return serve(args.host, args.port, catalog=args.catalog, database_url=args.database_url, fd=args.fd)


def serve(host: str, port: int, *, catalog: Path | None = None, database_url: str | None = None,
          fd: int | None = None) -> int:
    """Run one sink process on ``host:port``, or on the inherited listening socket ``fd`` (a worker)."""
    # The group writer's commit returns from a thread; with the default 5 ms switch interval it waited
    # that long for the GIL while the loop parsed events (measured: commits took twice as long).
    sys.setswitchinterval(0.001)
    settings = get_settings()
    engine = fsync_every_commit(open_store(database_url or settings.database_url))
    app = create_app(engine, catalog=catalog or settings.catalog_path)
    # In one process the group writer is the only writer; several (workers.py) serialise on the store's lock.
    # No proxy-headers middleware: the sink never reads the client address, and it runs per request.
    # Deadlines on reading each request (server.py): a slowloris client cannot hold a connection.
    http = deadline_protocol(settings.sink_header_seconds, settings.sink_body_seconds)
    if fd is None:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False, http=http)
        return 0
    config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False, http=http)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
