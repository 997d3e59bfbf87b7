"""``python -m embedded_mds up|down|status|prepare [--home DIR]``: the embedded MDS by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from embedded_mds import local_mds
from embedded_mds.errors import EmbeddedMDSError
from embedded_mds.ports import LocalPorts
from workbench.paths import default_home


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m embedded_mds", description="The embedded local MDS.")
    parser.add_argument("command", choices=["up", "down", "status", "prepare"])
    parser.add_argument("--home", type=Path, default=None, help="MDS home (default: $WORKBENCH_HOME or <repo>/.mds)")
    parser.add_argument("--base-port", type=int, default=None,
                        help="shift every port: MLServer base..base+2, seldon base+10.., alibi base+20..23, "
                             "sink base+30, health base+31, prometheus base+40, alertmanager base+41, MLflow base+50, "
                             "Triton base+60..62")
    parser.add_argument("--test-models", action="store_true", help="also serve the echo test models")
    parser.add_argument("--no-alibi", action="store_true", help="skip the explainer / drift MLServer")
    parser.add_argument("--no-sink", action="store_true", help="skip the request-log sink")
    parser.add_argument("--no-prometheus", action="store_true", help="do not start Prometheus")
    parser.add_argument("--no-mlflow", action="store_true", help="do not start the MLflow model registry")
    parser.add_argument("--no-alertmanager", action="store_true", help="do not start Alertmanager")
    parser.add_argument("--no-triton", action="store_true", help="do not start NVIDIA Triton (its demo model)")
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args(argv)

    home = args.home or default_home()
    ports = LocalPorts.from_base(args.base_port) if args.base_port else LocalPorts()
    try:
        if args.command == "prepare":
            prepared = local_mds.prepare(home, include_test_models=args.test_models, ports=ports,
                                         alibi=not args.no_alibi)
            print(f"prepared {home}: {', '.join(prepared.core_models + prepared.seldon_services + prepared.alibi_models)}")
            if prepared.alibi_error:
                print(f"alibi: {prepared.alibi_error}", file=sys.stderr)
        elif args.command == "up":
            mds = local_mds.up(home, ports, include_test_models=args.test_models, timeout=args.timeout,
                               alibi=not args.no_alibi, prometheus=not args.no_prometheus,
                               sink=not args.no_sink, mlflow=not args.no_mlflow,
                               alertmanager=not args.no_alertmanager, triton=not args.no_triton)
            for server in mds.servers:
                print(f"{server['name']:<10} {server['url']:<26} pid {server['pid']:<7} models: {', '.join(server['models'])}")
            for name, reason in mds.failures.items():
                print(f"{name:<10} NOT RUNNING: {reason}", file=sys.stderr)
            print(f"ready in {mds.ready_seconds:.1f} s; catalog: {mds.catalog_path}")
        elif args.command == "down":
            stopped = local_mds.down(home)
            print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        else:
            rows = local_mds.status(home)
            if not rows:
                print(f"not running ({home})")
            for row in rows:
                state = "ready" if row.ready else ("alive, not ready" if row.alive else "dead")
                print(f"{row.server:<10} {row.url:<26} pid {row.pid:<7} {state}")
            for name, reason in local_mds.failed(home).items():
                print(f"{name:<10} NOT RUNNING: {reason}")
    except EmbeddedMDSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
