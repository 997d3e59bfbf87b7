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

A table of CPU seconds per group of processes (browser, Playwright, app server, model servers, sink,
``mds simulate``, the driver) follows each level, with the users two cores could hold derived from it;
``--users 5,10,20`` ramps through levels against the same servers and stops at the first that does not
hold (an error, a loss, or p95 predict over ``--p95-goal``).

    .venvs/app/bin/python bench/load_users.py [--users 20 | --users 5,10,20] [--duration 180] [--rate 10]
        [--ramp 60] [--think 0] [--model NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._cpu import CpuMeter, cpu_report  # noqa: E402
from bench._load_report import ANALYST, check_store, last_prediction_id, percentile, report  # noqa: E402
from bench._load_user import User, UserLog  # noqa: E402
from bench._procs import Processes, kill_group  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy  # noqa: E402


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


# Cuts the browser's own work without touching what is measured (the app's JS runs as for a person):
# no smooth scrolling or animations to paint, no GPU emulation, nothing fetched besides the app.
LOAD_CHROMIUM_ARGS = [*CHROMIUM_ARGS, "--disable-smooth-scrolling", "--disable-software-rasterizer",
                      "--disable-extensions", "--mute-audio", "--disable-features=Translate,MediaRouter"]
CONTEXT = {"viewport": {"width": 1280, "height": 900}, "reduced_motion": "reduce"}
# CSS animations and transitions off: in a headless browser with software raster a spinner repaints every
# frame (20 s of st.spinner: Chromium 3.1 CPU s as is, 2.7 with reduced motion, 1.3 with this as well). Paint
# only: the DOM, the app's JS and the moment the answer appears are unchanged, so the timings are too.
NO_ANIMATION = """addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { animation: none !important; transition: none !important; }";
  document.head.appendChild(style);
});"""


async def warm_up(browser: Any, url: str) -> float:
    """Open the login page once and wait for its form: the app a team uses has served a page before.

    The first session of a fresh Streamlit process imports the app (pandas, plotly, the pages): timing
    twenty people behind that one import would measure the import, not the load. Returns its seconds.
    """
    started = time.monotonic()
    context = await browser.new_context(**CONTEXT)
    await context.add_init_script(NO_ANIMATION)
    try:
        page = await context.new_page()
        await page.goto(url, timeout=300_000)
        await page.get_by_role("textbox", name="Username").wait_for(timeout=300_000)
    finally:
        await context.close()
    return time.monotonic() - started


async def drive(url: str, model: str, values: dict, users: int, duration: float, shots: Path,
                ramp: float = 60.0, think: float = 0.0) -> tuple[list[UserLog], dict[str, float], float]:
    """Run ``users`` for ``duration`` s; returns their logs, CPU seconds per group and wall seconds."""
    from playwright.async_api import async_playwright

    logs = [UserLog(f"user{i:02d}") for i in range(users)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LOAD_CHROMIUM_ARGS)
        print(f"warm-up: the first page took {await warm_up(browser, url):.1f} s", flush=True)
        meter = CpuMeter().start()  # after the warm-up: the import of a fresh process is not the load
        started = time.monotonic()
        people = [User(browser, url, model, values, log, seed=i, shots=shots, credentials=ANALYST,
                       context=CONTEXT, init_script=NO_ANIMATION, think=think, meter=meter if users == 1 else None)
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
        cpu, wall = meter.stop(), time.monotonic() - started  # before the contexts close: their exit is not load
        await asyncio.gather(*(person.close() for person in people))
        await browser.close()
    return logs, cpu, wall


def run_level(users: int, args: argparse.Namespace, ctx: dict[str, Any]) -> dict[str, Any]:
    """One level of load against the running servers: its report, CPU table and verdict."""
    work, catalog, env, procs = ctx["work"], ctx["catalog"], ctx["env"], ctx["procs"]
    since = last_prediction_id(ctx["database_url"])
    simulate = None
    if args.rate > 0:
        simulate = procs.start([sys.executable, "-m", "workbench.cli", "--catalog", str(catalog), "simulate",
                                args.model_used, "--rows", str(int(args.rate * args.duration)),
                                "--rate", str(args.rate)], env=env, log=work / f"simulate-{users}.log")
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    shots = work / f"screenshots-{users}"
    shots.mkdir()
    logs, cpu, wall = asyncio.run(drive(ctx["url"], args.model_used, ctx["values"], users, args.duration, shots,
                                        args.ramp, args.think))
    seconds = time.monotonic() - started
    load_after = os.getloadavg()[0]
    sim_text = "not run"
    if simulate is not None:
        if simulate.poll() is None:
            kill_group(simulate)
            sim_text = "still sending at the end (stopped); "
        else:
            sim_text = f"exit {simulate.returncode}; "
        text = (work / f"simulate-{users}.log").read_text().strip()
        sim_text += text.splitlines()[-1][:160] if text else "no output"
    store = check_store(ctx["database_url"], logs, args.model_used, since)
    report(logs, store, users, args.model_used, seconds, (f"{load_before:.1f}", f"{load_after:.1f}"), sim_text)
    iterations = sum(log.iterations for log in logs)
    loads = sum(len(t) for log in logs for t in log.timings.values())
    print("\n".join(cpu_report(cpu, iterations=iterations, page_loads=loads, wall=wall, users=users,
                               think=args.think)))
    lost = store["predictions lost"] + store["feedback lost"]
    failed = sum(len(log.errors) for log in logs)
    made = store["predictions seen"] + store["feedback seen"]
    ratio = f"; stored / made {(made - lost) / made:.2f}" if made else ""
    print(f"lost = made - stored = {lost}{ratio}" + ("" if lost == 0 else "  <- NOT ZERO"))
    predict = [t for log in logs for t in log.timings.get("predict", [])]
    p95 = percentile(predict, .95) if predict else float("inf")
    holds = not lost and not failed and bool(predict) and p95 <= args.p95_goal
    print(f"{users} users {'HOLD' if holds else 'do not hold'}: {failed} errors, p95 predict "
          f"{p95:.1f} s (goal {args.p95_goal:g} s), lost {lost}; load average {load_before:.1f} -> {load_after:.1f}")
    if not predict:
        print("no prediction was made: nothing was measured")
    return {"users": users, "holds": holds, "lost": lost, "failed": failed, "p95": p95,
            "load": (load_before, load_after)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="20", help="users, or levels to ramp through: 5,10,20 (stops at the "
                        "first level that does not hold)")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load per level")
    parser.add_argument("--rate", type=float, default=10.0, help="mds simulate calls per second (0: none)")
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which the users arrive")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a user waits between iterations")
    parser.add_argument("--p95-goal", type=float, default=10.0, help="a level holds if p95 predict is under this")
    parser.add_argument("--keep-going", action="store_true", help="run every level, also after one that did not hold")
    parser.add_argument("--model", default=None, help="default: a ready tabular model with an explainer")
    parser.add_argument("--catalog", type=Path, default=None, help="reuse a running embedded MDS (its catalog.yaml)")
    parser.add_argument("--app-url", default=None, help="reuse a running app (needs --database-url)")
    parser.add_argument("--database-url", default=None, help="the reused app's store")
    parser.add_argument("--hard-timeout", type=float, default=None, help="default: levels x (duration + 300) + 300 s")
    args = parser.parse_args()
    try:
        levels = [int(n) for n in args.users.split(",")]
    except ValueError:
        parser.error(f"--users takes a number or numbers with commas (5,10,20), not {args.users!r}")
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

    hard = args.hard_timeout or len(levels) * (args.duration + 300) + 300
    watchdog = threading.Timer(hard, hard_stop)
    watchdog.daemon = True
    watchdog.start()
    try:
        catalog = args.catalog
        if catalog is None:
            from embedded_mds import local_mds
            from embedded_mds.ports import LocalPorts

            procs.mds_home = work / "mds"
            catalog = local_mds.up(procs.mds_home, LocalPorts.free(), sink=True, mlflow=False).catalog_path
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
        ctx = {"work": work, "catalog": catalog, "env": env, "procs": procs, "url": url, "values": values,
               "database_url": database_url}
        results = []
        for users in levels:
            results.append(run_level(users, args, ctx))
            if not results[-1]["holds"] and not args.keep_going:
                break
        print(f"logs and screenshots of failed steps: {work}")
        if len(levels) > 1:
            held = [r["users"] for r in results if r["holds"]]
            print(f"largest level that held: {max(held) if held else 'none'} users "
                  f"(tried {', '.join(str(r['users']) for r in results)})")
        if any(r["lost"] for r in results):
            return 1
        if len(levels) == 1:
            return 1 if results[0]["failed"] or results[0]["p95"] == float("inf") else 0
        return 0 if results[0]["holds"] else 1
    finally:
        procs.stop()
        watchdog.cancel()


if __name__ == "__main__":
    raise SystemExit(main())
