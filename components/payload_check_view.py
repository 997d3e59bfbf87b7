"""Widgets of the payload check: the pasted payload, the verdict and findings, the fixed payloads.

Everything shown here may come from the person's payload or the server (field names, values,
messages): it goes through ``md_escape`` or ``st.code``, never as live Markdown or HTML.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components.numbers import count
from components.table_view import render_table
from components.text import md, md_escape
from mds_client.payload_check import MAX_PAYLOAD_BYTES, Finding, Report

PROTOCOL_NAMES = {"v2": "V2 (Open Inference Protocol)", "seldon": "Seldon v1", "kserve-v1": "KServe V1"}
KIND_NAMES = {**PROTOCOL_NAMES, "records": "a bare JSON table (one record per row)",
              "columns": "a bare JSON table (one list per column)", "kserve-v1": "KServe v1 ('instances')",
              "unknown": "not a payload the check could read"}
SHOWN_FINDINGS = 40
"""More findings than this (a long payload with a bad column) are counted, not listed."""
SHOWN_JSON_CHARS = 60_000
"""A longer payload is shortened on screen; the download has all of it."""
_ICONS = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


def render_payload_source(*, key: str) -> str | bytes:
    """Pasted text or an uploaded file's bytes ("" when there is nothing yet)."""
    how = st.segmented_control("Payload", ["Paste", "Upload a file"], default="Paste", key=f"{key}.how")
    if how == "Upload a file":
        upload = st.file_uploader("A JSON file (v1 or V2 body) or a text file holding a curl command",
                                  type=["json", "txt", "sh"], key=f"{key}.upload",
                                  max_upload_size=math.ceil(MAX_PAYLOAD_BYTES / 1e6))  # the paste's limit, not 1 GB
        return upload.getvalue() if upload is not None else ""
    text = st.text_area("Paste a request body (Seldon v1 or V2 JSON) or a whole curl command", key=f"{key}.text", height=240,
                        max_chars=MAX_PAYLOAD_BYTES,
                        placeholder='{"inputs": [...]}   or   curl -X POST ... -d \'{"data": {...}}\'',
                        help="Nothing is sent while you check. A URL in a curl command is never used: "
                             "Send it calls the model chosen above, as the catalog has it.")
    if len(text) >= MAX_PAYLOAD_BYTES:
        # the browser cuts a longer paste at max_chars: say so rather than let the check read a torn payload
        st.error(f"The pasted text reached the paste limit ({MAX_PAYLOAD_BYTES / 1e6:.0f} MB) and was cut. "
                 "Upload the file instead; the check reads payloads up to that size.", icon=":material/content_cut:")
        return ""
    return text


def render_verdict(report: Report, model: str, *, key: str) -> None:
    what = KIND_NAMES.get(report.kind, report.kind)
    rows = f", {report.rows:,} row{'s' if report.rows != 1 else ''}" if report.rows else ""
    if report.accepted:
        st.success(md("{} will accept this payload as it is ({}{}).", model, what, rows), icon=":material/check_circle:")
        return
    n = len(report.errors)
    st.error(md("{} will not accept this payload as it is: {} to fix ({}{}).", model, count(n, "problem"), what, rows),
             icon=":material/block:")


def finding_text(finding: Finding) -> str:
    """One finding as a line of plain words: what is wrong, what to change, and where."""
    where = f" (at {finding.path})" if finding.path and finding.path != "$" else ""
    fix = f" {finding.fix}" if finding.fix else ""
    return f"{finding.message}{fix}{where}"


def render_findings(report: Report, *, key: str, on_use_corrected: Callable[[], None] | None = None) -> None:
    """Each finding on its own line, errors first; a button to take the corrected payload when there is one."""
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(report.findings, key=lambda f: order.get(f.severity, 3))
    for finding in findings[:SHOWN_FINDINGS]:
        show = {"error": st.error, "warning": st.warning}.get(finding.severity, st.info)
        show(md_escape(finding_text(finding)), icon=_ICONS.get(finding.severity))
    if len(findings) > SHOWN_FINDINGS:
        st.caption(f"... and {len(findings) - SHOWN_FINDINGS:,} more findings of the same kinds.")
    if on_use_corrected is not None and report.corrected is not None and not report.accepted:
        st.button("Use the corrected payload", key=f"{key}.use_corrected", on_click=on_use_corrected,
                  icon=":material/auto_fix_high:", help="Replace the payload with the check's corrected one.")


def json_text(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def render_json_payload(doc: dict[str, Any], *, title: str, filename: str, key: str) -> None:
    """A payload as JSON (with the code block's copy button) and a download of all of it."""
    text = json_text(doc)
    st.markdown(f"**{md_escape(title)}**")
    if len(text) > SHOWN_JSON_CHARS:
        st.caption(f"Shortened on screen ({len(text):,} characters); the download has all of it.")
        st.code(text[:SHOWN_JSON_CHARS] + "\n...", language="json")
    else:
        st.code(text, language="json")
    st.download_button(md("Download {}", filename), text, filename, "application/json", key=f"{key}.download",
                       icon=":material/download:")


def render_fixed_payloads(report: Report, model: str, *, key: str) -> None:
    """The corrected payload (the model's protocol) and the converted one (the other protocol)."""
    if report.corrected is None:
        st.caption("No corrected payload: the check could not read every feature's values from this payload. "
                   "Start from the example in What the model expects.")
        return
    own = report.model_protocol
    other = "seldon" if own == "v2" else "v2"
    left, right = st.columns(2)
    with left:
        render_json_payload(report.corrected, title=f"Corrected, for {model} ({PROTOCOL_NAMES.get(own, own)})",
                            filename=f"{model}-{own}.json", key=f"{key}.corrected")
    with right:
        if report.converted is not None:
            render_json_payload(report.converted, title=f"The same rows in {PROTOCOL_NAMES.get(other, other)}",
                                filename=f"{model}-{other}.json", key=f"{key}.converted")


def render_expectations(schema_table: pd.DataFrame | None, examples: dict[str, dict[str, Any]], model: str, *,
                        key: str) -> None:
    """The schema as a table and one valid example per protocol."""
    if schema_table is None or schema_table.empty:
        st.info("This model publishes no input schema: only the wire format is checked.", icon=":material/info:")
    else:
        render_table(schema_table, key=f"{key}.schema", keep_whole=("kind", "allowed", "unit"))
    columns = st.columns(max(len(examples), 1))
    for column, (protocol, example) in zip(columns, examples.items(), strict=False):
        with column:
            render_json_payload(example, title=f"A valid example in {PROTOCOL_NAMES.get(protocol, protocol)}",
                                filename=f"{model}-example-{protocol}.json", key=f"{key}.example.{protocol}")


def labels_md(labels: list[str]) -> list[str]:
    """Option labels as Markdown: our own words ("The corrected payload", ...), escaped all the same."""
    return [md_escape(label) for label in labels]


def render_send_choice(choices: list[str], model: str, *, key: str) -> tuple[str | None, bool]:
    """Which payload to send (of ``choices``) and whether Send it was pressed."""
    if not choices:
        st.caption("Nothing to send yet: the payload has to be readable and hold every feature.")
        return None, False
    choices_md = labels_md(choices)
    picked = st.radio("Send", choices_md, key=f"{key}.choice", horizontal=True,
                      help=md("Goes to {} as the catalog has it; never to a URL from the pasted text.", model))
    clicked = st.button("Send it", type="primary", key=f"{key}.send", icon=":material/send:")
    choice = choices[choices_md.index(picked)] if picked in choices_md else None
    return choice, clicked


def render_rows(rows: pd.DataFrame, model: str, *, key: str) -> None:
    """Every row's answer, with a download."""
    st.markdown(f"**All {len(rows):,} answers**")
    render_table(rows, key=f"{key}.table", drop_empty=False, own_headers=False)
    st.download_button("Download the answers (CSV)", rows.to_csv(index=False), f"{model}-answers.csv", "text/csv",
                       key=f"{key}.download", icon=":material/download:")
