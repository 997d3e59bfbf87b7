"""``mds replay NAME --to VERSION``: what would change if VERSION had answered NAME's logged traffic.

    mds replay NAME --to VERSION [--since 24h] [--limit N] [--tolerance T] [--top N] [--json]

Every caller's calls to NAME logged in the window are sent to NAME@VERSION (a number, or an alias of the
model registry such as ``champion``) at the server's pace; the summary says how many answers change, the
confusion table (classifiers) or how far values move (regressions), where the changes concentrate, the
biggest changes with their request ids, and every row that failed or was skipped with its reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mds_client.batch.progress import BatchProgress
from workbench.cli.common import find_model, list_refs, print_table, store_engine
from workbench.replay.errors import NothingToReplay
from workbench.time_text import when

SHOWN_REASONS = 5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="send a model's logged traffic to another version: what would change")
    p.add_argument("model", help="the model whose logged calls are replayed")
    p.add_argument("--to", required=True, metavar="VERSION",
                   help="the version to compare with: a number (2) or an alias of the model registry (champion)")
    p.add_argument("--since", default="24h",
                   help="replay the calls logged since then: 7d, 24h, 30m or an ISO time (default 24h)")
    p.add_argument("--limit", type=_positive, default=None, help="only the newest N calls of the window")
    p.add_argument("--tolerance", type=float, default=None,
                   help="regressions: a value that moves by more than this has changed (default 1e-06)")
    p.add_argument("--top", type=_positive, default=10, help="how many of the biggest changes to list (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=cmd_replay)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def cmd_replay(args: argparse.Namespace) -> int:
    # The service reads the store and parse_since comes with the log readers (SQLAlchemy, ~0.25 s of
    # imports): `mds --help` and the other commands skip them.
    from logsink.es_reader import parse_since
    from workbench.replay import DEFAULT_TOLERANCE, replay

    client = args.client
    refs = list_refs(args, client)
    model = find_model(refs, args.model)
    target = find_model(refs, f"{model.name}@{args.to.lstrip('@')}", client=client)
    start = parse_since(args.since)

    def report(p: BatchProgress) -> None:
        total = f"/{p.rows_total}" if p.rows_total is not None else ""
        print(f"\r{p.rows_done}{total} rows replayed, {p.rows_per_s:,.0f} rows/s", end="", file=sys.stderr, flush=True)

    try:
        result = replay(store_engine(), client, model, target, start=start, limit=args.limit, top=args.top,
                        tolerance=DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance,
                        progress=None if args.json else report)
    except NothingToReplay as exc:
        print(f"mds: {exc.message} Send traffic to it, or widen --since (now {args.since}).", file=sys.stderr)
        return 1
    if not args.json:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print_summary(result)
    if result.answered == 0:
        print(f"mds: {result.target} answered none of the {result.replayed} replayed rows; see the reasons above.",
              file=sys.stderr)
        return 1
    return 0


def print_summary(result: Any) -> None:
    limited = f" (the newest {result.logged:,})" if result.limited else ""
    print(f"{result.model}: {result.logged:,} logged rows{limited} between {when(result.start)} and "
          f"{when(result.end)} UTC, replayed to {result.target}")
    print(f"  {result.answered:,} answered, {result.failed:,} failed, {result.skipped:,} skipped; "
          f"{result.rows_per_s:,.0f} rows/s in all")
    print(f"  {result.changed:,} of {result.answered:,} answers change ({result.changed_share:.1%})")
    if result.moves is not None:
        m = result.moves
        print(f"  values move by {m.mean:.4g} on average (median {m.median:.4g}, largest {m.max:.4g}); "
              f"{m.share_beyond:.1%} by more than {m.tolerance:g}")
    if result.confusion is not None and not result.confusion.empty:
        print()
        print_confusion(result.confusion, result.target)
    if not result.concentration.empty:
        print("\nWhere the changes concentrate (changed rows against the others):")
        width = max(len(str(f)) for f in result.concentration["feature"])
        for row in result.concentration.itertuples():
            print(f"  {str(row.feature).ljust(width)}  {row.summary}")
    if not result.biggest.empty:
        print("\nBiggest changes:")
        frame = result.biggest
        inputs = [c for c in frame.columns if c not in BIGGEST_FIXED]
        # how big a change is: a value's move, or the probability the new version took from the logged class
        size = "moved" if result.moves is not None else "p_taken"
        rows = [{**{c: _cell(r[c]) for c in frame.columns}, "time": when(r["time"]), size: _cell(r["change"])}
                for _, r in frame.iterrows()]
        print_table(rows, ["request_id", "row_index", "time", "logged", "replayed", size, *inputs])
    for title, table in ((f"Failed on {result.target}", result.failures), ("Skipped", result.skips)):
        if table.empty:
            continue
        print(f"\n{title}:")
        for row in table.head(SHOWN_REASONS).itertuples():
            print(f"  {row.rows:>6,}  {row.reason}  (e.g. request {row.example_request_id})")
        if len(table) > SHOWN_REASONS:
            print(f"  ... and {len(table) - SHOWN_REASONS} more reasons (--json lists them all)")


BIGGEST_FIXED = {"request_id", "row_index", "source", "time", "logged", "replayed", "change", "replayed_confidence"}


def print_confusion(table: Any, target: str) -> None:
    """Logged class (rows) x replayed class (columns), counts right-aligned; class names as the model writes them."""
    corner = f"logged \\ {target}"
    first = max(len(corner), *(len(str(c)) for c in table.index))
    widths = [max(len(str(c)), *(len(f"{n:,}") for n in table[c])) for c in table.columns]
    print("  ".join([corner.ljust(first), *(str(c).rjust(w) for c, w in zip(table.columns, widths, strict=True))]))
    for label, row in table.iterrows():
        print("  ".join([str(label).ljust(first), *(f"{n:,}".rjust(w) for n, w in zip(row, widths, strict=True))]))


def _cell(value: Any) -> Any:
    return f"{value:.4g}" if isinstance(value, float) else value
