"""History: this user's recent predictions; ``?prediction=<id>`` reopens one with inputs, output and request."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.history_table import render_history
from components.payload_inspector import render_payload
from components.prediction_view import render_result
from components.text import md, md_escape
from mds_client import MDSError
from workbench.auth import can
from workbench.predict.service import result_from_log
from workbench.store import get_prediction, recent_predictions
from workbench.ui import resources, state

st.title("Your recent predictions")
engine = resources.engine()
user = state.username()
sees_all = can(state.role(), "see others' predictions")  # data scientists open the cases feedback review links to
everyone = sees_all and st.toggle("Everyone's predictions", key="history.everyone")

wanted = st.query_params.get("prediction")
if wanted:
    row = get_prediction(engine, int(wanted)) if str(wanted).isdigit() else None
    if row is None or (row.user != user and not sees_all):
        st.error(md("Prediction {} was not found, or it is not yours.", wanted))
    else:
        st.subheader(md("Prediction {}: {}", row.id, row.model))
        st.caption(md("By {} on {:%Y-%m-%d %H:%M:%S} · status {} · from {}", row.user, row.created, row.status, row.source))
        result = result_from_log(row)
        if result is None:
            st.error(md_escape(row.error or "The call failed."))
        else:
            render_result(result, key="history.result")
        if row.inputs:
            st.markdown("**Inputs**")
            st.dataframe(pd.DataFrame([row.inputs]).T.rename(columns={0: "value"}).astype(str), width="stretch",
                         key="history.inputs")
        if result is not None:
            try:
                ref = resources.ref_of(str(resources.settings().catalog_path), row.model)
            except MDSError:
                ref = None
            if ref is not None:
                render_payload(result, ref=ref, catalog=resources.settings().catalog_path, key="history.payload")
                if row.inputs and st.button("Open in Predict with these inputs", key="history.reopen"):
                    state.set_selected_model(row.model)
                    state.set_form_values(row.model, row.inputs)
                    for k in [k for k in st.session_state if str(k).startswith(f"predict.form.{row.model}.")]:
                        del st.session_state[k]
                    state.set_last_result(result)
                    st.switch_page(state.page("predict"))
            else:
                st.caption(md("Model '{}' is no longer in the catalog; the request is shown as it was sent.", row.model))
                st.json(result.request, expanded=False)
    if st.button("Back to the list", key="history.back"):
        st.query_params.clear()
        st.rerun()
    st.divider()

rows = recent_predictions(engine, None if everyone else user, limit=100)
if not rows:
    st.info("No predictions yet. Run one on the Predict page and it will show here, with a link you can share.")
else:
    render_history(rows, key="history.list")
    ids = [r.id for r in rows]
    pick = st.selectbox("Open a prediction", ids, index=None, key="history.pick", placeholder="Choose an id",
                        format_func=lambda i: f"{i}: {next(r.model for r in rows if r.id == i)}")
    if pick is not None and str(pick) != wanted:
        st.query_params["prediction"] = str(pick)
        st.rerun()
