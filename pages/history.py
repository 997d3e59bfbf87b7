"""History: this user's recent predictions; ``?prediction=<id>`` reopens one with inputs, output and request."""

from __future__ import annotations

import streamlit as st

from components.history_table import render_history
from components.numbers import count
from components.text import md
from workbench.auth import can
from workbench.store import count_others_predictions, count_predictions, recent_predictions
from workbench.store.feedback import latest_verdicts
from workbench.ui import resources, state
from workbench.ui.history_case import render_case


def open_case(key: str) -> None:
    """Open the case a select box or the number box names (their on_change: only a new choice opens one)."""
    chosen = str(st.session_state.get(key) or "").strip()
    if chosen.isdigit():
        st.query_params["prediction"] = chosen


st.title("Your recent predictions")
engine = resources.engine()
user = state.username()
sees_all = can(state.role(), "see others' predictions")  # data scientists open the cases feedback review links to
everyone = sees_all and st.toggle("Everyone's predictions", key="history.everyone")

wanted = st.query_params.get("prediction")
if wanted:
    render_case(wanted)
    if st.button("Back to the list", key="history.back"):
        st.query_params.clear()
        for key in ("history.pick", "history.by_id"):  # the boxes start empty on the list again
            st.session_state.pop(key, None)
        st.rerun()
    st.divider()

SHOWN = 100  # the latest; a case further back opens by its link or id (?prediction=ID)
rows = recent_predictions(engine, None if everyone else user, limit=SHOWN)
others = count_others_predictions(engine, user) if sees_all and not everyone and not rows else 0
if others:
    st.info(md("You have no predictions yet; turn on 'Everyone's predictions' to see {} by others.",
               count(others, "prediction")), icon=":material/info:")
elif not rows:
    st.info("No predictions yet. Run one on the Predict page and it will show here, with a link you can share.")
else:
    older = len(rows) == SHOWN and (total := count_predictions(engine, None if everyone else user)) > SHOWN
    if older:
        st.caption(md("The latest {:,} of {:,} predictions; open an older one by its number below.", SHOWN, total))
    render_history(rows, latest_verdicts(engine, [r.id for r in rows]), key="history.list")
    ids = [r.id for r in rows]
    # Opened by the widget's change (a callback), so a choice left in a box never reopens a case by itself.
    st.selectbox("Open a prediction", ids, index=None, key="history.pick", placeholder="Choose a case",
                 format_func=lambda i: f"{i}: {next(r.model for r in rows if r.id == i)}",
                 on_change=open_case, args=("history.pick",))
    if older:
        typed = st.text_input("Or open a prediction by its number", key="history.by_id",
                              placeholder="the number in the Case column", on_change=open_case, args=("history.by_id",))
        if typed.strip() and not typed.strip().isdigit():
            st.warning(md("'{}' is not a prediction number: it is the number in the Case column.", typed[:40]))
