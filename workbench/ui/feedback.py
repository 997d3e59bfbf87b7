"""The Feedback tab's glue: draw the box, store what was said (store first), wake the delivery thread."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.feedback_box import render_feedback_box
from components.text import md_escape
from mds_client import MDSError
from workbench.auth import can_see_all_feedback
from workbench.feedback import capture as service
from workbench.feedback.outbox import start_background_delivery
from workbench.feedback.sinks import default_sinks
from workbench.ui import resources, state


def feedback_tab(result: Any, schema: Any, *, key: str) -> None:
    """The Predict page's Feedback tab: draw the box, store what was said, wake the delivery thread."""
    prediction_id = getattr(result, "prediction_id", None)
    if prediction_id is None:
        st.caption("This answer was not saved, so feedback cannot be attached to it.")
        return
    engine, user = resources.engine(), state.username()
    mine = service.feedback_for_prediction(engine, prediction_id, user)
    sees_all = can_see_all_feedback(state.role(), resources.settings())
    others = [i for i in service.feedback_for_prediction(engine, prediction_id) if i.user != user] if sees_all else []
    box_key = f"{key}.{prediction_id}"
    said = render_feedback_box(result, schema, key=box_key, current=mine[0] if mine else None, others=others)
    if said is None:
        return
    try:
        if said.action == "withdraw" and mine:
            service.withdraw_feedback(engine, mine[0].id, user)
        else:
            item = service.record_feedback(engine, prediction_id, user, said.verdict, truth=said.truth,
                                           confidence=said.confidence, comment=said.comment, tags=said.tags,
                                           schema=schema)
            if item.forwarded == "pending":
                _wake_delivery(engine)
    except MDSError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        return
    st.session_state[f"{box_key}.editing"] = False
    st.session_state[f"{box_key}.wrong"] = False
    st.rerun()


def _wake_delivery(engine: Any) -> None:
    catalog = str(resources.settings().catalog_path)
    # Uncached on purpose: the delivery thread runs outside any Streamlit script run.
    worker = start_background_delivery(30.0, engine=engine,
                                       sinks=default_sinks(resources.client(), lambda: resources.list_refs(catalog)))
    worker.nudge()
