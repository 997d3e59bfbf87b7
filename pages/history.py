"""History: this user's recent predictions; ``?prediction=<id>`` reopens one with inputs, output and request."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.history_table import render_history
from components.payload_inspector import render_payload
from components.prediction_view import render_result
from components.trace_view import render_trace
from mds_client import MDSError
from mds_client.tracing import trace_link
from workbench.auth import can_open
from workbench.predict.service import result_from_log
from workbench.store import get_prediction, recent_predictions
from workbench.ui import resources, state

st.title("Your recent predictions")
engine = resources.engine()
user = state.username()
everyone = can_open(state.role(), "admin") and st.toggle("Everyone's predictions", key="history.everyone")

wanted = st.query_params.get("prediction")
if wanted:
    row = get_prediction(engine, int(wanted)) if str(wanted).isdigit() else None
    if row is None or (row.user != user and not can_open(state.role(), "admin")):
        st.error(f"Prediction {wanted} was not found, or it is not yours.")
    else:
        st.subheader(f"Prediction {row.id}: {row.model}")
        st.caption(f"By {row.user} on {row.created:%Y-%m-%d %H:%M:%S} · status {row.status} · from {row.source}")
        if row.trace_id:
            render_trace(row.trace_id, trace_link(resources.settings().trace_url, row.trace_id), key="history.trace")
        result = result_from_log(row)
        if result is None:
            st.error(row.error or "The call failed.")
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
                st.caption(f"Model '{row.model}' is no longer in the catalog; the request is shown as it was sent.")
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
