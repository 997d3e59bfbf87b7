"""The ``mds`` command: the MDS from a terminal, for ML engineers and scripts.

    mds [--catalog FILE | --discovery repository --url URL | --discovery kubernetes] models [--json]
    mds describe MODEL [--json]
    mds check MODEL --payload FILE [--fix OUT] [--json]
    mds predict MODEL --input FILE --output FILE|URL::table [--workers N] [--batch-size N] [--resume]
                      [--dask ADDRESS|local [--dask-workers N]]
    mds feedback MODEL --request-id ID --truth VALUE [--reward R] [--comment C]
    mds feedback --retry-pending
    mds explain MODEL --row ROW.json --method anchor|shap|occlusion|whatif|ale|importance [--feature F] [--json]
    mds logs serve [--host H] [--port P]      the request-log sink Seldon's logger posts to
    mds logs show MODEL [--json]
    mds simulate MODEL --rows N --rate R [--drift FEATURE:SHIFT] [--days D]
    mds local up|down|status
    mds publish PATH --name NAME --reference CSV [--description D] [--card FILE] [--alias A]
    mds promote NAME VERSION
    mds replay NAME --to VERSION [--since 24h] [--limit N] [--json]   what would change if VERSION answered
    mds alerts list|rules|set|silence|unsilence             model-health alerts (Alertmanager, Prometheus rules)
    mds segments MODEL [--since 7d] [--json]                where it fails: slices with the worst accuracy, largest drift

A model's version is named NAME@2 (or NAME@champion, an alias of the model registry) wherever a model is.

It lives app-side because it records predictions and feedback in the workbench store. One module per
subcommand group; each has ``register(sub)``, whose handlers take the parsed arguments (with
``args.client``, an ``MDSClient``, and ``args.catalog``) and return the exit code.
With no --catalog: $WORKBENCH_CATALOG, else the embedded MDS's catalog. ``--discovery repository
--url URL`` takes the models from that V2 server's repository index instead; ``--discovery kubernetes`` from the
cluster of the kubeconfig (or the pod's service account), with the app's WORKBENCH_KUBE_* settings.
Exit codes: 0 ok, 1 the MDS or the input said no (message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from mds_client import MDSClient, MDSError
from workbench.errors import WorkbenchError
from workbench.paths import default_catalog

GROUPS = ("models", "check", "explain", "feedback", "logs", "local", "publish", "replay", "alerts", "segments")
"""The modules of workbench.cli that register subcommands, in the order ``mds --help`` lists them."""
COMMANDS = {"models": "models", "describe": "models", "predict": "models", "check": "check", "explain": "explain",
            "feedback": "feedback", "logs": "logs", "simulate": "logs", "local": "local", "publish": "publish",
            "promote": "publish", "replay": "replay", "alerts": "alerts", "segments": "segments"}
"""Which group registers each subcommand: a command loads only its own module (``mds predict`` skips the
alerts' store, publishing and the payload check, about 0.3 s of imports of its 1 s start-up)."""
_VALUED_OPTIONS = ("--catalog", "--discovery", "--url")


def build_parser(groups: tuple[str, ...] = GROUPS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mds", description="Talk to models in the Model Deployment Service.")
    parser.add_argument("--catalog", type=Path, default=None,
                        help="catalog YAML (default: $WORKBENCH_CATALOG or the embedded MDS's)")
    parser.add_argument("--discovery", choices=["catalog", "repository", "kubernetes"], default="catalog",
                        help="where the models come from (default: the catalog; kubernetes: the cluster, with the "
                             "WORKBENCH_KUBE_* settings)")
    parser.add_argument("--url", help="with --discovery repository: the V2 server (MLServer, Triton) to ask")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in groups:
        importlib.import_module(f"workbench.cli.{group}").register(sub)
    return parser


def groups_for(argv: list[str]) -> tuple[str, ...]:
    """The group of the subcommand ``argv`` names, or every group (for --help, a typo, anything unclear)."""
    words = iter(argv)
    for word in words:
        if not word.startswith("-"):
            return (COMMANDS[word],) if word in COMMANDS else GROUPS
        if "=" in word:
            continue
        named = [option for option in _VALUED_OPTIONS if len(word) > 2 and option.startswith(word)]
        if len(named) != 1:  # -h, --help, an unknown or ambiguous option: argparse says what it says
            return GROUPS
        next(words, None)
    return GROUPS


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(groups_for(argv))
    args = parser.parse_args(argv)
    if args.discovery == "repository" and not args.url:
        parser.error("--discovery repository needs --url URL")
    if args.catalog is None:
        args.catalog = default_catalog()
    args.client = MDSClient()
    try:
        return int(args.func(args) or 0)
    except (MDSError, WorkbenchError) as exc:
        print(f"mds: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nmds: interrupted; rerun with --resume to continue.", file=sys.stderr)
        return 130
    finally:
        args.client.close()
