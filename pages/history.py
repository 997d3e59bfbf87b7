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
from workbench.ui.case import render_case

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
    if len(rows) == SHOWN and (total := count_predictions(engine, None if everyone else user)) > SHOWN:
        st.caption(md("The latest {:,} of {:,} predictions; an older one opens from its link.", SHOWN, total))
    render_history(rows, latest_verdicts(engine, [r.id for r in rows]), key="history.list")
    ids = [r.id for r in rows]
    pick = st.selectbox("Open a prediction", ids, index=None, key="history.pick", placeholder="Choose a case",
                        format_func=lambda i: f"{i}: {next(r.model for r in rows if r.id == i)}")
    if pick is not None and str(pick) != wanted:
        st.query_params["prediction"] = str(pick)
        st.rerun()
