"""The payload check joined to the app: the Check a payload page's parts and Predict's raw JSON editor.

``payload_check_body`` draws everything below the model picker; ``checked_raw_payload`` runs the
check on Predict's raw JSON editor and returns the payload only when it may be sent. Sending
always goes to the catalog's ``ModelRef`` through the predict service (logged like any prediction).
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from components import payload_check_view as view
from components.prediction_view import render_result
from components.raw_json_editor import render_raw_json_editor
from components.text import md, md_escape
from mds_client import MDSError, ModelRef, ModelSchema
from mds_client.payload_check import example_payload
from mds_client.server_info import ServerInfo
from workbench.catalog.service import ModelEntry, schema_table
from workbench.payload_check.service import Checked, check_text
from workbench.predict import service as predict_service
from workbench.ui import resources, state

PAGE = "payload_check"
AS_IS = "My payload, as it is"
CORRECTED = "The corrected payload"


def payload_check_body(entry: ModelEntry, *, key: str = PAGE) -> None:
    """Paste, check, fix, convert, send; and what the model expects."""
    ref, schema = entry.ref, entry.schema or ModelSchema()
    text = view.render_payload_source(key=f"{key}.source")
    checked = check_text(text, ref, schema, _server(ref)) if text else None
    if checked is not None:
        view.render_verdict(checked.report, ref.name, key=f"{key}.verdict")
        if checked.url:
            st.caption(f"The curl command's URL ({md_escape(checked.url)}) is not used: Send it calls "
                       f"{md_escape(ref.name)} at its catalog address.")
    findings_tab, payloads_tab, send_tab, expects_tab = st.tabs(
        ["Findings", "Corrected and converted", "Send it", "What the model expects"])
    with findings_tab:
        if checked is None:
            st.caption("Paste or upload a payload above: the findings show here, one per line.")
        else:
            view.render_findings(checked.report, key=f"{key}.findings")
    with payloads_tab:
        if checked is None:
            st.caption("The corrected payload and its conversion to the other protocol show here.")
        else:
            view.render_fixed_payloads(checked.report, ref.name, key=f"{key}.fixed")
    with send_tab:
        _send(entry, checked, key=f"{key}.send")
    with expects_tab:
        reference = resources.reference_of(str(resources.settings().catalog_path), ref.name)
        view.render_expectations(None if schema.is_empty else schema_table(schema), _examples(schema, reference, ref.protocol),
                                 ref.name, key=f"{key}.expects")


def _server(ref: ModelRef) -> ServerInfo | None:
    try:
        return resources.server_of(str(resources.settings().catalog_path), ref.name)
    except MDSError:
        return None  # a model no longer in the catalog: the check applies the rules every V2 server shares


def _examples(schema: ModelSchema, reference: Any, own: str = "v2") -> dict[str, dict[str, Any]]:
    if schema.is_empty:
        return {}
    out = {}
    # A KServe V1 model's own form first, then the two protocols every page offers.
    for protocol in dict.fromkeys((own if own == "kserve-v1" else "v2", "v2", "seldon")):
        try:
            out[protocol] = example_payload(schema, protocol, reference)
        except (ValueError, TypeError, KeyError):
            continue  # a schema one protocol cannot carry (a tensor in Seldon jsonData): the other still shows
    return out


def _send(entry: ModelEntry, checked: Checked | None, *, key: str) -> None:
    ref, schema = entry.ref, entry.schema or ModelSchema()
    choices = []
    if checked is not None and checked.report.corrected is not None:
        choices.append(CORRECTED)
    if checked is not None and isinstance(checked.doc, dict):
        choices.append(AS_IS)
    choice, clicked = view.render_send_choice(choices, ref.name, key=key)
    if clicked and checked is not None and choice is not None:
        body = checked.report.corrected if choice == CORRECTED else checked.doc
        with st.spinner(md("Asking {}...", ref.name)):
            outcome = predict_service.predict_raw(resources.client(), resources.engine(), ref, schema, body,
                                                  user=state.username())
        state.set_last_result(outcome.result, page=PAGE)
        state.set_last_error(ref.name, outcome.error, page=PAGE)
    error = state.last_error(ref.name, page=PAGE)
    result = state.last_result(page=PAGE)
    if error:
        st.error(md_escape(error), icon=":material/error:")
    elif result is not None and result.model == ref.name:
        render_result(result, key=f"{key}.result")
        if result.rows is not None:
            view.render_rows(result.rows, ref.name, key=f"{key}.rows")
        with st.expander("The server's answer (JSON)"):
            st.code(view.json_text(result.response)[: view.SHOWN_JSON_CHARS], language="json")


def checked_raw_payload(entry: ModelEntry, sample: dict[str, Any], *, key: str) -> dict[str, Any] | None:
    """Predict's raw JSON editor with the check's advice under it; the payload when it may be sent."""
    ref, schema = entry.ref, entry.schema or ModelSchema()
    text_key = f"{key}.text"
    text = render_raw_json_editor(sample, key=key)
    checked = check_text(text, ref, schema, _server(ref))

    def use_corrected() -> None:
        st.session_state[text_key] = json.dumps(checked.report.corrected, indent=2)

    report = checked.report
    if report.findings:
        if not report.accepted:
            st.caption("The payload check found problems the model would refuse or score wrongly; fix them to predict.")
        view.render_findings(report, key=f"{key}.check", on_use_corrected=use_corrected)
    return checked.doc if checked.sendable_as_is else None
