"""Alerts in the demo, timed on a real embedded MDS (its minute-wide health windows, Prometheus, Alertmanager).

1. The seeded demo: seconds from the start of the seeding (what `make run` starts once the MDS is up) to the
   drifting model's ``ModelDrift`` stored by the webhook, and to its state reading "firing".
2. ``mds simulate MODEL --drift FEATURE:SHIFT`` on another classifier: seconds from the simulation's start to
   ``ModelDrift`` firing, then from its end to the alert resolved.

Both run at once on one fresh home, side by side with the goal the issue sets (two windows plus the rule's
``for``), printed as ratios. Models are chosen by schema, never by name.

    .venvs/app/bin/python bench/demo_alert.py [--rate 5] [--minutes 4] [--full] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="demo-alert-"))
os.environ["WORKBENCH_HOME"] = str(HOME)  # the seeding process, the sink and the exporter share this home's store
os.environ.pop("WORKBENCH_DATABASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded_mds import local_mds  # noqa: E402
from embedded_mds.alerting import DEMO_WINDOW_SECONDS  # noqa: E402
from embedded_mds.ports import LocalPorts  # noqa: E402
from logsink.demo import numeric_features, plan_demo, seed_once_in_background  # noqa: E402
from logsink.simulate import Drift, simulate  # noqa: E402
from mds_client import MDSClient, load_catalog  # noqa: E402
from workbench.alerts.service import health_states  # noqa: E402
from workbench.settings import get_settings  # noqa: E402
from workbench.store import open_store  # noqa: E402
from workbench.store.alerts import notifications  # noqa: E402

GOAL = 2 * DEMO_WINDOW_SECONDS  # two windows; ModelDrift's ``for`` is 0


def stored(engine, model: str, status: str, since: datetime) -> datetime | None:
    for n in notifications(engine, model=model):
        if n.alertname == "ModelDrift" and n.status == status and n.received_at and n.received_at >= since:
            return n.received_at
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=5.0, help="calls/s of the drifted simulation")
    parser.add_argument("--minutes", type=float, default=4.0, help="how long the drifted simulation runs")
    parser.add_argument("--keep", action="store_true", help="leave the MDS running (mds local down --home ...)")
    parser.add_argument("--full", action="store_true", help="every server make run starts (the alibi explainers "
                        "and MLflow too), timed from the start of `up`")
    args = parser.parse_args()
    t0 = time.monotonic()
    mds = local_mds.up(HOME, LocalPorts.free(), sink=True, alibi=args.full, mlflow=args.full)
    print(f"embedded MDS in {HOME} ({'every server' if args.full else 'without the alibi explainers and MLflow'}) "
          f"ready in {time.monotonic() - t0:.0f} s; not started: {mds.failures or 'none'}")
    settings = get_settings()
    engine = open_store(settings.database_url)
    try:
        client = MDSClient()
        plan = plan_demo(load_catalog(mds.catalog_path), client)
        if plan.drift is None:
            raise SystemExit("no demo model drifts (no classifier with a numeric feature)")
        demo_model = plan.drift[0]
        other = next(((ref, schema) for ref, schema in plan.models if ref.name != demo_model
                      and schema.task == "classification" and numeric_features(schema)), None)
        started = datetime.now(UTC)
        seeding = seed_once_in_background(HOME, mds.catalog_path)
        seed_t0 = time.monotonic()

        result: dict[str, float] = {}
        if other is not None:
            ref, schema = other
            drift = Drift(numeric_features(schema)[0], 3.0)
            rows = int(args.rate * args.minutes * 60)

            def run_simulation() -> None:
                simulate(ref, rows=rows, rate=args.rate, sink_url=mds.url("sink"), drift=drift, client=MDSClient())
                result["ended"] = time.monotonic()
                result["ran"] = result["ended"] - sim_t0

            sim_started = datetime.now(UTC)
            sim_thread = threading.Thread(target=run_simulation, daemon=True)
            sim_t0 = time.monotonic()
            sim_thread.start()

        # Every event is timed by one loop, so that waiting for one does not delay seeing another.
        seen: dict[str, float] = {}
        checks = {
            "demo fired": lambda: stored(engine, demo_model, "firing", started),
            "demo state firing": lambda: health_states([demo_model], settings=settings)[0][demo_model].state
            == "firing",
            "seeding done": lambda: "done" in (HOME / "demo-traffic.json").read_text(),
        }
        if other is not None:
            checks["simulation fired"] = lambda: stored(engine, other[0].name, "firing", sim_started)
            checks["simulation resolved"] = lambda: "ended" in result and stored(
                engine, other[0].name, "resolved", sim_started)
        deadline = time.monotonic() + 1200
        while len(seen) < len(checks) and time.monotonic() < deadline:
            for name, check in checks.items():
                if name not in seen and check():
                    seen[name] = time.monotonic()
            time.sleep(1.0)
        if missing := [name for name in checks if name not in seen]:
            raise SystemExit(f"not seen within 20 minutes: {', '.join(missing)} (logs in {HOME / 'logs'})")
        fired, state = seen["demo fired"] - seed_t0, seen["demo state firing"] - seed_t0
        from_up = seen["demo fired"] - t0
        print(f"seeded demo ({demo_model}): seeding (3 days backfilled, verdicts) took "
              f"{seen['seeding done'] - seed_t0:.0f} s; ModelDrift stored {fired:.0f} s after the seeding started "
              f"(its live drift starts with it), the model's state 'firing' at {state:.0f} s: "
              f"{fired / GOAL:.2f}x the two windows ({GOAL:.0f} s); {from_up:.0f} s after `up` began")
        if other is not None:
            sim_fired, after = seen["simulation fired"] - sim_t0, seen["simulation resolved"] - result["ended"]
            print(f"mds simulate {other[0].name} --rate {args.rate:g} --drift {drift.feature}:3 for "
                  f"{result['ran']:.0f} s: ModelDrift stored {sim_fired:.0f} s after the start "
                  f"({sim_fired / GOAL:.2f}x two windows), resolved {after:.0f} s after the end "
                  f"({after / DEMO_WINDOW_SECONDS:.2f}x one window)")
        if seeding is not None and not args.keep:
            seeding.terminate()
            seeding.wait(30)
        return 0
    finally:
        engine.dispose()
        if not args.keep:
            local_mds.down(HOME)


if __name__ == "__main__":
    sys.exit(main())
