"""Translate a model server's refusal into what to change.

``explain_server_error(status, body, schema)`` keeps the server's own words, finds the field
they are about when it can, and says what to try. The patterns are the real messages of
MLServer 1.7 (FastAPI's 422 ``detail`` lists, ``{"error": ...}`` bodies, scikit-learn's
exceptions passed through) and of seldon-core 1.18 (``status.reason`` such as
``MICROSERVICE_BAD_DATA`` with ``status.info``); the tests provoke each one against real servers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from mds_client.schema.model import ModelSchema


@dataclass(frozen=True)
class ServerAdvice:
    status: int | None
    server_message: str
    """What the server said, verbatim (first line)."""
    cause: str
    """unknown-output, not-v2, bad-datatype, text-as-number, bytes-not-text, shape, feature-count,
    missing-feature, unknown-category, bad-data, not-found, bad-json, content-type, unknown."""
    advice: str
    field: str = ""

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"The server said: {self.server_message}{where}. {self.advice}"


def server_message(body: Any) -> tuple[str, str]:
    """(message, seldon reason) out of whatever error body the server sent."""
    if isinstance(body, (bytes, str)):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            text = (body.decode("utf-8", "replace") if isinstance(body, bytes) else body).strip()
            return _exception_of(text)[:500], ""
    if isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, dict) and (status.get("info") or status.get("reason")):
            return str(status.get("info") or ""), str(status.get("reason") or "")
        if isinstance(body.get("detail"), list):
            parts = []
            for item in body["detail"][:3]:
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
            return "; ".join(parts), ""
        for key in ("error", "detail", "message"):
            if body.get(key):
                return str(body[key]), ""
    return str(body)[:500], ""


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception): ", re.MULTILINE)


def _exception_of(text: str) -> str:
    """A Python traceback (MLServer answers 500 with one) reduced to its exception and message."""
    if not text.startswith("Traceback"):
        return text
    starts = [m.start() for m in _EXCEPTION_LINE.finditer(text)]
    tail = text[starts[-1]:] if starts else text.splitlines()[-1]
    return " ".join(line.strip() for line in tail.splitlines() if line.strip())


_RULES: list[tuple[str, str, str]] = [
    (r"only supports .* as outputs \((?P<field>[^)]+?) was received\)", "unknown-output",
     "The request asks for an output the model does not have. Ask only for outputs its metadata declares, "
     "or leave 'outputs' out to get the default."),
    (r"(?:^|; )inputs: Field required", "not-v2",
     "The request has no 'inputs': is it a Seldon v1 payload sent to a V2 endpoint? Send "
     "{\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}."),
    (r"inputs\.(?P<index>\d+)\.datatype: Input should be", "bad-datatype",
     "That input's datatype is not a V2 datatype: use FP64, FP32, INT64, BOOL or BYTES."),
    (r"inputs\.(?P<index>\d+)\.(?P<field>\w+): Field required", "bad-input",
     "Every V2 input needs name, shape, datatype and data."),
    (r"b'(?P<value>[^']*)'", "bytes-not-text",
     "The model received bytes, not text: give each BYTES input \"parameters\": {\"content_type\": \"str\"} "
     "(and the request \"parameters\": {\"content_type\": \"pd\"})."),
    (r"could not convert string to float: '(?P<value>[^']*)'", "text-as-number",
     "A text value reached a numeric feature: send numbers unquoted, and text columns as BYTES with "
     "content_type 'str' in a request with content_type 'pd' (V2) or as jsonData (Seldon v1)."),
    (r"cannot reshape array of size (?P<size>\d+) into shape", "shape",
     "The shape does not match the number of values: make shape's product equal the data's length."),
    (r"X has (?P<got>\d+) features, but \w+ is expecting (?P<want>\d+) features", "feature-count",
     "The model got a different number of features than it was trained on: send exactly its features."),
    (r"columns are missing: \{'(?P<field>[^']+)'", "missing-feature", "Add the missing feature to the payload."),
    (r"yet now missing: -? ?(?P<field>\S+)", "missing-feature", "Add the missing feature to the payload."),
    (r"unseen at fit time: -? ?(?P<field>\S+)", "extra-feature",
     "The model was not trained on that feature: leave it out (or check its spelling)."),
    (r"Invalid request data type", "not-v1",
     "The Seldon v1 endpoint got something else (a V2 payload?): send {\"data\": {\"names\": [...], \"ndarray\": [[...]]}} "
     "or {\"jsonData\": ...}."),
    (r"Can't find JSON in data", "bad-json", "The body is not valid JSON (or the Content-Type header is missing)."),
    (r"feature '(?P<field>[^']+)' \((?:number|integer)\): Unable to parse string", "text-as-number",
     "A text value reached a numeric feature: send that feature's numbers unquoted."),
    (r"needs features \['(?P<field>[^']+)'", "missing-feature", "Add the missing feature to the payload."),
    (r"[Ff]ound unknown categor(?:y|ies) \[?'?(?P<value>[^'\]]*)'?\]? in column (?P<column>\d+)", "unknown-category",
     "A category value the model never saw: use one of the feature's categories."),
    (r"[Mm]odel (?P<field>\S+) with version .* not found|[Mm]odel (?P<field2>\S+) not found", "not-found",
     "The server does not serve that model name (or version): check the catalog entry."),
    (r"Expecting value|Invalid JSON|JSON decode|json_invalid", "bad-json", "The body is not valid JSON."),
    (r"[Cc]ontent-[Tt]ype|model_attributes_type", "content-type",
     "Send the header Content-Type: application/json with a JSON object body."),
]


_WHOLE_BODY = {"not-v1", "not-v2", "bad-json", "content-type"}
"""Causes about the whole body: a feature named in the echoed payload is not what is wrong."""


def explain_server_error(status: int | None, body: Any, schema: ModelSchema | None = None) -> ServerAdvice:
    """What a refusal (status + body as sent by the server) means and what to change."""
    message, reason = server_message(body)
    first = message.splitlines()[0] if message else ""
    schema = schema or ModelSchema()
    for pattern, cause, advice in _RULES:
        match = re.search(pattern, message)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        field = groups.get("field") or groups.get("field2") or ("" if cause in _WHOLE_BODY else _feature_named(message, schema))
        if "value" in groups and not field:
            field = _feature_with_category(groups["value"], schema)
        if "column" in groups and not field and int(groups["column"]) < len(schema.features):
            field = ""
        if cause == "unknown-category" and field:
            feature = schema.feature_or_none(field)
            if feature is not None and feature.categories:
                advice = f"{advice[:-1]}: {', '.join(feature.label_of(c) for c in feature.categories[:8])}."
        return ServerAdvice(status, first, cause, advice, field)
    if reason == "MICROSERVICE_BAD_DATA":
        return ServerAdvice(status, first or reason, "bad-data",
                            "The model refused the data (MICROSERVICE_BAD_DATA): check each feature's name, "
                            "type and value against the schema.", _feature_named(message, schema))
    advice = ("The server refused the input: compare the payload with the model's example payload."
              if status is not None and 400 <= status < 500 else
              "The model failed while answering: its logs say why; try again or ask its owner.")
    return ServerAdvice(status, first or (reason or f"HTTP {status}"), "unknown", advice, _feature_named(message, schema))


def _feature_named(message: str, schema: ModelSchema) -> str:
    for name in sorted(schema.names, key=len, reverse=True):
        if re.search(rf"(?<![\w/]){re.escape(name)}(?![\w/])", message):
            return name
    return ""


def _feature_with_category(value: str, schema: ModelSchema) -> str:
    for feature in schema.features:
        if any(str(c) == value or feature.label_of(c) == value for c in feature.categories):
            return feature.name
    return ""
