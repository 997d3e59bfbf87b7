"""``mds feedback MODEL --request-id ID --truth V`` and ``mds feedback --retry-pending``.

Feedback is stored first, then forwarded through the same outbox the app drains.
"""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import cli_user, find_model, list_refs, store_engine


def register(sub: argparse._SubParsersAction) -> None:
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


def cmd_feedback(args: argparse.Namespace) -> int:
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from workbench.feedback.capture import find_prediction, get_feedback, record_feedback
    from workbench.feedback.outbox import deliver_pending
    from workbench.feedback.sinks import default_sinks
    from workbench.store.predictions import get_prediction, predicted_of

    client = args.client
    engine = store_engine()
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
    ref = find_model(list_refs(args, client), args.model, client=client)
    prediction_id = find_prediction(engine, ref.name, args.request_id, args.row)
    schema = client.schema(ref)
    said = predicted_of(get_prediction(engine, prediction_id))
    if schema.task == "regression":
        verdict = "correct" if said is not None and abs(float(said) - float(args.truth)) < 1e-9 else "wrong"
    else:
        verdict = "correct" if str(said) == str(args.truth).strip() else "wrong"
    item = record_feedback(engine, prediction_id, cli_user(), verdict,
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
