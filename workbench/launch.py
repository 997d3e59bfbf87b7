"""``make run``: the embedded MDS plus the app, started together and stopped together.

With WORKBENCH_CATALOG set, the app runs against that catalog and no local
server is started. Otherwise the embedded MDS comes up (or an already running
one in the same home is reused and left running), then ``streamlit run``.
Ctrl-C stops the app and every server this command started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from embedded_mds import local_mds
from embedded_mds.errors import AlreadyRunningError, EmbeddedMDSError
from workbench.paths import default_home
from workbench.settings import get_settings

REPO = Path(__file__).resolve().parents[1]


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop the app and the servers (SIGINT may arrive ignored from a background shell)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def main() -> int:
    _stop_on_signals()

    problems = get_settings().production_problems()
    if problems:
        print("MDS Workbench will not start with WORKBENCH_ENV=production:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    # A crash in a C extension (pandas' parser, pyarrow) then prints every thread's Python stack, not just
    # "Segmentation fault": what an operator needs to report it.
    env = {"PYTHONFAULTHANDLER": "1", **os.environ}
    started_here = False
    home = default_home()
    if not env.get("WORKBENCH_CATALOG"):
        try:
            mds = local_mds.up(home, sink=True)
            started_here = True
            print(f"Embedded MDS ready in {mds.ready_seconds:.1f} s:")
            for server in mds.servers:
                print(f"  {server['name']:<10} {server['url']:<26} {', '.join(server['models'])}")
            for name, reason in mds.failures.items():
                print(f"  {name}: not started: {reason}", file=sys.stderr)
        except AlreadyRunningError:
            print(f"Using the embedded MDS already running in {home}.")
        except EmbeddedMDSError as exc:
            print(f"The embedded MDS did not start: {exc}", file=sys.stderr)
            return 1
        env["WORKBENCH_CATALOG"] = str(home / "catalog.yaml")
        if started_here:
            # Seeding brings the store and httpx (~0.4 s): only a first start pays, not every launch.
            from logsink.demo import drift_live_in_background, seed_once_in_background

            # First start only (a marker in the home): a few days of demo traffic, in its own process; beside it, and at
            # later starts, the demo's drift goes on now, so its alert fires minutes after start (docs/alerts.md).
            if seed_once_in_background(home, home / "catalog.yaml") is not None:
                print("Seeding a few days of demo traffic in the background (mds logs clear-demo removes it).")
            elif drift_live_in_background(home, home / "catalog.yaml") is not None:
                print("Demo traffic: its drifting model gets drifted calls again while the demo runs (unless cleared).")
            registry = next((s["url"] for s in mds.servers if s["name"] == "mlflow"), None)
            if registry:
                # The model registry's client and the models' check (pandas, joblib): only a first start pays.
                from workbench.publish.demo import register_in_background

                # Demo models go through the same door as a researcher's: registered as version 1 by "demo".
                register_in_background(home, registry)
    port = env.get("WORKBENCH_PORT", "8501")
    print(f"\nMDS Workbench: http://localhost:{port}  (Ctrl-C stops it)\n", flush=True)
    # Loopback by default: a demo laptop should not serve the app to its whole network.
    address = env.get("WORKBENCH_ADDRESS", "127.0.0.1")
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "workbench" / "app.py"), "--server.address", address,
         "--server.port", port, "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env,
    )
    try:
        return app.wait()
    except KeyboardInterrupt:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
        return 0
    finally:
        if started_here:
            local_mds.down(home)
            print("Embedded MDS stopped.")


if __name__ == "__main__":
    sys.exit(main())
