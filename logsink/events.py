"""CloudEvents as model-server loggers send them, read into plain ``LogEvent`` records.

Accepted (all parsed with the official ``cloudevents`` SDK):
- Seldon Core v1's executor logger, binary mode: ``Ce-Type`` ``io.seldon.serving.inference.request`` |
  ``.response`` | ``io.seldon.serving.feedback``; ``Ce-Id`` is new per event, ``Ce-Requestid`` is the
  call's puid; ``Ce-Modelid`` (graph node), ``Ce-Inferenceservicename`` (SeldonDeployment),
  ``Ce-Namespace``, ``Ce-Endpoint`` (predictor); the body is the raw v1 or V2 payload.
- KServe's agent logger, binary mode: ``org.kubeflow.serving.inference.request`` | ``.response``;
  there ``Ce-Id`` *is* the request id (the same on request and response; no ``Ce-Requestid``).
- Structured mode (``Content-Type: application/cloudevents+json``) with the same types, and the spec's
  batch mode (``application/cloudevents-batch+json``: a JSON array of structured events).

The SDK's event class (``cloudevents.core``) builds and validates every event; the sink feeds it the
attributes from headers it already holds, instead of going through ``from_http`` with its copies.

Who sent an event is the logger its type names, except that events whose ``Ce-Source`` is
``urn:mds-workbench:<source>`` (what ``mds simulate`` and the workbench send) keep that source.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson
from cloudevents.core.bindings.common import get_event_factory_for_version
from cloudevents.core.exceptions import BaseCloudEventException

from logsink.errors import MalformedEvent

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
BATCH_CONTENT_TYPE = "application/cloudevents-batch"
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
    return parse_plain({k.lower(): v for k, v in headers.items()}, body)


def parse_plain(plain: dict[str, str], body: bytes) -> LogEvent:
    """As ``parse_event``, from headers already lower-cased (the sink builds them once from ASGI's raw list)."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedEvent("too_large", f"The event body is {len(body)} bytes; the sink takes at most "
                             f"{MAX_BODY_BYTES}.", status=413)
    content_type = plain.get("content-type", "")
    if content_type.startswith(BATCH_CONTENT_TYPE):
        raise MalformedEvent("batch_mode", "A batch of CloudEvents goes to POST /batch, one event per request "
                             "to / and /events.", status=415)
    if content_type.startswith("application/cloudevents"):
        return _structured(body)
    if "ce-id" not in plain and "ce-type" not in plain:
        raise MalformedEvent("not_cloudevent", "This is not a CloudEvent: binary mode needs the headers "
                             "Ce-Id, Ce-Type, Ce-Source and Ce-Specversion; structured mode needs "
                             "Content-Type: application/cloudevents+json.")
    # What the SDK's from_binary does, in one pass over headers we already hold as a dict: ce-* headers
    # become attributes (percent-decoded only when encoded), Content-Type the datacontenttype. Ce-Time is
    # read by parse_time (fromisoformat; the SDK's dateutil isoparse was a third of its cost). The SDK's
    # own event class then validates the attributes, as from_binary would.
    attributes: dict[str, Any] = {}
    for name, value in plain.items():
        if name.startswith("ce-"):
            attributes[name[3:]] = unquote(value) if "%" in value else value
    if content_type:
        attributes["datacontenttype"] = content_type
    if "time" in attributes:
        attributes["time"] = parse_time(attributes["time"])
    return _log_event(_sdk_event(attributes, body))


def parse_batch(body: bytes) -> list[LogEvent]:
    """Every event of a structured batch (``application/cloudevents-batch+json``: a JSON array of events).

    One malformed event refuses the whole batch (nothing of it is stored), naming its position.
    """
    if len(body) > MAX_BODY_BYTES:
        raise MalformedEvent("too_large", f"The batch is {len(body)} bytes; the sink takes at most "
                             f"{MAX_BODY_BYTES}.", status=413)
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedEvent("not_cloudevent", f"The batch is not JSON ({exc}).") from None
    if not isinstance(items, list) or not items:
        raise MalformedEvent("not_cloudevent", "A CloudEvents batch must be a non-empty JSON array of events.")
    events = []
    for position, item in enumerate(items, 1):
        try:
            events.append(_structured_dict(item))
        except MalformedEvent as exc:
            raise MalformedEvent(exc.reason, f"Event {position} of {len(items)} in the batch: {exc.message} "
                                 "Nothing of the batch was stored.", status=exc.status) from None
    return events


def _structured(body: bytes) -> LogEvent:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedEvent("not_cloudevent", f"This is not a valid CloudEvent: {exc}") from None
    return _structured_dict(document)


def _structured_dict(document: Any) -> LogEvent:
    """A structured event already read from JSON, as the SDK's JSONFormat.read builds it (v1.0 fields)."""
    if not isinstance(document, dict):
        raise MalformedEvent("not_cloudevent", "A structured CloudEvent must be a JSON object.")
    attributes = dict(document)
    data = attributes.pop("data", None)
    if data is None and "data_base64" in attributes:
        try:
            data = base64.b64decode(attributes.pop("data_base64"))
        except (ValueError, TypeError):
            raise MalformedEvent("not_cloudevent", "data_base64 is not base64.") from None
    if "time" in attributes:
        attributes["time"] = parse_time(attributes["time"])
    return _log_event(_sdk_event(attributes, data))


def _sdk_event(attributes: dict[str, Any], data: Any) -> Any:
    """The official SDK's CloudEvent for these attributes; its validation errors become a 400."""
    try:
        factory = get_event_factory_for_version(str(attributes.get("specversion") or "1.0"))
        return factory(attributes, data)
    except (BaseCloudEventException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedEvent("not_cloudevent", f"This is not a valid CloudEvent: {exc}") from None


def _log_event(event: Any) -> LogEvent:
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
        time=parse_time(attrs.get("time")), body=_json_body(event.get_data()), type=ce_type, tag=tag,
    )


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
    try:  # Python 3.11 reads Go's "...T12:00:00.123456789Z" itself; the rewrite is for the rest (lower-case z)
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
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
