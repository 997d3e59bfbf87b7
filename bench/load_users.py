"""Load: N analysts at once in headless Chromium against ``streamlit run``, while ``mds simulate`` calls the
same model, for DURATION seconds; then every prediction and feedback they saw confirmed is looked up in the store.

Starts the embedded MDS (with the request-log sink) and the app on free ports with a throwaway store, or
reuses them (``--catalog``, ``--app-url`` with ``--database-url``). Each user (one browser context of one
Chromium) logs in as the demo analyst and loops: Predict (one numeric input changed to a value from the
reference data), Why (explain this prediction), Feedback (Correct, or Wrong with the right answer), and
History one time in three. Prints per step kind: count, p50 / p95 / max seconds from the click to the answer
on screen; errors grouped by message; made / stored / lost. Exits 1 if anything is lost or a step failed
(2 if it could not start). The app serves one page before the users arrive (a warm-up), and the users
arrive over ``--ramp`` seconds. Every process it started is stopped at the end, and after ``--hard-timeout``.

    .venvs/app/bin/python bench/load_users.py [--users 20] [--duration 180] [--rate 10] [--model NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._load_user import User, UserLog  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy  # noqa: E402

ANALYST = ("analyst", "analyst-demo")  # the demo users (README); a deployment's own users are not load-tested
STEPS = ["login", "open_predict", "predict", "explain", "feedback", "history"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def pick_model(catalog: Path, wanted: str | None):
    """A ready tabular model with a form and a numeric input: one with its own explainer first, never by name."""
    import pandas as pd

    from mds_client import FeatureKind, MDSClient, load_catalog
    from workbench.predict.service import form_supported

    client, found = MDSClient(), []
    for ref in load_catalog(catalog):
        if (wanted and ref.name != wanted) or "test" in (ref.tags or ()) or not ref.reference_data:
            continue
        if client.status(ref).status != "ready":
            continue
        schema = client.schema(ref)
        numeric = [f.name for f in schema.features if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER)
                   and re.fullmatch(r"[A-Za-z0-9_-]+", f.name)]
        if not form_supported(schema) or schema.tensor_feature is not None or not numeric:
            continue
        reference = pd.read_csv(ref.reference_data)
        values = {n: sorted(set(reference[n].dropna().round(2).tolist())) for n in numeric[:1] if n in reference}
        if values:
            found.append((ref.explainer is None, schema.task != "classification", ref.name, values))
    if not found:
        raise SystemExit(f"no ready tabular model with a numeric input in {catalog}" + (f" named {wanted}" if wanted else ""))
    _, _, name, values = sorted(found)[0]
    return name, values


class Processes:
    """What this run started: stopped in ``stop`` (and by the watchdog), each by its own process group."""

    def __init__(self) -> None:
        self.groups: list[subprocess.Popen] = []
        self.mds_home: Path | None = None
        self.lock = threading.Lock()
        self.stopped = False

    def start(self, argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
        with open(log, "wb") as out:
            process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.groups.append(process)
        return process

    def stop(self) -> None:
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
        for process in self.groups:
            _kill_group(process)
        if self.mds_home is not None:
            from workbench.embedded import local_mds

            local_mds.down(self.mds_home)
        for pid in _descendants(os.getpid()):  # Playwright's driver and Chromium, if still there
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _kill_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += children
        frontier = children
    return found


async def warm_up(browser: Any, url: str) -> float:
    """Open the login page once and wait for its form: the app a team uses has served a page before.

    The first session of a fresh Streamlit process imports the app (pandas, plotly, the pages): timing
    twenty people behind that one import would measure the import, not the load. Returns its seconds.
    """
    started = time.monotonic()
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(url, timeout=300_000)
        await page.get_by_role("textbox", name="Username").wait_for(timeout=300_000)
    finally:
        await context.close()
    return time.monotonic() - started


async def drive(url: str, model: str, values: dict, users: int, duration: float, shots: Path,
                ramp: float = 60.0) -> list[UserLog]:
    from playwright.async_api import async_playwright

    logs = [UserLog(f"user{i:02d}") for i in range(users)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"warm-up: the first page took {await warm_up(browser, url):.1f} s", flush=True)
        people = [User(browser, url, model, values, log, seed=i, shots=shots, credentials=ANALYST)
                  for i, log in enumerate(logs)]
        deadline = time.monotonic() + duration
        gap = ramp / max(1, users - 1) if users > 1 else 0.0

        async def one(i: int, person: User) -> None:
            await asyncio.sleep(gap * i)  # people arrive over the ramp, as a team does, not in one instant
            await person.run(deadline)

        tasks = [asyncio.create_task(one(i, person)) for i, person in enumerate(people)]
        # An iteration under way at the deadline may finish; one stuck past the grace period is cut off.
        _, pending = await asyncio.wait(tasks, timeout=duration + 240)
        for task in pending:
            task.cancel()
        for task, log in zip(tasks, logs, strict=True):
            if task in pending:
                log.errors.append(("cut off", "still busy 240 s after the end"))
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.gather(*(person.close() for person in people))
        await browser.close()
    return logs


def last_prediction_id(database_url: str) -> int:
    from sqlalchemy import func, select

    from workbench.store import open_store
    from workbench.store.models import Prediction

    with open_store(database_url).connect() as conn:
        return conn.execute(select(func.max(Prediction.id))).scalar() or 0


def check_store(database_url: str, logs: list[UserLog], model: str, since: int) -> dict[str, int]:
    """Look every prediction and feedback the users saw up in the store."""
    from sqlalchemy import func, select

    from workbench.store import get_prediction, open_store
    from workbench.store.feedback import feedback_for_prediction, get_feedback
    from workbench.store.models import Prediction
    from workbench.store.traffic import log_summary

    engine = open_store(database_url)
    seen_p = [pid for log in logs for pid in log.predictions]
    stored_p = sum(1 for pid in seen_p if (row := get_prediction(engine, pid)) is not None
                   and row.user == ANALYST[0] and row.model == model)
    seen_f = {fid: pid for log in logs for fid, pid in log.feedback.items()}
    stored_f = 0
    for fid, pid in seen_f.items():
        try:
            item = get_feedback(engine, fid)
        except Exception:
            continue
        stored_f += item.prediction_id == pid and item.user == ANALYST[0]
    unconfirmed = [pid for log in logs for pid in log.unconfirmed_feedback]
    with engine.connect() as conn:
        rows_total = conn.execute(select(func.count()).select_from(Prediction).where(
            Prediction.model == model, Prediction.user == ANALYST[0], Prediction.id > since)).scalar_one()
    return {"predictions seen": len(seen_p), "predictions stored": stored_p,
            "predictions lost": len(seen_p) - stored_p, "prediction rows in the store": rows_total,
            "feedback seen": len(seen_f), "feedback stored": stored_f, "feedback lost": len(seen_f) - stored_f,
            "feedback sent, no answer seen": len(unconfirmed),
            "  of those stored": sum(1 for pid in unconfirmed if feedback_for_prediction(engine, pid, ANALYST[0])),
            "request-log instances (sink)": log_summary(engine, model).total}


def report(logs: list[UserLog], store: dict[str, int], args: argparse.Namespace, seconds: float,
           load: tuple[str, str], simulate: str) -> None:
    print(f"\n{args.users} users, {seconds:.0f} s, model {args.model_used}; load average before {load[0]}, "
          f"after {load[1]} ({os.cpu_count()} cores)")
    print(f"{'step':<14}{'count':>7}{'errors':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
    errors = Counter(kind for log in logs for kind, _ in log.errors)
    for kind in STEPS:
        times = [t for log in logs for t in log.timings.get(kind, [])]
        if times or errors[kind]:
            stats = (f"{_percentile(times, .5):8.2f}{_percentile(times, .95):8.2f}{max(times):8.2f}"
                     if times else f"{'-':>8}" * 3)
            print(f"{kind:<14}{len(times):>7}{errors[kind]:>8}{stats}")
    print(f"iterations (predict + why + feedback): {sum(log.iterations for log in logs)}")
    grouped = Counter((kind, message) for log in logs for kind, message in log.errors)
    print(f"errors: {sum(grouped.values())}")
    for (kind, message), count in grouped.most_common():
        print(f"  {count:>4} x {kind}: {message}")
    print(f"mds simulate: {simulate}")
    for name, value in store.items():
        print(f"{name:<34}{value:>7}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    parser.add_argument("--rate", type=float, default=10.0, help="mds simulate calls per second (0: none)")
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which the users arrive")
    parser.add_argument("--model", default=None, help="default: a ready tabular model with an explainer")
    parser.add_argument("--catalog", type=Path, default=None, help="reuse a running embedded MDS (its catalog.yaml)")
    parser.add_argument("--app-url", default=None, help="reuse a running app (needs --database-url)")
    parser.add_argument("--database-url", default=None, help="the reused app's store")
    parser.add_argument("--hard-timeout", type=float, default=None, help="default: duration + 600 s")
    args = parser.parse_args()
    if args.app_url and not args.database_url:
        parser.error("--app-url needs --database-url: the store to check")
    work = Path(tempfile.mkdtemp(prefix="load-users-"))
    database_url = args.database_url or f"sqlite:///{work / 'wb.db'}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "WORKBENCH_HOME": str(work / "app"),
           "WORKBENCH_DATABASE_URL": database_url, "WORKBENCH_AUTH": "on"}
    os.environ.update({k: env[k] for k in ("WORKBENCH_HOME", "WORKBENCH_DATABASE_URL")})  # the sink's store too
    procs = Processes()

    def hard_stop() -> None:
        print(f"load_users: hard timeout after {hard:.0f} s; stopping everything", file=sys.stderr, flush=True)
        procs.stop()
        os._exit(3)

    hard = args.hard_timeout or args.duration + 600
    watchdog = threading.Timer(hard, hard_stop)
    watchdog.daemon = True
    watchdog.start()
    try:
        catalog = args.catalog
        if catalog is None:
            from workbench.embedded import local_mds
            from workbench.embedded.ports import LocalPorts

            procs.mds_home = work / "mds"
            catalog = local_mds.up(procs.mds_home, LocalPorts.free(), sink=True).catalog_path
        env["WORKBENCH_CATALOG"] = str(catalog)
        args.model_used, values = pick_model(catalog, args.model)
        url = args.app_url
        if url is None:
            (work / "app").mkdir()
            port = free_port()
            app = procs.start([sys.executable, "-m", "streamlit", "run", "workbench/app.py", "--server.headless",
                               "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                               "--browser.gatherUsageStats", "false"], env=env, log=work / "streamlit.log")
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, app, timeout=120)
        since = last_prediction_id(database_url)
        simulate = None
        if args.rate > 0:
            simulate = procs.start([sys.executable, "-m", "workbench.cli", "--catalog", str(catalog), "simulate",
                                    args.model_used, "--rows", str(int(args.rate * args.duration)),
                                    "--rate", str(args.rate)], env=env, log=work / "simulate.log")
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        shots = work / "screenshots"
        shots.mkdir()
        logs = asyncio.run(drive(url, args.model_used, values, args.users, args.duration, shots, args.ramp))
        seconds = time.monotonic() - started
        load_after = os.getloadavg()[0]
        sim_text = "not run"
        if simulate is not None:
            if simulate.poll() is None:
                _kill_group(simulate)
                sim_text = "still sending at the end (stopped); "
            else:
                sim_text = f"exit {simulate.returncode}; "
            sim_text += (work / "simulate.log").read_text().strip().splitlines()[-1:][0][:160] \
                if (work / "simulate.log").read_text().strip() else "no output"
        store = check_store(database_url, logs, args.model_used, since)
        report(logs, store, args, seconds, (f"{load_before:.1f}", f"{load_after:.1f}"), sim_text)
        print(f"logs and screenshots of failed steps: {work}")
        lost = store["predictions lost"] + store["feedback lost"]
        failed = sum(len(log.errors) for log in logs)
        made = store["predictions seen"] + store["feedback seen"]
        ratio = f"; stored / made {(made - lost) / made:.2f}" if made else ""
        print(f"lost = made - stored = {lost}{ratio}" + ("" if lost == 0 else "  <- NOT ZERO"))
        if not store["predictions seen"]:
            print("no prediction was made: nothing was measured")
        return 1 if lost or failed or not store["predictions seen"] else 0
    finally:
        procs.stop()
        watchdog.cancel()


if __name__ == "__main__":
    raise SystemExit(main())
