"""The Admin page's live simulation: traffic with drift sent in a background thread while people watch.

One run at a time per app process (module state behind a lock, since Streamlit reruns the page);
bounded: at most ``MAX_RATE`` calls/s for ``MAX_SECONDS``. The work is ``logsink.simulate``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from components.demo_traffic import render_clear_demo, render_live_form, render_live_status
from components.text import md, md_escape
from logsink import LogSinkError
from logsink.demo import clear_demo, has_demo, numeric_features, stop_live_drift
from logsink.simulate import DEFAULT_SINK, Drift, simulate
from mds_client import MDSError, ModelRef
from workbench.settings import get_settings
from workbench.ui import resources

MAX_RATE = 20.0
MAX_SECONDS = 600
REFRESH_SECONDS = 1.0  # the Admin page redraws the status this often while a run is going


@dataclass
class LiveRun:
    model: str
    rate: float
    seconds: int
    drift: str
    started: float = field(default_factory=time.monotonic)
    calls: int = 0
    error: str = ""
    done: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


_lock = threading.Lock()
_current: LiveRun | None = None


def current() -> LiveRun | None:
    return _current


def start(ref: ModelRef, *, rate: float, seconds: int, drift_feature: str = "", shift: float = 0.0,
          sink_url: str | None = None) -> LiveRun:
    """Start a bounded run; ``MDSError`` when one is running or the bounds are exceeded."""
    global _current
    if not (0 < rate <= MAX_RATE) or not (1 <= seconds <= MAX_SECONDS):
        raise MDSError(f"Rate must be above 0 and at most {MAX_RATE:g} calls/s, duration 1 to {MAX_SECONDS} s.")
    drift = Drift(drift_feature, shift) if drift_feature and shift else None
    with _lock:
        if _current is not None and _current.running:
            raise MDSError(f"A simulation of '{_current.model}' is running; stop it first.")
        run = LiveRun(ref.name, rate, seconds, f"{drift.feature} +{drift.shift:g} sd" if drift else "none")

        def work() -> None:
            def progress(result) -> None:  # type: ignore[no-untyped-def]
                run.calls = result.calls
                if time.monotonic() - run.started > seconds:
                    run.stop.set()

            try:
                simulate(ref, rows=max(1, int(rate * seconds)), rate=rate, drift=drift, on_call=progress,
                         sink_url=sink_url or ref.logger_url or DEFAULT_SINK, stop=run.stop, seed=int(time.time()))
            except (LogSinkError, MDSError) as exc:
                run.error = str(exc)
            finally:
                run.done = True

        run.thread = threading.Thread(target=work, name="live-simulation", daemon=True)
        _current = run
        run.thread.start()
        return run


def stop(wait: float = 5.0) -> None:
    run = _current
    if run is not None:
        run.stop.set()
        if run.thread is not None:
            run.thread.join(wait)


def status() -> dict | None:
    run = _current
    if run is None:
        return None
    return {"model": run.model, "rate": run.rate, "seconds": run.seconds, "drift": run.drift, "calls": run.calls,
            "running": run.running, "error": run.error}


def refresh_every(now: dict | None) -> float | None:
    """How often the status redraws itself: every second while a run is going, never otherwise."""
    return REFRESH_SECONDS if now is not None and now["running"] else None


def live_simulation_section() -> None:
    """The Admin page's section: start / stop a live run, remove the demo traffic."""
    path = str(resources.settings().catalog_path)
    try:
        refs = {r.name: r for r in resources.catalog_refs(path) if r.reference_data is not None}
    except MDSError:
        refs = {}  # the page's catalog section already said why
    features = {}
    for name in refs:
        try:
            schema = resources.schema_of(path, name)
        except MDSError:
            continue
        if schema.table_columns() and not any(f.is_tensor for f in schema.features):
            features[name] = numeric_features(schema)
    every = refresh_every(status())

    # A fragment that redraws itself while the run goes: the count climbs without a click, and when
    # the run ends the whole page reruns once so the form is offered again and the timer stops.
    @st.fragment(run_every=every)
    def live_status() -> None:
        now = status()
        if every is not None and refresh_every(now) is None:
            st.rerun(scope="app")
        if render_live_status(now, key="admin.live"):
            stop()
            st.rerun(scope="app")

    live_status()
    wanted = render_live_form(features, max_rate=MAX_RATE, max_seconds=MAX_SECONDS, key="admin.live")
    if wanted is not None:
        try:
            start(refs[wanted.model], rate=wanted.rate, seconds=wanted.seconds, drift_feature=wanted.feature,
                  shift=wanted.shift)
        except MDSError as exc:
            st.error(md_escape(exc))
        else:
            st.rerun()
    if render_clear_demo(has_demo(resources.engine()), key="admin.demo"):
        if (problem := stop_live_drift(get_settings().home)) is not None:  # else its next calls are logged again
            st.error(md_escape(problem))
            return
        removed = clear_demo(resources.engine())
        st.success(md("Removed {:,} demo instances.", removed) if removed else "There was no demo traffic to remove.")
