"""Demo traffic: a few days of simulated calls for every demo model, seeded once on first ``make run``.

Every tabular model with reference data gets ``rows`` calls through its real endpoint, logged by
the sink exactly as Seldon's logger would (``simulate``), spread over the last ``days`` days. One
model drifts from the last day on: the first classifier (by schema, never by name) with a numeric
feature, shifted on that feature. Rows are source ``simulate`` and tag ``demo``, so
``mds logs clear-demo`` (or the Admin page) removes exactly them. A marker file in the MDS home
makes the seeding happen once; ``python -m logsink.demo`` runs it in its own process so
the app is up before the traffic is.

The drift goes on while the demo runs (`drift_live`): the drifting model gets a trickle of drifted calls
now (``LIVE_RATE``, tag ``demo``), so the embedded MDS's minute-wide health windows see it and ``ModelDrift``
fires a few minutes after ``make run`` (docs/alerts.md has the figure). It runs at every start while demo
traffic is logged, and stops when the model stops answering (the MDS went down), after ``LIVE_MINUTES``, or when
`stop_live_drift` asks it to (``mds logs clear-demo`` and the Admin page do, before removing the demo traffic): while
it runs, ``LIVE_FILE`` in the MDS home holds its process id, and a ``STOP_FILE`` there ends it within a call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from logsink.demo_verdicts import clear_verdicts, seed_after_traffic
from logsink.errors import LogSinkError
from logsink.simulate import DEFAULT_SINK, Drift, SimulateResult, simulate
from mds_client import MDSClient, MDSError, ModelRef, ModelSchema, load_catalog
from mds_client.schema.features import FeatureKind
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.request_log import delete_tagged, has_tagged

DEMO_TAG = "demo"
MARKER = "demo-traffic.json"
DRIFT_SHIFT = 2.5
LIVE_RATE = 1.0
"""Drifted calls per second while the demo runs: 60 a minute, well over the 20 rows a window's drift test needs
(a first window begun 20 s before its end already counts)."""
LIVE_MINUTES = 4 * 60.0
LIVE_GIVE_UP = 10
"""Failed calls in a row after which the live drift stops: the model no longer answers (the MDS is down)."""
LIVE_FILE = "demo-live.json"
STOP_FILE = "demo-live.stop"
STOP_WAIT_S = 15.0
"""How long `stop_live_drift` waits for the live drift to end (it looks at ``STOP_FILE`` once a call, every second)."""


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


def drift_live(catalog: Path, *, sink_url: str | None = None, minutes: float = LIVE_MINUTES, rate: float = LIVE_RATE,
               seed: int = 1000, client: MDSClient | None = None,
               stop: threading.Event | None = None, stop_file: Path | None = None) -> tuple[str, SimulateResult] | None:
    """The demo's drift, now: drifted calls to the drifting model at ``rate`` for ``minutes`` (tag ``demo``), until
    ``stop`` is set, ``stop_file`` exists or the model fails ``LIVE_GIVE_UP`` calls in a row. None when no demo
    model drifts."""
    own = client is None
    client = client or MDSClient()
    stop = stop or threading.Event()
    try:
        plan = plan_demo(load_catalog(catalog), client)
        if plan.drift is None:
            return None
        name, drift = plan.drift
        ref = next(r for r, _schema in plan.models if r.name == name)
        answered = [0, 0]  # calls and failures when a call last succeeded

        def give_up_when_down(result: SimulateResult) -> None:
            if stop_file is not None and stop_file.exists():
                stop.set()
            elif result.calls > answered[0]:
                answered[:] = [result.calls, result.failed_calls]
            elif result.failed_calls - answered[1] >= LIVE_GIVE_UP:
                stop.set()

        result = simulate(ref, rows=max(1, int(minutes * 60 * rate)), rate=rate,
                          sink_url=sink_url or ref.logger_url or DEFAULT_SINK, drift=drift, seed=seed, client=client,
                          on_call=give_up_when_down, tag=DEMO_TAG, stop=stop)
        return name, result
    finally:
        if own:
            client.close()


def has_demo(engine: Engine) -> bool:
    """Whether demo traffic is logged (so the Admin page offers to remove it only then)."""
    return has_tagged(engine, DEMO_TAG)


def clear_demo(engine: Engine) -> int:
    """Remove the demo traffic (tag ``demo``) and its demo verdicts, and nothing else; the calls removed.
    Stop a live drift first (`stop_live_drift`), or its next calls are logged again."""
    clear_verdicts(engine)
    return delete_tagged(engine, DEMO_TAG)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process of that number: not ours, so ours ended
        return False
    return True


def live_drift_pid(home: Path) -> int | None:
    """The process id of the live demo drift running for this home, None when none runs."""
    try:
        pid = int(json.loads((home / LIVE_FILE).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if _alive(pid) else None


def stop_live_drift(home: Path, *, wait: float | None = None) -> str | None:
    """Ask the live demo drift of this home to stop, and wait until it has (its calls already logged, since the
    sink answers once a row is committed). None when none runs or it stopped; else what to do, in a sentence."""
    pid = live_drift_pid(home)
    if pid is None:
        return None
    stop = home / STOP_FILE
    stop.write_text(json.dumps({"asked": datetime.now(UTC).isoformat()}))
    wait = STOP_WAIT_S if wait is None else wait
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and live_drift_pid(home) == pid:
        time.sleep(0.2)
    if live_drift_pid(home) == pid:
        return (f"The live demo drift (process {pid}) did not stop within {wait:g} s, so the demo traffic was left "
                f"in place: stop it with 'kill {pid}' (or stop the MDS), then remove the demo traffic again.")
    stop.unlink(missing_ok=True)
    return None


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
    argv += ["--live-minutes", f"{LIVE_MINUTES:g}", "--home", str(home)]  # then the drift goes on now (drift_live)
    with (log / "demo-traffic.log").open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def drift_live_in_background(home: Path, catalog: Path, sink_url: str | None = None) -> subprocess.Popen | None:
    """At a later start (the seeding ran before): the demo's drift goes on now, if demo traffic is still logged
    (the process looks and exits otherwise). None when the demo was never seeded in this home."""
    if not (home / MARKER).exists():
        return None
    log = (home / "logs").resolve()
    log.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "logsink.demo", "--catalog", str(catalog), "--live-only", "--home", str(home),
            "--live-minutes", f"{LIVE_MINUTES:g}", *(["--sink", sink_url] if sink_url else [])]
    with (log / "demo-traffic.log").open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m logsink.demo", description=__doc__)
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--sink", default=None)
    parser.add_argument("--marker", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=240)
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--live-minutes", type=float, default=0.0,
                        help="meanwhile send the drifting model drifted calls now, for this long (0: no live drift)")
    parser.add_argument("--live-only", action="store_true",
                        help="no seeding: only the live drift, if demo traffic is logged")
    parser.add_argument("--home", type=Path, default=None,
                        help="MDS home: the live drift says it runs there, and stops when asked (mds logs clear-demo)")
    args = parser.parse_args(argv)
    if args.live_only and not has_demo(open_store(get_settings().database_url)):
        print("no demo traffic logged (mds logs clear-demo removed it): no live drift")
        return 0
    live = _LiveDrift(args.catalog, args.sink, args.live_minutes, args.home)
    live.start()  # beside the seeding, not after it: the alert's two windows start counting at once
    if not args.live_only:
        try:
            logged = seed_demo(args.catalog, sink_url=args.sink, rows=args.rows, days=args.days,
                               store=open_store(get_settings().database_url))
        except (LogSinkError, MDSError) as exc:
            print(f"demo traffic: {exc}", file=sys.stderr)
            return 1
        print(f"demo traffic logged: {logged}", flush=True)
        if args.marker is not None:
            args.marker.write_text(json.dumps({"done": datetime.now(UTC).isoformat(), "logged": logged}))
    return live.join()


class _LiveDrift(threading.Thread):
    """`drift_live` in a thread (nothing when ``minutes`` is 0); ``join`` gives the process's exit code."""

    def __init__(self, catalog: Path, sink_url: str | None, minutes: float, home: Path | None = None) -> None:
        super().__init__(name="live-demo-drift", daemon=True)
        self.catalog, self.sink_url, self.minutes, self.code, self.home = catalog, sink_url, minutes, 0, home

    def run(self) -> None:
        if self.minutes <= 0:
            return
        if self.home is not None:
            (self.home / STOP_FILE).unlink(missing_ok=True)
            (self.home / LIVE_FILE).write_text(json.dumps({"pid": os.getpid(), "started": datetime.now(UTC).isoformat()}))
        try:
            live = drift_live(self.catalog, sink_url=self.sink_url, minutes=self.minutes,
                              stop_file=None if self.home is None else self.home / STOP_FILE)
        except (LogSinkError, MDSError) as exc:
            print(f"live demo drift: {exc}", file=sys.stderr, flush=True)
            self.code = 1
            return
        finally:
            if self.home is not None:
                (self.home / LIVE_FILE).unlink(missing_ok=True)
        if live is not None:
            print(f"live demo drift on {live[0]}: {live[1].calls} calls, ended {datetime.now(UTC).isoformat()}",
                  flush=True)

    def join(self, timeout: float | None = None) -> int:  # type: ignore[override]
        super().join(timeout)
        return self.code


if __name__ == "__main__":
    sys.exit(main())
