"""W3C Trace Context: the ``traceparent`` header every call carries, so a call can be found in Jaeger/Tempo.

``traceparent: 00-<trace id: 32 hex>-<parent span id: 16 hex>-01`` (version 00, sampled). The
workbench starts a new trace per call; a server that traces (Seldon's executor, MLServer with
OpenTelemetry) continues it, so the trace id stored with a prediction finds that call's spans.
"""

from __future__ import annotations

import os
import re

HEADER = "traceparent"
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def new_traceparent() -> tuple[str, str]:
    """(header value, trace id). ``os.urandom`` costs about a microsecond: nothing next to a call."""
    raw = os.urandom(24).hex()
    trace_id, span_id = raw[:32], raw[32:]
    if trace_id == "0" * 32:  # all zeros is invalid by the spec; astronomically unlikely
        trace_id = "1" + trace_id[1:]
    return f"00-{trace_id}-{span_id}-01", trace_id


def trace_id_of(traceparent: str) -> str:
    """The trace id of a ``traceparent`` value, "" when it is not one."""
    parts = traceparent.strip().lower().split("-")
    if len(parts) >= 4 and _TRACE_ID.match(parts[1]) and parts[1] != "0" * 32:
        return parts[1]
    return ""


def is_trace_id(text: str) -> bool:
    return bool(_TRACE_ID.match(text or "")) and text != "0" * 32


def trace_link(template: str, trace_id: str) -> str | None:
    """``template`` with ``{trace_id}`` filled; None unless the id is 32 hex digits (nothing else enters the URL)."""
    if not template or "{trace_id}" not in template or not is_trace_id(trace_id):
        return None
    return template.replace("{trace_id}", trace_id)
