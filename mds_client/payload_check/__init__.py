"""The payload check: is this payload right for this model, and if not, what to change.

    from mds_client.payload_check import diagnose, example_payload, explain_server_error
    report = diagnose(pasted_text, ref, schema)   # JSON or curl, v1 or V2; never sends anything
    report.accepted / report.findings / report.corrected / report.converted
    example_payload(schema, "v2")                 # one valid request per protocol
    explain_server_error(422, body, schema)       # a server's refusal in plain words

A pure library (no Streamlit, no network): the page and ``mds check`` draw what it returns.
"""

from mds_client.payload_check.diagnose import TIME_BUDGET_S, diagnose, diagnose_doc, example_payload, payload_kind
from mds_client.payload_check.errors import PayloadTooDeep, PayloadTooLarge, PayloadUnreadable
from mds_client.payload_check.reading import MAX_DEPTH, MAX_PAYLOAD_BYTES, Pasted, nesting_depth, read_payload
from mds_client.payload_check.report import Finding, PayloadKind, Report, Severity
from mds_client.payload_check.server_errors import ServerAdvice, explain_server_error, server_message

__all__ = [
    "MAX_DEPTH", "MAX_PAYLOAD_BYTES", "TIME_BUDGET_S", "Finding", "Pasted", "PayloadKind", "PayloadTooDeep",
    "PayloadTooLarge", "PayloadUnreadable", "Report", "ServerAdvice", "Severity", "diagnose", "diagnose_doc",
    "example_payload", "explain_server_error", "nesting_depth", "payload_kind", "read_payload", "server_message",
]
