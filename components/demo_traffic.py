"""Admin widgets for simulated traffic: start / stop a live simulation, remove the demo traffic."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.numbers import count
from components.text import md, md_escape

DRIFT_ALERT_HINT = ("Drift in two health windows in a row fires ModelDrift on Health and Models. In the embedded MDS, "
                    "whose windows are a minute, it fires about 2 minutes after the start and resolves about 2 "
                    "minutes after the simulation ends: run it for 5 minutes to watch both.")


@dataclass(frozen=True)
class LiveRequest:
    model: str
    rate: float
    seconds: int
    feature: str
    shift: float


def render_live_form(features: dict[str, list[str]], *, max_rate: float, max_seconds: int,
                     key: str) -> LiveRequest | None:
    """Model, rate, duration and drift; the request when the admin pressed Start."""
    if not features:
        st.info("No model in the catalog has reference data to draw simulated rows from.")
        return None
    model = st.selectbox("Model", list(features), key=f"{key}.model")
    left, right = st.columns(2)
    rate = left.number_input("Calls per second", 0.5, max_rate, 5.0, 0.5, format="%g", key=f"{key}.rate")
    seconds = right.number_input("Duration (seconds)", 10, max_seconds, min(300, max_seconds), 10,
                                 key=f"{key}.seconds")
    left, right = st.columns(2)
    feature = left.selectbox("Drift on feature", ["(no drift)", *features[model]], key=f"{key}.feature.{model}")
    shift = right.number_input("Shift (standard deviations)", -5.0, 5.0, 2.0, 0.5, format="%g", key=f"{key}.shift",
                               disabled=feature == "(no drift)", help="How far the drifting feature moves")
    if feature != "(no drift)":
        st.caption(DRIFT_ALERT_HINT)
    if st.button("Start live simulation", key=f"{key}.start", type="primary"):
        return LiveRequest(model, float(rate), int(seconds), "" if feature == "(no drift)" else feature, float(shift))
    return None


def render_live_status(status: dict | None, *, key: str) -> bool:
    """What the running (or last) simulation did; True when the admin pressed Stop."""
    if status is None:
        return False
    if status["running"]:
        st.info(md("Sending to {}: {} so far at {:g} a second for {}, {}. Open Monitor to watch it arrive.",
                   status["model"], count(status["calls"], "call"), status["rate"], count(status["seconds"], "second"),
                   _drift_words(status["drift"])))
        return st.button("Stop the simulation", key=f"{key}.stop")
    if status["error"]:
        st.error(md_escape(status["error"]))
    else:
        st.caption(md("Last simulation: {} to {}, {}.", count(status["calls"], "call"), status["model"],
                      _drift_words(status["drift"])))
    return False


def _drift_words(drift: str) -> str:
    return "no drift" if drift == "none" else f"drift in {drift}"


def render_clear_demo(has_demo: bool, *, key: str) -> bool:
    """The button that removes the demo traffic, offered only while there is some; True when pressed."""
    if not has_demo:
        st.caption("No demo traffic is logged: the traffic seeded at first start was removed, or never seeded.")
        return False
    st.caption("Traffic seeded at first start is tagged 'demo', like the demo analysts' verdicts on some of it; "
               "removing it removes both and keeps every other call and all other feedback.")
    return st.button("Remove the demo traffic", key=f"{key}.clear")
