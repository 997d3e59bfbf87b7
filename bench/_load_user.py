"""One simulated analyst in a Playwright browser context: log in, then Predict, Why, Feedback and
sometimes History in a loop, each step timed from the click to its answer on screen.

Used by ``bench/load_users.py``; async so that one Python thread drives every context of one Chromium.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._cpu import CLIENT_GROUPS, SERVER_GROUPS

STEP_TIMEOUT_MS = {"login": 120_000, "open_predict": 60_000, "predict": 60_000, "explain": 120_000,
                   "feedback": 60_000, "history": 60_000}
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"

# In the browser: the first of (a traceback, an error alert outside the tabs, the new prediction's id).
PREDICTED_JS = """(prev) => {
  const exc = document.querySelector("[data-testid='stException']");
  if (exc) return "exception:" + exc.innerText.slice(0, 300);
  for (const e of document.querySelectorAll("[data-testid='stAlertContentError']")) {
    if (!e.closest("[role='tabpanel']") && e.offsetParent !== null) return "error:" + e.innerText.slice(0, 300);
  }
  const a = document.querySelector("a[href*='prediction=']");
  if (a) { const id = new URL(a.href).searchParams.get("prediction"); if (id && id !== prev) return "id:" + id; }
  return false;
}"""
# In the visible tab panel: an error alert or a traceback, else the text the step waits for.
PANEL_JS = """([pattern]) => {
  const exc = document.querySelector("[data-testid='stException']");
  if (exc) return "exception:" + exc.innerText.slice(0, 300);
  const re = new RegExp(pattern);
  for (const panel of document.querySelectorAll("[role='tabpanel']")) {
    if (panel.offsetParent === null) continue;
    for (const e of panel.querySelectorAll("[data-testid='stAlertContentError']"))
      return "error:" + e.innerText.slice(0, 300);
    const m = panel.innerText.match(re);
    if (m) return "ok:" + (m[1] || m[0]);
  }
  return false;
}"""


class StepError(Exception):
    """A step that showed an error, a traceback, or nothing in time."""


@dataclass
class UserLog:
    """What one user did: timings per step, errors, and the ids the app showed."""

    name: str
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    predictions: list[int] = field(default_factory=list)
    feedback: dict[int, int] = field(default_factory=dict)  # feedback id -> prediction id
    unconfirmed_feedback: list[int] = field(default_factory=list)  # prediction ids sent without an answer seen
    iterations: int = 0
    cpu: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)  # (app, models + sink, browser)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return re.sub(r"\d+(\.\d+)?ms", "<n>ms", line)[:200]


class User:
    """One browser context logged in as an analyst, driving the app until ``deadline``."""

    def __init__(self, browser: Any, url: str, model: str, feature_values: dict[str, list[float]],
                 log: UserLog, *, seed: int, shots: Path | None, credentials: tuple[str, str],
                 context: dict[str, Any] | None = None, init_script: str | None = None, think: float = 0.0,
                 meter: Any = None) -> None:
        self.browser, self.url, self.model, self.values = browser, url, model, feature_values
        self.log, self.rng, self.shots, self.credentials = log, random.Random(seed), shots, credentials
        self.context_options = context or {"viewport": {"width": 1400, "height": 1000}}
        self.init_script, self.think, self.meter = init_script, think, meter  # meter: a CpuMeter when this user is alone (per-step CPU)
        self.page: Any = None
        self.last_id = ""

    async def _timed(self, kind: str, action, done) -> Any:
        """Run ``action`` (the click), then ``done`` (the wait); keep the seconds between them."""
        before = self.meter.snapshot() if self.meter is not None else None
        await action()
        started = time.perf_counter()
        answer = await done()
        self.log.timings.setdefault(kind, []).append(time.perf_counter() - started)
        if before is not None:
            after = self.meter.snapshot()
            spent = {g: after[g] - before.get(g, 0.0) for g in after}
            self.log.cpu.setdefault(kind, []).append((spent["app server (streamlit)"],
                                                      sum(spent[g] for g in SERVER_GROUPS[1:]),
                                                      sum(spent[g] for g in CLIENT_GROUPS)))
        return answer

    async def _settle(self, timeout: int = 60_000) -> None:
        await self.page.wait_for_timeout(150)
        await self.page.wait_for_selector(READY, timeout=timeout)

    async def _wait_js(self, kind: str, script: str, arg: Any) -> str:
        handle = await self.page.wait_for_function(script, arg=arg, timeout=STEP_TIMEOUT_MS[kind], polling=100)
        answer = await handle.json_value()
        if not answer.startswith(("id:", "ok:")):
            kind, text = answer.split(":", 1)
            lines = [line for line in text.strip().splitlines() if line.strip()] or [""]
            if len(lines) > 1 and re.fullmatch(r"[a-z_]+", lines[0]):
                lines = lines[1:]  # the alert's icon (a Material ligature such as "error"), not its message
            raise StepError(f"{kind}: {' '.join(lines)[:200]}")
        return answer.split(":", 1)[1]

    async def _nav(self, title: str) -> None:
        link = self.page.locator("[data-testid='stSidebarNavLink']").filter(has_text=re.compile(rf"{title}$"))
        await link.first.click()

    async def start(self) -> None:
        context = await self.browser.new_context(**self.context_options)
        if self.init_script:
            await context.add_init_script(self.init_script)
        self.page = await context.new_page()
        self.page.set_default_timeout(60_000)
        user, password = self.credentials

        async def go() -> None:
            await self.page.goto(self.url)
            await self.page.get_by_role("textbox", name="Username").fill(user)
            await self.page.get_by_role("textbox", name="Password").fill(password)

        async def logged_in() -> None:
            await self.page.get_by_role("heading", name="Find a model").wait_for(timeout=STEP_TIMEOUT_MS["login"])
            await self._settle(STEP_TIMEOUT_MS["login"])

        await go()
        await self._timed("login", self.page.get_by_role("button", name="Log in").click, logged_in)
        await self._open_first_predict()

    async def _open_first_predict(self) -> None:
        async def done() -> None:
            await self.page.get_by_role("heading", name="Run a prediction").wait_for()
            await self.page.locator(".st-key-predict-send button").wait_for()
            await self._settle()

        await self._timed("open_predict", self.page.locator(f".st-key-models-card-{self.model} button").click, done)

    async def _recover(self) -> None:
        """After an error: back to the Models page (the login cookie holds) and into Predict again."""
        try:
            await self.page.goto(self.url)
            if await self.page.get_by_role("textbox", name="Username").count():
                await self.page.get_by_role("textbox", name="Username").fill(self.credentials[0])
                await self.page.get_by_role("textbox", name="Password").fill(self.credentials[1])
                await self.page.get_by_role("button", name="Log in").click()
            await self.page.get_by_role("heading", name="Find a model").wait_for()
            await self._settle()
            await self._open_first_predict()
            self.last_id = ""
        except Exception as exc:  # counted; the next iteration tries again
            self.log.errors.append(("recover", _first_line(exc)))

    async def _predict(self) -> int:
        for feature, values in self.values.items():
            field_ = self.page.locator(f".st-key-predict-form-{self.model}-{feature} input")
            await field_.fill(f"{self.rng.choice(values):g}")
            await field_.press("Tab")
        await self._settle()
        send = self.page.locator(".st-key-predict-send button")
        ident = await self._timed("predict", send.click,
                                  lambda: self._wait_js("predict", PREDICTED_JS, self.last_id))
        self.last_id = ident
        self.log.predictions.append(int(ident))
        await self._settle()
        return int(ident)

    async def _explain(self) -> None:
        await self.page.get_by_role("tab", name="Why").click()
        run = self.page.locator(".st-key-predict-why-run button")
        await run.wait_for()
        await self._timed("explain", run.click, lambda: self._wait_js(
            "explain", PANEL_JS, [r"(Anchor rule|SHAP values|Occlusion heat map) from the"]))

    async def _feedback(self, prediction_id: int) -> None:
        await self.page.get_by_role("tab", name="Feedback").click()
        box = f".st-key-predict-feedback-{prediction_id}"
        wrong = self.rng.random() < 0.3
        if wrong:
            await self.page.locator(f"{box}-wrong_button button").click()
            submit = self.page.get_by_role("button", name="Send feedback")
            await submit.wait_for()
            click = submit.click
        else:
            click = self.page.locator(f"{box}-correct button").click
        try:
            answer = await self._timed("feedback", click,
                                       lambda: self._wait_js("feedback", PANEL_JS, [r"Feedback (\d+): "]))
        except Exception:
            self.log.unconfirmed_feedback.append(prediction_id)
            raise
        self.log.feedback[int(answer)] = prediction_id

    async def _history(self) -> None:
        async def done() -> None:
            await self.page.get_by_role("heading", name="Your recent predictions").wait_for()
            await self._settle()

        await self._timed("history", lambda: self._nav("History"), done)

    async def _back_to_predict(self) -> None:
        async def done() -> None:
            await self.page.get_by_role("heading", name="Run a prediction").wait_for()
            await self.page.locator(".st-key-predict-send button").wait_for()
            await self._settle()

        await self._timed("open_predict", lambda: self._nav("Predict"), done)

    async def run(self, deadline: float) -> None:
        """Loop until ``deadline`` (time.monotonic()); every failure is logged and followed by a recovery."""
        try:
            await self.start()
        except Exception as exc:
            self.log.errors.append(("login", _first_line(exc)))
            await self._shot("login")
            await self._recover()
        # At least one round each, however long the arrival took on a busy machine.
        while (self.log.iterations == 0 and not self.log.errors) or time.monotonic() < deadline:
            step = "predict"
            try:
                prediction_id = await self._predict()
                step = "explain"
                await self._explain()
                step = "feedback"
                await self._feedback(prediction_id)
                if self.rng.random() < 0.35:
                    step = "history"
                    await self._history()
                    step = "open_predict"
                    await self._back_to_predict()
                self.log.iterations += 1
                if self.think:
                    await asyncio.sleep(self.think)  # the analyst reads the answer
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.log.errors.append((step, _first_line(exc)))
                await self._shot(step)
                if time.monotonic() >= deadline:
                    break  # no recovery after the end: it would only stretch the run
                await self._recover()

    async def _shot(self, step: str) -> None:
        if self.shots is None or any(p.name.startswith(f"{step}-") for p in self.shots.glob("*.png")):
            return  # one screenshot per kind of failing step is enough to look at
        with contextlib.suppress(Exception):
            await self.page.screenshot(path=str(self.shots / f"{step}-{self.log.name}.png"), full_page=True,
                                       timeout=60_000)

    async def close(self) -> None:
        if self.page is not None:
            with contextlib.suppress(Exception):
                await self.page.context.close()
