"""Demo traffic: a few days of simulated calls for every demo model, seeded once on first ``make run``.

Every tabular model with reference data gets ``rows`` calls through its real endpoint, logged by
the sink exactly as Seldon's logger would (``simulate``), spread over the last ``days`` days. One
model drifts from the last day on: the first classifier (by schema, never by name) with a numeric
feature, shifted on that feature. Rows are source ``simulate`` and tag ``demo``, so
``mds logs clear-demo`` (or the Admin page) removes exactly them. A marker file in the MDS home
makes the seeding happen once; ``python -m logsink.demo`` runs it in its own process so
the app is up before the traffic is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from logsink.demo_verdicts import clear_verdicts, seed_after_traffic
from logsink.errors import LogSinkError
from logsink.simulate import DEFAULT_SINK, Drift, simulate
from mds_client import MDSClient, MDSError, ModelRef, ModelSchema, load_catalog
from mds_client.schema.features import FeatureKind
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.request_log import delete_tagged, has_tagged

DEMO_TAG = "demo"
MARKER = "demo-traffic.json"
DRIFT_SHIFT = 2.5


@dataclass(frozen=True)
class DemoPlan:
    models: list[tuple[ModelRef, ModelSchema]]
    drift: tuple[str, Drift] | None
    """(model, drift) of the one model that drifts on the last day."""


def numeric_features(schema: ModelSchema) -> list[str]:
    return [f.name for f in schema.features if not f.is_tensor and f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER)]


def plan_demo(refs: list[ModelRef], client: MDSClient) -> DemoPlan:
    """Tabular models with reference data that answer their schema; the drifting one chosen by schema."""
    models: list[tuple[ModelRef, ModelSchema]] = []
    for ref in refs:
        if ref.reference_data is None or not Path(ref.reference_data).exists():
            continue
        try:
            schema = client.schema(ref)
        except (MDSError, OSError, ValueError):
            continue
        if not schema.table_columns() or any(f.is_tensor for f in schema.features):
            continue  # images get no tabular drift; they are not seeded
        models.append((ref, schema))
    drift = None
    for ref, schema in models:
        numeric = numeric_features(schema)
        if schema.task == "classification" and numeric:
            drift = (ref.name, Drift(numeric[0], DRIFT_SHIFT))
            break
    return DemoPlan(models, drift)


def seed_demo(catalog: Path, *, sink_url: str | None = None, rows: int = 240, days: float = 3.0, rate: float = 200.0,
              seed: int = 7, client: MDSClient | None = None, store: Engine | None = None) -> dict[str, int]:
    """Seed every demo model; returns instances logged per model.

    ``store``: the workbench store the sink writes to; then some of the calls also get demo analysts'
    verdicts (``logsink.demo_verdicts``), so Feedback review and Monitor's accuracy have data.
    """
    own = client is None
    client = client or MDSClient()
    try:
        plan = plan_demo(load_catalog(catalog), client)
        logged: dict[str, int] = {}
        for n, (ref, _schema) in enumerate(plan.models):
            drift = plan.drift[1] if plan.drift and plan.drift[0] == ref.name else None
            try:
                result = simulate(ref, rows=rows, rate=rate, sink_url=sink_url or ref.logger_url or DEFAULT_SINK,
                                  drift=drift, days=days, seed=seed + n, client=client, tag=DEMO_TAG)
            except (LogSinkError, MDSError) as exc:  # one model down must not leave the others without traffic
                print(f"demo traffic for {ref.name}: {exc}", file=sys.stderr)
                continue
            logged[ref.name] = result.rows
        if store is not None:
            verdicts = seed_after_traffic(store, {r.name: s for r, s in plan.models}, logged, tag=DEMO_TAG,
                                          drifted=plan.drift[0] if plan.drift else None,
                                          protocols={r.name: r.protocol for r, _s in plan.models})
            print(f"demo verdicts: {verdicts}", flush=True)
        return logged
    finally:
        if own:
            client.close()


def has_demo(engine: Engine) -> bool:
    """Whether demo traffic is logged (so the Admin page offers to remove it only then)."""
    return has_tagged(engine, DEMO_TAG)


def clear_demo(engine: Engine) -> int:
    """Remove the demo traffic (tag ``demo``) and its demo verdicts, and nothing else; the calls removed."""
    clear_verdicts(engine)
    return delete_tagged(engine, DEMO_TAG)


def seed_once_in_background(home: Path, catalog: Path, sink_url: str | None = None) -> subprocess.Popen | None:
    """Start the seeding process unless the marker says it ran; the marker is written first, so only once."""
    marker = home / MARKER
    if marker.exists():
        return None
    marker.write_text(json.dumps({"started": datetime.now(UTC).isoformat()}))
    log = (home / "logs").resolve()
    log.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "logsink.demo", "--catalog", str(catalog), "--marker", str(marker)]
    if sink_url:
        argv += ["--sink", sink_url]
    with (log / "demo-traffic.log").open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m logsink.demo", description=__doc__)
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--sink", default=None)
    parser.add_argument("--marker", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=240)
    parser.add_argument("--days", type=float, default=3.0)
    args = parser.parse_args(argv)
    try:
        logged = seed_demo(args.catalog, sink_url=args.sink, rows=args.rows, days=args.days,
                           store=open_store(get_settings().database_url))
    except (LogSinkError, MDSError) as exc:
        print(f"demo traffic: {exc}", file=sys.stderr)
        return 1
    print(f"demo traffic logged: {logged}")
    if args.marker is not None:
        args.marker.write_text(json.dumps({"done": datetime.now(UTC).isoformat(), "logged": logged}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
