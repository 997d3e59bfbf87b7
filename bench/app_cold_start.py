"""App cold start to first page served, against a bare hello-style app (goal: ratio <= 1.5x).

Each run spawns ``streamlit run`` afresh and measures, with headless Chromium, the time
from spawning the process until the first page's title is on screen, for: a bare app with
a title and one chart; the workbench as deployed (login on: the login page is the first
page served); and the workbench with login off (the Models page, which checks every model
of the embedded MDS started on free ports). Runs alternate; medians and ratios are printed.

    .venvs/app/bin/python bench/app_cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._figures import shown
from embedded_mds.ports import LocalPorts

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HELLO = '''import streamlit as st
st.set_page_config(page_title="Hello", layout="wide")
st.title("Hello")
st.write("A bare Streamlit app.")
st.line_chart([1, 3, 2])
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_start(browser, script: str, heading: str, env: dict[str, str]) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
        elapsed = time.perf_counter() - started
        page.close()
        return elapsed
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from embedded_mds import local_mds

    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        mds = local_mds.up(Path(tmp) / "mds", LocalPorts.free(), alibi=False, mlflow=False)
        env = {**os.environ, "PYTHONPATH": str(REPO), "WORKBENCH_CATALOG": str(mds.catalog_path),
               "WORKBENCH_AUTH": "on", "WORKBENCH_DATABASE_URL": f"sqlite:///{Path(tmp) / 'wb.db'}"}
        env_off = {**env, "WORKBENCH_AUTH": "off"}
        app, login, bare = [], [], []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                cold_start(browser, str(hello), "Hello", env)  # warm the OS file cache for both
                for _ in range(args.runs):
                    bare.append(cold_start(browser, str(hello), "Hello", env))
                    login.append(cold_start(browser, "workbench/app.py", "MDS Workbench", env))
                    app.append(cold_start(browser, "workbench/app.py", "Find a model", env_off))
                browser.close()
        finally:
            mds.down()
    b = statistics.median(bare)
    print(f"{'bare hello app':<36} median {b:5.2f} s   runs {', '.join(f'{x:.2f}' for x in bare)}")
    for name, runs in (("workbench, login on (login page)", login), ("workbench, login off (Models page)", app)):
        a = statistics.median(runs)
        verdict = "meets" if a <= 1.5 * b else "misses"
        print(f"{name:<36} median {a:5.2f} s   runs {', '.join(f'{x:.2f}' for x in runs)}   "
              f"ratio {shown(a, b, '.2f', 'x')} ({verdict} the 1.5x goal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
