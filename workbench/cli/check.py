"""``mds check MODEL --payload FILE [--fix OUT] [--json]``: will this model accept this payload?

Reads the payload (JSON, v1 or V2, or a curl command holding one) and runs the payload check
against the model's schema and its server's own rules (which server: its ``GET /v2``, or ``--server``).
Exit 0 when the model will accept the payload as it is; 1 with the
advice (naming the field) on stderr when it will not, or when the model or the file cannot be
read. ``--fix OUT`` writes the corrected payload for the model's protocol. Nothing is sent to the
model, and a URL inside a curl command is never used: the model comes from the catalog.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mds_client import MDSClient, MDSError
from mds_client.payload_check import MAX_PAYLOAD_BYTES, Report, diagnose
from mds_client.refs import ModelRef
from mds_client.server_info import FAMILIES, ServerInfo
from workbench.cli.common import find_model, list_refs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check a payload against a model's schema (nothing is sent)",
                       description="Say whether MODEL will accept the payload, and what to change if not.")
    p.add_argument("model", help="the model's name in the catalog (NAME@2 for a version)")
    p.add_argument("--payload", type=Path, required=True, help="JSON file (v1 or V2) or a file holding a curl command")
    p.add_argument("--fix", type=Path, default=None, metavar="OUT", help="write the corrected payload here")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.add_argument("--server", choices=("auto", *FAMILIES, "any"), default="auto",
                   help="whose rules apply where V2 servers differ: auto (what the model's server says at GET /v2), "
                        "mlserver, triton, kserve, or any (warn where one server would refuse)")
    p.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    client = MDSClient()
    try:
        text = read_payload_file(args.payload)
        ref = _find(args, client)
        report = diagnose(text, ref, client.schema(ref), server=_server(args, client, ref))
    except (MDSError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.fix is not None:
        if report.corrected is None:
            print("No corrected payload: no rows could be read from the payload.", file=sys.stderr)
        else:
            args.fix.write_text(json.dumps(report.corrected, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        _print(report, args)
    return 0 if report.accepted else 1


def read_payload_file(path: Path) -> bytes:
    """The file's bytes, refused unread when it is larger than the check reads."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MDSError(f"Cannot read the payload file {path}: {exc.strerror}.") from None
    if size > MAX_PAYLOAD_BYTES:
        raise MDSError(f"The payload file {path} is {size / 1e6:.1f} MB; mds check reads at most "
                       f"{MAX_PAYLOAD_BYTES / 1e6:.0f} MB. Score large files with `mds predict`.")
    return path.read_bytes()


def _server(args: argparse.Namespace, client: MDSClient, ref: ModelRef) -> ServerInfo:
    if args.server == "auto":
        return client.server_info(ref)
    return ServerInfo() if args.server == "any" else ServerInfo.named(args.server)


def _find(args: argparse.Namespace, client: MDSClient) -> ModelRef:
    return find_model(list_refs(args, client), args.model, client=client)


def _print(report: Report, args: argparse.Namespace) -> None:
    rules = f"; {report.server}'s rules" if report.server else ""
    if report.accepted:
        print(f"{args.model} will accept this payload ({report.kind}, {report.rows} row(s){rules}).")
    else:
        print(f"{args.model} will not accept this payload as it is{' (' + report.server + ')' if report.server else ''}:",
              file=sys.stderr)
    for finding in report.findings:
        if finding.severity == "info":
            continue
        stream = sys.stdout if report.accepted else sys.stderr
        where = f" [{finding.path}]" if finding.path != "$" else ""
        print(f"  {finding}{where}", file=stream)
    if args.fix is not None and report.corrected is not None:
        print(f"Corrected payload written to {args.fix}.", file=sys.stderr if not report.accepted else sys.stdout)
