"""One app replica as its own process, for tests/workbench/test_replicas.py.

    python -m tests.workbench.replica_worker record  --database-url URL --go FILE --prefix P --count M --model NAME
    python -m tests.workbench.replica_worker deliver --database-url URL --go FILE --catalog YAML --model NAME

``record`` does what the Predict page does after an answer (``log_prediction``) and what its
Feedback form does (``record_feedback``), one commit each; ``deliver`` is the app's outbox thread
(``deliver_pending`` with the Seldon sink) run until nothing is due. Both open the store as the app
does at start (``open_store``: migrations, which race with the other replica's) and then wait for
the file `go`, so that the replicas really write at once. The result is one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mds_client import MDSClient, load_catalog
from workbench.feedback.capture import record_feedback
from workbench.feedback.outbox import deliver_pending
from workbench.feedback.sinks import SeldonFeedbackSink
from workbench.store import log_prediction, open_store

V1_REQUEST = {"data": {"ndarray": [[1.0]]}}
V1_RESPONSE = {"data": {"names": ["yes", "no"], "ndarray": [[0.9, 0.1]]}}


def wait_for(go: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{go} never appeared")
        time.sleep(0.01)


def record(args: argparse.Namespace) -> dict:
    engine = open_store(args.database_url)
    print("ready", file=sys.stderr, flush=True)
    wait_for(args.go)
    ids = []
    for i in range(args.count):
        pid = log_prediction(engine, user=f"analyst-{args.prefix}", model=args.model, protocol="seldon",
                             request_id=f"{args.prefix}-{i}", inputs={"x": 1.0},
                             outputs={"task": "classification", "label": "yes"},
                             request=V1_REQUEST, response=V1_RESPONSE)
        ids.append(record_feedback(engine, pid, f"analyst-{args.prefix}", "correct", classes=["yes", "no"]).id)
    engine.dispose()
    return {"feedback_ids": ids}


def deliver(args: argparse.Namespace) -> dict:
    engine = open_store(args.database_url)
    refs = [r for r in load_catalog(args.catalog) if r.name == args.model]
    client = MDSClient()
    sinks = [SeldonFeedbackSink(client, refs)]
    print("ready", file=sys.stderr, flush=True)
    wait_for(args.go)
    delivered, runs = 0, 0
    while True:  # like the app's thread: run after run until a run finds nothing to do
        report = deliver_pending(engine, sinks, respect_backoff=False, limit=25)
        runs += 1
        delivered += report.delivered
        if report.delivered == 0 and report.pending == 0:
            break
    client.close()
    engine.dispose()
    return {"delivered": delivered, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="replica_worker")
    parser.add_argument("mode", choices=["record", "deliver"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--go", type=Path, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--prefix", default="r")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--catalog", type=Path)
    args = parser.parse_args(argv)
    result = record(args) if args.mode == "record" else deliver(args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
