"""CloudEvents as model-server loggers send them, read into plain ``LogEvent`` records.

Accepted (all parsed with the official ``cloudevents`` SDK):
- Seldon Core v1's executor logger, binary mode: ``Ce-Type`` ``io.seldon.serving.inference.request`` |
  ``.response`` | ``io.seldon.serving.feedback``; ``Ce-Id`` is new per event, ``Ce-Requestid`` is the
  call's puid; ``Ce-Modelid`` (graph node), ``Ce-Inferenceservicename`` (SeldonDeployment),
  ``Ce-Namespace``, ``Ce-Endpoint`` (predictor); the body is the raw v1 or V2 payload.
- KServe's agent logger, binary mode: ``org.kubeflow.serving.inference.request`` | ``.response``;
  there ``Ce-Id`` *is* the request id (the same on request and response; no ``Ce-Requestid``).
- Structured mode (``Content-Type: application/cloudevents+json``) with the same types.

Who sent an event is the logger its type names, except that events whose ``Ce-Source`` is
``urn:mds-workbench:<source>`` (what ``mds simulate`` and the workbench send) keep that source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson

from .errors import MalformedEvent

SELDON_TYPES = {
    "io.seldon.serving.inference.request": "request",
    "io.seldon.serving.inference.response": "response",
    "io.seldon.serving.feedback": "feedback",
}
KSERVE_TYPES = {
    "org.kubeflow.serving.inference.request": "request",
    "org.kubeflow.serving.inference.response": "response",
    "org.kubeflow.serving.feedback": "feedback",
}
SOURCES = ("seldon-logger", "kserve-logger", "workbench", "simulate", "elasticsearch")
WORKBENCH_SOURCE_PREFIX = "urn:mds-workbench:"
MAX_BODY_BYTES = 10 * 1024 * 1024  # a bigger payload is refused (413), never half stored


@dataclass(frozen=True)
class LogEvent:
    """One logger event: what was sent (``body``), for which call and model, by whom, when."""

    event_id: str
    kind: str
    """request | response | feedback"""
    request_id: str
    source: str
    service: str
    """Ce-Inferenceservicename: the SeldonDeployment / InferenceService."""
    model_id: str
    """Ce-Modelid: the graph node (Seldon); empty for KServe."""
    namespace: str
    endpoint: str
    time: datetime
    body: Any
    type: str = ""
    tag: str = ""
    """``demo`` etc.: the ``mdstag`` extension, kept only on events from the workbench's own sources."""

    @property
    def dedupe_key(self) -> str:
        return f"{self.event_id}|{self.type}"


def parse_event(headers: Mapping[str, str], body: bytes) -> LogEvent:
    """The event in an HTTP request; a ``MalformedEvent`` names what is wrong."""
    from cloudevents.core.bindings.http import HTTPMessage, from_http
    from cloudevents.core.exceptions import BaseCloudEventException

    if len(body) > MAX_BODY_BYTES:
        raise MalformedEvent("too_large", f"The event body is {len(body)} bytes; the sink takes at most "
                             f"{MAX_BODY_BYTES}.", status=413)
    plain = {k.lower(): v for k, v in headers.items()}
    content_type = plain.get("content-type", "")
    structured = content_type.startswith("application/cloudevents")
    if "batch" in content_type:
        raise MalformedEvent("batch_mode", "Batched CloudEvents are not accepted; send one event per request.",
                             status=415)
    if not structured and "ce-id" not in plain and "ce-type" not in plain:
        raise MalformedEvent("not_cloudevent", "This is not a CloudEvent: binary mode needs the headers "
                             "Ce-Id, Ce-Type, Ce-Source and Ce-Specversion; structured mode needs "
                             "Content-Type: application/cloudevents+json.")
    try:
        # Ce-Time is read once, by parse_time (fromisoformat); the SDK would parse it again with dateutil,
        # which is a third of its cost per event. Structured events keep their time in the body.
        binary_time = None if structured else plain.pop("ce-time", None)
        event = from_http(HTTPMessage(plain, body), _raw_format())
    except (BaseCloudEventException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedEvent("not_cloudevent", f"This is not a valid CloudEvent: {exc}") from None
    attrs = event.get_attributes()
    ce_type = str(attrs.get("type") or "")
    kind, logger = _kind_of(ce_type)
    event_id = str(attrs.get("id") or "")
    source_uri = str(attrs.get("source") or "")
    source = logger
    if source_uri.startswith(WORKBENCH_SOURCE_PREFIX):
        named = source_uri[len(WORKBENCH_SOURCE_PREFIX):]
        source = named if named in SOURCES else logger
    tag = str(attrs.get("mdstag") or "")[:32] if source != logger else ""
    request_id = str(attrs.get("requestid") or "") or (event_id if logger == "kserve-logger" else "")
    if not request_id:
        raise MalformedEvent("no_request_id", "The event names no request: Seldon's logger sends Ce-Requestid "
                             "(the call's puid); without it request and response cannot be joined.")
    service = str(attrs.get("inferenceservicename") or "")
    model_id = str(attrs.get("modelid") or "")
    if not service and not model_id:
        raise MalformedEvent("no_model", "The event names no model: send Ce-Inferenceservicename or Ce-Modelid.")
    return LogEvent(
        event_id=event_id, kind=kind, request_id=request_id, source=source, service=service, model_id=model_id,
        namespace=str(attrs.get("namespace") or ""), endpoint=str(attrs.get("endpoint") or ""),
        time=parse_time(unquote(binary_time) if binary_time is not None else attrs.get("time")), body=_json_body(event.get_data()), type=ce_type, tag=tag,
    )


_FORMAT: Any = None


def _raw_format() -> Any:
    """The SDK's JSON event format, except that a binary-mode body is kept as bytes (we parse it with orjson)."""
    global _FORMAT
    if _FORMAT is None:
        from cloudevents.core.formats.json import JSONFormat

        class RawDataJSONFormat(JSONFormat):
            def read_data(self, body: bytes, datacontenttype: str | None) -> Any:
                return body

        _FORMAT = RawDataJSONFormat()
    return _FORMAT


def _kind_of(ce_type: str) -> tuple[str, str]:
    if ce_type in SELDON_TYPES:
        return SELDON_TYPES[ce_type], "seldon-logger"
    if ce_type in KSERVE_TYPES:
        return KSERVE_TYPES[ce_type], "kserve-logger"
    known = ", ".join([*SELDON_TYPES, *KSERVE_TYPES])
    raise MalformedEvent("unknown_type", f"Unknown event type {ce_type!r}; the sink takes {known}.")


def _json_body(data: Any) -> Any:
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        raw = bytes(data) if not isinstance(data, str) else data.encode()
        if not raw.strip():
            raise MalformedEvent("empty_body", "The event has no payload; the body must be the model's JSON "
                                 "request or response.")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedEvent("bad_json", f"The event payload is not JSON ({exc}).") from None
    if data is None:
        raise MalformedEvent("empty_body", "The event has no payload; the body must be the model's JSON "
                             "request or response.")
    return data


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any) -> datetime:
    """An event time (RFC 3339, as Go writes it with up to 9 fractional digits) in UTC; now when absent."""
    if value is None or value == "":
        return datetime.now(UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = _FRACTION.sub(r"\1", str(value).strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedEvent("bad_time", f"Ce-Time {value!r} is not an RFC 3339 time.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def binary_headers(*, event_id: str, kind: str, request_id: str, service: str, model_id: str = "",
                   namespace: str = "", endpoint: str = "default", time: datetime | None = None,
                   source: str = "", logger: str = "seldon") -> dict[str, str]:
    """The headers Seldon's executor logger (``logger="seldon"``) or KServe's agent sends with a payload."""
    moment = (time or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    if logger == "kserve":
        ce_type = next(t for t, k in KSERVE_TYPES.items() if k == kind)
        headers = {"Ce-Id": request_id, "Ce-Inferenceservicename": service, "Ce-Component": "predictor"}
    else:
        ce_type = next(t for t, k in SELDON_TYPES.items() if k == kind)
        headers = {"Ce-Id": event_id, "Ce-Requestid": request_id, "Ce-Modelid": model_id or service,
                   "Ce-Inferenceservicename": service, "Ce-Protocol": "seldon"}
    headers.update({"Ce-Specversion": "1.0", "Ce-Type": ce_type, "Ce-Source": source or "http://localhost:8000/",
                    "Ce-Namespace": namespace, "Ce-Endpoint": endpoint, "Ce-Time": moment,
                    "Content-Type": "application/json"})
    return headers
