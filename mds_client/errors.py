"""Errors raised by mds_client.

Every error carries what was being done: the model, the URL and, where the
server answered, its status and message. Pages catch ``MDSError`` only and
show ``str(error)``, which is written for people, not for logs.

    MDSError
    ├── CatalogError          a catalog file or discovery source is unusable
    ├── SchemaError           a schema document cannot be understood
    ├── InputError            input data does not fit the model (bad file, missing column)
    └── RequestError          a call to a model server failed
        ├── ModelNotFound     404: the server does not know this model
        ├── ModelUnavailable  connection refused, DNS failure, 503: nothing is serving
        ├── RequestTimeout    no answer within the read timeout
        ├── PayloadRejected   4xx: the server refused the payload (its message is kept)
        ├── ServerError       5xx: the model or server failed while answering
        └── ProtocolError     the answer is not what the protocol promises
            └── IncompleteAnswer  the server began answering (its status is known) but the body broke off
"""

from __future__ import annotations

from typing import Any


class MDSError(Exception):
    """Base class of every error mds_client raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class CatalogError(MDSError):
    hint = "Check the catalog file (WORKBENCH_CATALOG) or the discovery settings."


class SchemaError(MDSError):
    hint = "The workbench falls back to a raw JSON payload for this model."


class InputError(MDSError):
    hint = "Fix the input and try again."


class RequestError(MDSError):
    """A call to a model server failed; knows which model, URL and status."""

    def __init__(
        self,
        message: str,
        *,
        model: str = "",
        url: str = "",
        status: int | None = None,
        body: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.model = model
        self.url = url
        self.status = status
        self.body = body


class ModelNotFound(RequestError):
    hint = "Check the model name in the catalog; the server may not have loaded it."


class ModelUnavailable(RequestError):
    hint = "Is the server running? Try again in a moment or ask the model's owner."


class RequestTimeout(RequestError):
    hint = "The server is slow or stuck: try again, send fewer rows, or raise the read timeout."


class PayloadRejected(RequestError):
    hint = "The server refused the input: check the values against the model's schema."


class ServerError(RequestError):
    hint = "The model failed while answering; its logs will say why. Try again or ask its owner."


class ProtocolError(RequestError):
    hint = "The server answered something the protocol does not allow: check the catalog's protocol."


class IncompleteAnswer(ProtocolError):
    """The status line arrived, the body did not (truncated, reset or trickled past the deadline).

    ``status`` is what the server began to answer: for a call that is not idempotent, a 2xx here
    means the server took the request.
    """

    hint = "The connection broke while the answer arrived: try again; if it keeps happening, check the network."
