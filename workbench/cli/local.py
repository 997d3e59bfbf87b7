"""``mds local up|down|status``: the embedded local MDS (the same as ``python -m embedded_mds``)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("local", help="the embedded local MDS")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--home", help="state folder (default: $WORKBENCH_HOME or .mds)")
    p.add_argument("options", nargs=argparse.REMAINDER, help="--base-port N, --no-alibi, --no-mlflow, --no-triton, --test-models, --timeout S")
    p.set_defaults(func=cmd_local)


def cmd_local(args: argparse.Namespace) -> int:
    # The embedded MDS's modules (~20 ms of imports): only `mds local` pays, not every `mds` command.
    from embedded_mds.__main__ import main as embedded_main

    argv = [args.action, *(["--home", args.home] if args.home else []), *args.options]
    return embedded_main(argv)
