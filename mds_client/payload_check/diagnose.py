"""The payload check: what this model will do with a pasted payload, and how to make it right.

    report = diagnose(text, ref, schema, server=client.server_info(ref))   # text: JSON or curl, v1 or V2
    report.kind, report.accepted, report.findings, report.corrected, report.converted

Steps: read the text safely (``reading``), tell which protocol it is, read its rows (``read_v2``,
``read_v1``) noting wire mistakes, check the rows against the schema (missing and extra features,
types, categories, declared bounds as errors, observed ranges as warnings), then write the rows
with this model's codec (``corrected``, in the shapes the model declares) and the other protocol's
(``converted``). ``server`` (what the model's server says at ``GET /v2``) decides how much a quirk that one V2
server refuses and another takes weighs (``server_rules``): an unknown server gets a warning, never an error.
"""

from __future__ import annotations

import difflib
import time
from typing import Any

import pandas as pd

from mds_client.codecs import codec_for
from mds_client.errors import InputError
from mds_client.payload_check.errors import PayloadTooLarge, PayloadUnreadable
from mds_client.payload_check.read_kserve import SKELETON as KSERVE_SKELETON
from mds_client.payload_check.read_kserve import cell_path as kserve_cell_path
from mds_client.payload_check.read_kserve import form_of as kserve_form
from mds_client.payload_check.read_kserve import is_v1_inputs, read_kserve_v1, rows_key
from mds_client.payload_check.read_v1 import read_seldon, read_table
from mds_client.payload_check.read_v2 import read_v2
from mds_client.payload_check.reading import read_payload
from mds_client.payload_check.report import Finding, PayloadKind, Report
from mds_client.payload_check.server_rules import refuses, severity
from mds_client.prediction import jsonable
from mds_client.refs import PROTOCOL_TITLES, ModelRef
from mds_client.schema.model import FeatureKind, ModelSchema
from mds_client.server_info import ServerInfo

MISSING_ONE_BY_ONE = 3
"""Up to this many missing features get a finding each; more are one finding (a payload for another model)."""
TIME_BUDGET_S = 5.0
"""A check that takes longer is stopped with a message (the limits make that unlikely)."""
_SELDON_KEYS = ("data", "jsonData", "strData", "binData")
_JSON_TYPE = {int: "number", float: "number", str: "string", bool: "true/false", type(None): "null"}
_PROTOCOL_NAME = PROTOCOL_TITLES


def payload_kind(doc: Any) -> PayloadKind:
    if isinstance(doc, dict):
        if "inputs" in doc:
            return "kserve-v1" if is_v1_inputs(doc) else "v2"
        if any(key in doc for key in _SELDON_KEYS):
            return "seldon"
        if "instances" in doc:
            return "kserve-v1"
        if doc and all(isinstance(v, list) for v in doc.values()):
            return "columns"
        return "records" if doc else "unknown"
    if isinstance(doc, list) and doc and all(isinstance(r, dict) for r in doc):
        return "records"
    return "unknown"


def diagnose(text: str | bytes, ref: ModelRef, schema: ModelSchema, *, server: ServerInfo | None = None,
             time_budget: float = TIME_BUDGET_S) -> Report:
    """The check's report on ``text`` for the model ``ref`` (never raises on bad input); ``server``: the model's
    server (``MDSClient.server_info``), None when unknown."""
    try:
        pasted = read_payload(text)
        return diagnose_doc(pasted.doc, ref, schema, server=server, time_budget=time_budget)
    except PayloadUnreadable as exc:
        return Report("unknown", ref.protocol, [Finding("error", "$", exc.message, exc.hint)], server=_server_name(server))


def diagnose_doc(doc: Any, ref: ModelRef, schema: ModelSchema, *, server: ServerInfo | None = None,
                 time_budget: float = TIME_BUDGET_S) -> Report:
    """The report on an already parsed document (one that came through ``read_payload``'s limits)."""
    started = time.monotonic()
    server = server or ServerInfo()
    kind = payload_kind(doc)
    report = Report(kind, ref.protocol, server=_server_name(server))
    findings = report.findings
    if not isinstance(doc, (dict, list)):
        findings.append(Finding("error", "$", f"The payload is a JSON {_JSON_TYPE.get(type(doc), 'value')}, not an object.",
                                "Send a JSON object: " + _skeleton(ref.protocol) + "."))
        return report
    frame = _rows(doc, kind, ref, schema, findings, server)
    if time.monotonic() - started > time_budget:
        raise PayloadTooLarge(f"Checking the payload took over {time_budget:.0f} s.")
    if frame is None:
        return report
    report.rows = len(frame)
    _check_rows(frame, _form(doc, kind), schema, findings, server)
    if schema.missing_columns(frame):
        return report  # nothing honest to correct to: the values are not there
    if len(frame) > 1 and ref.protocol == "v2" and schema.one_row_per_call:
        _several_rows(len(frame), schema, server, findings)
        report.converted = _encode(frame, "seldon", schema)
        return report  # no one request carries them all: the client sends one request per row
    report.corrected = _encode(frame, ref.protocol, schema)
    report.converted = _encode(frame, "seldon" if ref.protocol == "v2" else "v2", schema)
    return report


def _server_name(server: ServerInfo | None) -> str:
    return f"{server.name} {server.version}".strip() if server is not None else ""


def _several_rows(rows: int, schema: ModelSchema, server: ServerInfo, findings: list[Finding]) -> None:
    weight = severity("rows_per_request", server)
    fixed = next((f.name for f in schema.features if not f.batched), schema.names[0] if schema.names else "")
    message = f"The payload has {rows} rows, but the model takes one row per request: {schema.no_batch_reason}"
    fix = "Send one request per row (the workbench's Predict, Batch and `mds predict` do)."
    if weight is None:
        findings.append(Finding("info", "$.inputs", message + f"; {server.name or 'this server'} does not check it.", fix,
                                fixed))
    else:
        findings.append(Finding(weight, "$.inputs", message + f", and {refuses(server)} refuses more.", fix, fixed))


def _rows(doc: Any, kind: PayloadKind, ref: ModelRef, schema: ModelSchema, findings: list[Finding],
          server: ServerInfo) -> pd.DataFrame | None:
    if kind in ("v2", "seldon") and kind != ref.protocol:
        findings.append(Finding("error", "$", f"This is a {_PROTOCOL_NAME[kind]} payload, but model '{ref.name}' speaks "
                                f"{_PROTOCOL_NAME[ref.protocol]}: the server will refuse it.",
                                f"Send the corrected payload, in {_PROTOCOL_NAME[ref.protocol]} form.", "protocol"))
    if kind == "v2":
        return read_v2(doc, schema, findings, server)
    if kind == "seldon":
        return read_seldon(doc, schema, findings)
    if kind == "kserve-v1":
        key = rows_key(doc)
        if ref.protocol != "kserve-v1":
            findings.append(Finding("error", f"$.{key}", f"This is a KServe v1 payload ('{key}'); "
                                    f"model '{ref.name}' speaks {_PROTOCOL_NAME[ref.protocol]}.",
                                    "Send the corrected payload.", key))
        return read_kserve_v1(doc, schema, findings)
    if kind in ("records", "columns"):
        shape = "one record per row" if kind == "records" else "one list per column"
        findings.append(Finding("error", "$", f"This is a bare JSON table ({shape}), not a {_PROTOCOL_NAME[ref.protocol]} "
                                "request: the server will refuse it.", f"Send it as {_skeleton(ref.protocol)} "
                                "(the corrected payload).", "protocol"))
        return read_table(doc, schema, findings)
    findings.append(Finding("error", "$", f"Cannot tell the protocol: no 'inputs' (V2) and no {', '.join(_SELDON_KEYS)} (Seldon v1).",
                            f"Send {_skeleton(ref.protocol)}.", "protocol"))
    return None


def _skeleton(protocol: str) -> str:
    if protocol == "v2":
        return '{"inputs": [{"name": ..., "shape": [n], "datatype": ..., "data": [...]}]}'
    if protocol == "kserve-v1":
        return KSERVE_SKELETON
    return '{"data": {"names": [...], "ndarray": [[...]]}}'


def _form(doc: Any, kind: PayloadKind) -> str:
    """Which part of the payload holds the rows, for JSON paths: v2, data, jsonData or a bare table."""
    if kind == "seldon":
        return "jsonData" if "jsonData" in doc else "data"
    if kind == "kserve-v1":
        return kserve_form(doc)
    return kind if kind == "v2" else "table"


def _check_rows(frame: pd.DataFrame, kind: str, schema: ModelSchema, findings: list[Finding], server: ServerInfo) -> None:
    if schema.is_empty:
        findings.append(Finding("info", "$", "The model publishes no schema: only the wire format was checked."))
        return
    names_path = {"v2": "$.inputs", "data": "$.data.names", "jsonData": "$.jsonData"}.get(kind) or (
        f"$.{kind.rstrip('[]')}" if kind.startswith(("instances", "inputs")) else "$")
    missing = schema.missing_columns(frame)
    if len(missing) > MISSING_ONE_BY_ONE:
        findings.append(Finding("error", names_path, f"The payload lacks {len(missing)} of the model's "
                                f"{len(schema.table_columns())} features: {', '.join(missing[:6])}"
                                f"{', ...' if len(missing) > 6 else ''}.", "Send every feature (see the example payload).",
                                missing[0]))
    for col in missing if len(missing) <= MISSING_ONE_BY_ONE else ():
        feature = schema.feature_or_none(col)
        fix = f"Add {col}" + (f" ({_expects(feature)})." if feature is not None else ".")
        findings.append(Finding("error", names_path, f"{col}: the model needs this feature and the payload has none.", fix, col))
    known = set(schema.table_columns())
    for col in frame.columns:
        if str(col) not in known:
            close = _closest(str(col), [c for c in known if c not in frame.columns])
            hint = f" Did you mean {close}?" if close else ""
            weight = severity("unknown_input", server) if kind == "v2" else "warning"
            what = (f"the model does not declare it, and {refuses(server)} refuses it" if weight == "error"
                    else "it is left out")
            findings.append(Finding(weight or "warning", names_path, f"{col}: not a feature of this model; {what}.{hint}",
                                    f"Remove {col}" + (f" or rename it to {close}." if close else "."), str(col)))
    for error in schema.validate(frame):
        if error.row < 0:
            continue  # missing columns, said above
        feature = schema.feature_or_none(error.column)
        fix = f"Send {_expects(feature)}." if feature is not None else ""
        findings.append(Finding("error", _cell_path(kind, frame, error.row, error.column), f"row {error.row + 1}, {error.message}.",
                                fix, error.column))
    for note in schema.range_warnings(frame):
        findings.append(Finding("warning", _cell_path(kind, frame, note.row, note.column), f"row {note.row + 1}, {note.message}; "
                                "the model still scores it.", "", note.column))


def _expects(feature: Any) -> str:
    kind = feature.kind
    if kind == FeatureKind.CATEGORY and feature.categories:
        shown = ", ".join(feature.label_of(c) for c in feature.categories[:8])
        return f"one of {shown}{', ...' if len(feature.categories) > 8 else ''}"
    if kind in (FeatureKind.NUMBER, FeatureKind.INTEGER):
        what = "a whole number" if kind == FeatureKind.INTEGER else "a number"
        low, high = feature.hard_minimum, feature.hard_maximum
        if low is not None and high is not None:
            return f"{what} from {low:g} to {high:g}"
        return what
    return {FeatureKind.BOOLEAN: "true or false", FeatureKind.TEXT: "text"}.get(kind, f"a {kind}")


def _cell_path(kind: str, frame: pd.DataFrame, row: int, column: str) -> str:
    j = list(frame.columns).index(column) if column in frame.columns else -1
    if kind == "v2":
        return f"$.inputs[{j}].data[{row}]"
    if kind == "data":
        return f"$.data.ndarray[{row}][{j}]"
    if kind.startswith(("instances", "inputs")):
        return kserve_cell_path(kind, j, row, column)
    return f"$.jsonData[{row}].{column}" if kind == "jsonData" else f"$[{row}].{column}"


def _closest(name: str, candidates: list[str]) -> str:
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return match[0] if match else ""


def _encode(frame: pd.DataFrame, protocol: str, schema: ModelSchema) -> dict[str, Any] | None:
    try:
        return jsonable(codec_for(protocol).encode(schema.coerce(frame), schema))
    except (ValueError, TypeError, KeyError, InputError):  # rows the codec cannot write: said by the findings
        return None


def example_payload(schema: ModelSchema, protocol: str, reference: pd.DataFrame | None = None) -> dict[str, Any]:
    """One valid request for a model with this schema, in ``protocol`` (v2 or seldon)."""
    frame = pd.DataFrame([schema.example(reference)])
    return jsonable(codec_for(protocol).encode(schema.coerce(frame), schema))
