"""A real ``streamlit run workbench/app.py`` on a free port against the session's embedded MDS, and Chromium."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from mds_client import MDSClient
from mds_client.registry import MlflowRegistry
from workbench.publish import PublishRequest, publish
from workbench.publish.mlflow_folder import mlflow_upload

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy at {url}")


@contextlib.contextmanager
def running_app(catalog: Path, home: Path, **env_overrides: str) -> Iterator[str]:
    """``streamlit run workbench/app.py`` on a free port with ``catalog``; yields its URL, stops it by process group."""
    port = free_port()
    env = {**os.environ, "WORKBENCH_CATALOG": str(catalog), "WORKBENCH_AUTH": "on", "WORKBENCH_HOME": str(home),
           "WORKBENCH_DATABASE_URL": f"sqlite:///{home / 'wb.db'}", "PYTHONPATH": str(REPO),
           # A crash in a C extension then leaves every thread's Python stack in the log, printed below.
           "PYTHONFAULTHANDLER": "1", **env_overrides}
    log = open(home / "streamlit.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "workbench/app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        died = process.poll()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        if died is not None:  # it died under the tests: say how, with the end of its log
            tail = (home / "streamlit.log").read_text(errors="replace").splitlines()[-60:]
            print(f"streamlit exited with {died} during the tests; the end of its log:", *tail, sep="\n",
                  file=sys.stderr)


@pytest.fixture(scope="session")
def app_url(catalog_path, tmp_path_factory):
    """Base URL of the running app on the session's catalog."""
    with running_app(catalog_path, tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="session")
def mlflow_params_app(tmp_path_factory, mlflow_cases, publish_server, mlflow_registry):
    """Base URL of the app on a home where two MLflow models of the tests' own (mlflow_models.py) are published:
    'orchard-cutoff' with signature params (cutoff, default 7; rain_unit, default mm) that move its grade, and
    'orchard-sure', a scikit-learn classifier without params.

    One per worker for every module that needs it: each model has one version whichever module runs first (a
    module fixture per module published a second version and started a second app)."""
    out = mlflow_cases
    reference = pd.read_csv(out / "reference.csv")
    registry, client = MlflowRegistry(mlflow_registry.url), MDSClient()
    try:
        for case, name in (("cutoff", "orchard-cutoff"), ("sklearn", "orchard-sure")):
            data, file_name = mlflow_upload(out / case)
            publish(PublishRequest(name, data, file_name, reference), registry=registry,
                    target=publish_server.target, user="ada", transport=client.transport)
        with running_app(publish_server.home / "catalog.yaml", tmp_path_factory.mktemp("app")) as url:
            yield url
    finally:
        client.close()
        registry.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    # Assertions wait as long as actions: on 2 busy cores a rerun can take longer than Playwright's 5 s.
    expect.set_options(timeout=20_000)
    yield page
    context.close()


def settle(page, timeout: float = 30_000) -> None:
    """Wait until the app has finished its current script run (a click during a rerun can be lost)."""
    page.wait_for_timeout(200)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


# Charts are drawn after the script run: every visible Plotly chart has its SVG, no skeleton is left, every image
# has loaded, and the charts' sizes and the page's height held still between two polls (a chart shown by a tab or
# a resized window lays itself out again).
DRAWN_JS = """() => {
  const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")].filter(c => c.offsetParent !== null);
  const ready = !document.querySelector("[data-testid='stSkeleton']")
    && charts.every(c => c.querySelector(".main-svg"))
    && [...document.images].every(i => i.complete || i.loading === "lazy");
  const svg = c => c.querySelector(".main-svg");
  const shape = charts.map(c => svg(c) ? `${svg(c).getAttribute("width")}x${svg(c).getAttribute("height")}` : "-")
    .join() + "|" + (document.querySelector("[data-testid='stMain']")?.scrollHeight ?? 0);
  const steady = ready && window.__drawnShape === shape;
  window.__drawnShape = shape;
  return steady;
}"""


def drawn(page, timeout: float = 30_000) -> None:
    """Wait until the charts and images on screen are drawn and laid out (a screenshot or a measure taken then
    shows them); at least one poll of 150 ms.

    Not an assertion: a chart still drawing after ``timeout`` is shot as it is, as a fixed pause did before."""
    page.evaluate("() => { window.__drawnShape = undefined; }")
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(DRAWN_JS, timeout=timeout, polling=150)


def wait_for_cookie(page, name: str, *, present: bool = True, timeout: float = 15) -> None:
    """Wait until the browser holds (or no longer holds) cookie ``name``: the login's cookie is set, and deleted,
    by a component after the script run. Not an assertion: the test checks what the user then sees."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c["name"] == name for c in page.context.cookies()) == present:
            return
        page.wait_for_timeout(100)


def log_in(page, user: str = "analyst", password: str = "analyst-demo") -> None:
    page.get_by_role("textbox", name="Username").fill(user)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_models(page, url: str, user: str = "analyst", password: str = "analyst-demo") -> None:
    """Open the app at ``url``, log in as ``user`` and wait until Models has finished its script run."""
    page.goto(url)
    expect(page.get_by_text("These are demo users")).to_be_visible(timeout=120_000)  # 2 busy cores
    log_in(page, user, password)
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible(timeout=60_000)
    settle(page, 90_000)


@contextlib.contextmanager
def logged_in_page(browser, url: str, width: int, user: str = "analyst",
                   password: str = "analyst-demo") -> Iterator:
    """A page of a browser context of its own, ``width`` px wide, logged in as ``user`` on Models at ``url``;
    slow 2-core timeouts (60 s); the context is closed afterwards, also when the test fails."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        open_models(page, url, user, password)
        yield page
    finally:
        context.close()


def open_predict(page, url: str, name: str, width: int | None = None) -> None:
    """Log in as the analyst at ``url`` (``width`` px wide) and open Predict for ``name`` from its card."""
    if width is not None:
        page.set_viewport_size({"width": width, "height": 1000})
    open_models(page, url)
    page.locator(f".st-key-models-card-{name} button").click()
    expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
    settle(page, 60_000)


def predict(page) -> str:
    """Press Predict and return the answer's headline once it is whole."""
    page.locator(".st-key-predict-send button").click()
    headline = page.locator(".st-key-predict-result-headline")
    expect(headline).to_be_visible(timeout=60_000)
    # the headline's box shows before its metrics are drawn into it: read it once the last of them is there
    expect(headline).to_contain_text("Latency", timeout=60_000)
    settle(page, 60_000)
    return headline.inner_text()


def choose(page, key: str, name: str, option: str | re.Pattern[str] | None = None) -> None:
    """Pick ``name`` in the select box of widget ``key``, typing it first.

    The dropdown is a virtualised list: with more models than it shows, an option further down is not in
    the DOM until scrolled to, so clicking it by name can wait forever. Typing filters the list to it.
    ``option`` is the option's accessible name when it differs from ``name`` (a "(not ready)" suffix).
    """
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    box.click()
    box.fill(name)
    if option is None:
        page.get_by_role("option", name=name, exact=True).click()
    else:
        page.get_by_role("option", name=option).click()

