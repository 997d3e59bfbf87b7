"""The payload check for the app: what a pasted payload will do, and why a server refused one.

    checked = check_text(text, ref, schema, server)  # never raises on bad input; nothing is sent
    checked.report, checked.doc                # the check's report; the parsed JSON (None if unreadable)
    explain_failure(exc, schema)               # a failed call in plain words: the server's message,
                                               # the field it is about, what to try

Plain data in and out (no Streamlit). The model is always the catalog's ``ModelRef``: a URL inside a
pasted curl command is kept for display only and never called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mds_client import MDSError, ModelRef, ModelSchema
from mds_client.errors import ModelUnavailable, RequestError, RequestTimeout
from mds_client.payload_check import (
    Finding,
    PayloadUnreadable,
    Report,
    diagnose_doc,
    explain_server_error,
    read_payload,
)
from mds_client.server_info import ServerInfo

REFUSED = "refused by the server: "
"""How a batch row refused by the server starts its reason (mds_client.batch.scorer)."""


@dataclass
class Checked:
    report: Report
    doc: Any = None
    """The parsed document, or None when the text could not be read (size, depth, not JSON)."""
    url: str = ""
    """The pasted curl command's URL: shown, never used."""

    @property
    def sendable_as_is(self) -> bool:
        """Readable, a JSON object, and accepted by the check."""
        return isinstance(self.doc, dict) and self.report.accepted


def check_text(text: str | bytes, ref: ModelRef, schema: ModelSchema | None, server: ServerInfo | None = None) -> Checked:
    """The check's report on ``text`` for ``ref`` (size and depth limits before any parsing), with the own rules of
    ``server`` (``MDSClient.server_info``; None: unknown, so what one V2 server refuses is only a warning)."""
    schema = schema or ModelSchema()
    try:
        pasted = read_payload(text)
        report = diagnose_doc(pasted.doc, ref, schema, server=server)
    except PayloadUnreadable as exc:
        return Checked(Report("unknown", ref.protocol, [Finding("error", "$", exc.message, exc.hint)]))
    return Checked(report, pasted.doc, pasted.url)


def explain_failure(exc: MDSError, schema: ModelSchema | None) -> str:
    """``str(exc)``, and for a server's refusal: the field it is about and what to try."""
    if not isinstance(exc, RequestError) or isinstance(exc, (ModelUnavailable, RequestTimeout)) or exc.status is None:
        return str(exc)
    advice = explain_server_error(exc.status, _as_the_check_reads(exc.body if exc.body is not None else exc.message), schema)
    return with_advice(exc.message, advice.field, advice.advice)


def explain_reason(reason: str, schema: ModelSchema | None) -> tuple[str, str]:
    """(field, what to try) for a batch row's reason; empty for reasons that are not a server's refusal."""
    if not reason.startswith(REFUSED):
        return "", ""
    advice = explain_server_error(422, _as_the_check_reads(reason[len(REFUSED):]), schema)
    return advice.field, advice.advice


_FASTAPI_BODY = re.compile(r"(^|; )body\.")


def _as_the_check_reads(message: object) -> str:
    """The transport's summary of a FastAPI 422 keeps the ``body.`` of each location; the check's rules do not."""
    return _FASTAPI_BODY.sub(r"\1", str(message))


def with_advice(message: str, field: str, advice: str) -> str:
    """The server's message as a sentence, the field it is about, and what to try, each ending in a full stop."""
    about = f" It is about {field}." if field else ""
    return f"{_sentence(message)}{about} What to try: {_sentence(advice)}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."
