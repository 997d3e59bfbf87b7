"""Check a payload: paste or upload any v1/V2 payload (or a curl command) and see what the model will do with it.

The check says line by line what is wrong and what to change, shows the corrected payload and
the same rows in the other protocol, sends it to the catalog's model on request, and shows what
the model expects. Nothing typed here is used as a URL.
"""

from __future__ import annotations

import streamlit as st

from workbench.ui.model_picker import pick_model
from workbench.ui.payload_check import payload_check_body

st.title("Check a payload")
st.caption("For anyone writing requests by hand or from code: will this model take my payload, and if not, what "
           "do I change? Nothing is sent until you press Send it.")
entry = pick_model("payload_check")
payload_check_body(entry)
