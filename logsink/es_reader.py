"""Seldon's request logs kept in Elasticsearch (seldon-request-logger's ``inference-log-*`` indices), read into the log.

seldon-request-logger upserts one document per instance into ``inference-log-<engine>-<namespace>-
<deployment>-<endpoint>``: ``_id`` is the request id (``<id>-item-<n>`` for instance n of a batch),
``_source`` holds a ``request`` and a ``response`` part (each with ``instance``, ``elements``
(feature name -> value), ``names``, ``payload``, ``dataType``, ``ce-time``), and top-level
``RequestId``, ``@timestamp``, ``ServingEngine``, ``Ce-Inferenceservicename``, ``Ce-Modelid``,
``Ce-Namespace``, ``Ce-Endpoint``. Each document becomes one row of the request log, source
``elasticsearch``, keyed like the sink's rows (model, request id, instance), so re-importing changes
nothing and a call the sink also received stays one call.

Read with the official ``elasticsearch`` client, a scroll of ``page`` documents at a time, at most
``max_docs`` per run (the caller is told when the limit cut the read short).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from logsink.attribution import Attribution
from logsink.errors import ElasticReadError, MalformedEvent
from logsink.events import parse_time
from logsink.payloads import protocol_of, request_rows, response_rows
from workbench.store.request_log import LogWrite, log_row, store_log

DEFAULT_INDEX = "inference-log-*"
_ITEM = re.compile(r"^(?P<id>.+)-item-(?P<n>\d+)$")


@dataclass
class ImportResult:
    documents: int = 0
    rows: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    truncated: bool = False
    """True when ``max_docs`` stopped the read before the indices ran out."""


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """``7d`` / ``12h`` / ``30m`` before now, or an ISO date or time; None for everything."""
    if not text:
        return None
    now = now or datetime.now(UTC)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhm])\s*", text)
    if match:
        amount, unit = float(match[1]), match[2]
        return now - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    try:
        return parse_time(text)
    except MalformedEvent:
        raise ElasticReadError(f"--since {text!r} is neither a duration (7d, 12h, 30m) nor an ISO time "
                               "(2026-11-30 or 2026-11-30T08:00:00Z).") from None


def import_es(engine: Engine, url: str, *, index: str = DEFAULT_INDEX, since: datetime | None = None,
              attribution: Attribution | None = None, page: int = 500, max_docs: int = 200_000,
              client: Any = None) -> ImportResult:
    """Read ``index`` at ``url`` into the request log; one transaction per page. Idempotent."""
    # The Elasticsearch client costs ~0.35 s of imports: only an import from Elasticsearch pays.
    from elastic_transport import TransportError
    from elasticsearch import Elasticsearch
    from elasticsearch import exceptions as es_errors

    attribution = attribution or Attribution(None, refs=[])
    es = client or Elasticsearch(url, request_timeout=30, retry_on_timeout=True, max_retries=2)
    query: dict[str, Any] = {"match_all": {}}
    if since is not None:
        query = {"range": {"@timestamp": {"gte": since.astimezone(UTC).isoformat().replace("+00:00", "Z")}}}
    result = ImportResult()
    scroll_id = None
    try:
        answer = es.search(index=index, query=query, size=page, scroll="2m", sort=["_doc"],
                           ignore_unavailable=True, allow_no_indices=True)
        while True:
            scroll_id = answer.get("_scroll_id") or scroll_id
            hits = answer["hits"]["hits"]
            if not hits:
                break
            room = max_docs - result.documents
            if room <= 0:
                result.truncated = True
                break
            if len(hits) > room:
                hits, result.truncated = hits[:room], True
            store_log(engine, _page_write(hits, attribution, result))
            if result.truncated:
                break
            answer = es.scroll(scroll_id=scroll_id, scroll="2m")
    except es_errors.UnsupportedProductError:
        raise ElasticReadError(f"{url} answers, but not as Elasticsearch (no 'X-Elastic-Product: Elasticsearch' "
                               "header); give the URL of the Elasticsearch cluster itself.") from None
    except es_errors.ApiError as exc:
        raise ElasticReadError(f"Elasticsearch at {url} refused the search of '{index}' "
                               f"({exc.meta.status}: {exc.message}).") from None
    except TransportError as exc:
        raise ElasticReadError(f"Elasticsearch at {url} is not reachable ({type(exc).__name__}: {exc.message}). "
                               "Check the URL and that the cluster is up.") from None
    finally:
        if scroll_id is not None:
            with contextlib.suppress(Exception):  # a scroll left behind expires by itself in two minutes
                es.clear_scroll(scroll_id=scroll_id)
        if client is None:
            es.close()
    return result


def _page_write(hits: list[dict[str, Any]], attribution: Attribution, result: ImportResult) -> LogWrite:
    write = LogWrite()
    for hit in hits:
        result.documents += 1
        try:
            row = document_row(hit, attribution)
        except MalformedEvent as exc:
            result.skipped += 1
            if len(result.reasons) < 5:
                result.reasons.append(f"{hit.get('_index', '?')}/{hit.get('_id', '?')}: {exc.message}")
            continue
        write.rows.append(row)
        result.rows += 1
    return write


def document_row(hit: dict[str, Any], attribution: Attribution) -> dict[str, Any]:
    """The request-log row of one seldon-request-logger document."""
    source = hit.get("_source") or {}
    doc_id = str(hit.get("_id") or "")
    request_id = str(source.get("RequestId") or "")
    row_index = 0
    item = _ITEM.match(doc_id)
    if item and (not request_id or item["id"] == request_id):
        request_id, row_index = item["id"], int(item["n"])
    request_id = request_id or doc_id
    if not request_id:
        raise MalformedEvent("no_request_id", "The document has neither RequestId nor _id.")
    service = str(source.get("Ce-Inferenceservicename") or "")
    model_id = str(source.get("Ce-Modelid") or "")
    if not service and not model_id:
        raise MalformedEvent("no_model", "The document names no model (Ce-Inferenceservicename, Ce-Modelid).")
    attributed = attribution.attribute(service, model_id)
    request, response = source.get("request"), source.get("response")
    if not isinstance(request, dict) and not isinstance(response, dict):
        raise MalformedEvent("bad_payload", "The document has neither a request nor a response part.")
    asked = parse_time((request or {}).get("ce-time") or source.get("@timestamp"))
    answered = parse_time(response["ce-time"]) if isinstance(response, dict) and response.get("ce-time") else None
    columns: dict[str, Any] = {}
    if isinstance(request, dict):
        columns["inputs"] = _inputs(request)
    if isinstance(response, dict):
        out = _output(response)
        if out is not None:
            columns.update(outputs=out.as_json(), label=out.label, value=out.value, confidence=out.confidence)
        columns["status"] = "ok" if out is not None else "error"
        if out is None:
            columns["error"] = "the logged response holds no prediction"
        columns["response_time"] = answered or asked
    return log_row(model=attributed.model, request_id=request_id, row_index=row_index, source="elasticsearch",
                   time=asked, known_model=attributed.known, namespace=str(source.get("Ce-Namespace") or ""),
                   endpoint=str(source.get("Ce-Endpoint") or ""), **columns)


def _inputs(part: dict[str, Any]) -> dict[str, Any]:
    elements = part.get("elements")
    if isinstance(elements, dict) and elements:
        # Older loggers wrap each value in a one-item list (np.expand_dims(...).tolist()).
        return {str(k): (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in elements.items()}
    instance, names = part.get("instance"), part.get("names")
    if isinstance(instance, list) and instance and not isinstance(instance[0], list):
        keys = names if isinstance(names, list) and len(names) == len(instance) else range(len(instance))
        return {str(k): v for k, v in zip(keys, instance, strict=True)}
    payload = part.get("payload")
    if isinstance(payload, dict):
        rows = request_rows(payload)
        return rows[0]
    raise MalformedEvent("bad_payload", "The request part has no elements, instance or payload to read.")


def _output(part: dict[str, Any]) -> Any:
    instance, names = part.get("instance"), part.get("names")
    if isinstance(instance, list) and instance and not isinstance(instance[0], (list, dict)):
        body = {"data": {"names": names or [], "ndarray": [instance]}}
        rows = response_rows(body, "seldon").rows
    elif isinstance(instance, (int, float, str)) and not isinstance(instance, bool):
        rows = response_rows({"data": {"names": names or [], "ndarray": [instance]}}, "seldon").rows
    elif isinstance(part.get("payload"), dict):
        answer = response_rows(part["payload"], protocol_of(part["payload"]))
        rows = answer.rows
    else:
        rows = []
    return rows[0] if rows else None
