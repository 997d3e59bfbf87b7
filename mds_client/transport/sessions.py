"""HTTP transport: pooled sessions, explicit timeouts, retries, auth, typed errors.

One ``requests.Session`` per server origin, reused across calls (a new
connection per call costs more than a small model's inference). Retries:
a refused connection is always safe to retry (nothing was sent); read
timeouts and 502/503/504 only for idempotent calls.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies, get_netrc_auth

from mds_client.errors import (
    IncompleteAnswer,
    ModelNotFound,
    ModelUnavailable,
    PayloadRejected,
    ProtocolError,
    RequestError,
    RequestTimeout,
    ServerError,
)
from mds_client.transport.retry import Backoff
from mds_client.transport.server_answers import server_message
from mds_client.transport.tracing import HEADER, new_traceparent


@dataclass(frozen=True)
class Timeout:
    connect: float = 3.0
    read: float = 30.0

    answer: float | None = None
    """Seconds for the whole answer once the call is sent (default ``connect + 2 * read``)."""

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)

    @property
    def answer_s(self) -> float:
        return self.answer if self.answer is not None else self.connect + 2 * self.read


@dataclass(frozen=True)
class Retry:
    attempts: int = 3
    backoff: float = 0.2
    max_backoff: float = 5.0
    statuses: tuple[int, ...] = (502, 503, 504)

    def delay(self, attempt: int) -> float:
        """Seconds before the try after try number ``attempt`` (0 = after the first)."""
        return Backoff(self.backoff, self.max_backoff).delay(attempt + 1)


DEFAULT_TIMEOUT = Timeout()
DEFAULT_RETRY = Retry()
NO_RETRY = Retry(attempts=1)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed_ms: float
    url: str

    def json(self, *, model: str = "") -> Any:
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            snippet = self.content[:200].decode("utf-8", "replace")
            raise ProtocolError(
                f"{model or 'The server'} answered with something that is not JSON: {snippet!r}",
                model=model,
                url=self.url,
                status=self.status,
            ) from None


@dataclass
class Auth:
    """Bearer token and/or extra headers sent with every call."""

    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def apply(self, headers: dict[str, str]) -> dict[str, str]:
        merged = {**self.headers, **headers}
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged


class Transport:
    def __init__(
        self,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: Retry = DEFAULT_RETRY,
        auth: Auth | None = None,
        verify: bool | str = True,
        pool_size: int = 16,
        adapter_factory: Any = None,
    ) -> None:
        self.timeout = timeout
        self.retry = retry
        self.auth = auth or Auth()
        self.verify = verify
        self.pool_size = pool_size
        # Seam for tests that inject faults below HTTP: a callable returning an HTTPAdapter.
        self._adapter_factory = adapter_factory or (
            lambda: HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        )
        self._sessions: dict[str, requests.Session] = {}
        self._lock = threading.Lock()

    def session_for(self, url: str) -> requests.Session:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            session = self._sessions.get(origin)
            if session is None:
                session = _session_from_environment(origin, self.verify)
                session.mount(origin, self._adapter_factory())
                self._sessions[origin] = session
            return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = True,
        model: str = "",
        timeout: Timeout | None = None,
        retry: Retry | None = None,
    ) -> Response:
        """One call with retries; non-2xx answers raise the matching ``RequestError``."""
        retry = retry or self.retry
        timeout = timeout or self.timeout
        sent_headers = self.auth.apply({"Content-Type": "application/json", **(headers or {})})
        if HEADER not in sent_headers:  # every call is traceable; predict passes its own to keep the id
            sent_headers[HEADER] = new_traceparent()[0]
        session = self.session_for(url)
        last: RequestError | None = None
        dropped = False
        for attempt in range(max(1, retry.attempts)):
            # A pooled connection the server closed meanwhile (uvicorn closes the one it answered a 500 on)
            # fails at once; a fresh connection is what fixes it, so the first retry after one does not wait.
            if attempt and not (attempt == 1 and dropped):
                time.sleep(retry.delay(attempt - 1))
            started = time.perf_counter()
            try:
                # stream=True: the body is read below against a whole-answer deadline, since a server
                # that trickles a byte at a time never trips the per-read timeout.
                raw = session.request(method, url, data=body, headers=sent_headers, timeout=timeout.as_tuple(),
                                      stream=True)
            except requests.exceptions.ConnectTimeout:
                last = ModelUnavailable(
                    f"{_who(model)} not reachable (no answer to connect within {timeout.connect:g} s at {_where(url)}).",
                    model=model,
                    url=url,
                )
                continue
            except requests.exceptions.ReadTimeout:
                last = RequestTimeout(
                    f"{_who(model)} did not answer within {timeout.read:g} s ({_where(url)}).", model=model, url=url
                )
                if idempotent:
                    continue
                raise last from None
            except requests.exceptions.ConnectionError as exc:
                reason = _reason(exc)
                dropped = reason in _DROPPED
                error = ProtocolError if reason == NOT_HTTP else ModelUnavailable
                last = error(f"{_who(model)} not reachable ({reason} at {_where(url)}).", model=model, url=url)
                if idempotent or _nothing_sent(exc):
                    continue
                raise last from None  # the request may have arrived: sending it again could count it twice
            except requests.exceptions.RequestException as exc:
                raise ModelUnavailable(f"{_who(model)}: the call failed: {exc}", model=model, url=url) from None
            try:
                content = _read_answer(raw, started + timeout.answer_s, model=model, url=url)
            except RequestError as exc:
                last = exc
                if idempotent:
                    continue
                raise
            elapsed = (time.perf_counter() - started) * 1000.0
            response = Response(raw.status_code, dict(raw.headers), content, elapsed, url)
            if raw.status_code < 400:
                return response
            last = error_for(response, model=model)
            if idempotent and raw.status_code in retry.statuses:
                continue
            raise last
        assert last is not None
        raise last


def _session_from_environment(origin: str, verify: bool | str) -> requests.Session:
    """A session for one origin with what requests reads from the environment read once, here: the proxy for this host
    (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, none when ``NO_PROXY`` names it), the CA bundle
    (``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` when ``verify`` is left True) and ``~/.netrc``'s login for the host.
    Left to requests (``trust_env``), every call reads them again: about a tenth of a millisecond of a one-row call
    (bench/client_overhead.py). A change to the environment reaches the next ``Transport``."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = get_environ_proxies(origin)
    session.verify = ca_file(verify) or verify
    login = get_netrc_auth(origin)
    if login:
        session.auth = login
    return session


def ca_file(verify: bool | str) -> str | None:
    """The CA file calls trust: ``verify`` when it names one, else ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when
    ``verify`` is True (as requests reads them); None for the default roots, or no checking (False). The gRPC
    transport's ``grpcs://`` channels trust the same file."""
    if isinstance(verify, str):
        return verify
    if verify is True:
        return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
    return None


def error_for(response: Response, *, model: str = "") -> RequestError:
    """The typed error for a non-2xx answer, with the server's own message."""
    message = server_message(response.content)
    status = response.status
    who = _who(model)
    kwargs = {"model": model, "url": response.url, "status": status, "body": message}
    if status == 404:
        return ModelNotFound(f"{who} was not found on the server (HTTP 404 at {response.url}): {message}", **kwargs)
    if status == 503:
        return ModelUnavailable(f"{who} is not available (HTTP 503): {message}", **kwargs)
    if 400 <= status < 500:
        return PayloadRejected(f"{who} refused the request (HTTP {status}): {message}", **kwargs)
    return ServerError(f"{who} failed while answering (HTTP {status}): {message}", **kwargs)


def _who(model: str) -> str:
    return f"Model '{model}'" if model else "The server"


def _where(url: str) -> str:
    return urlsplit(url).netloc or url


NOT_HTTP = "the answer was not HTTP (bytes from something else on that port?)"
_DROPPED = frozenset({"the connection was reset", "the server closed the connection without answering",
                      "the server closed the connection"})


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "Failed to resolve" in text:
        return "host name not found"
    if "BadStatusLine" in text or "InvalidChunkLength" in text or "LineTooLong" in text:
        return NOT_HTTP
    if "Connection reset" in text or "Errno 104" in text:
        return "the connection was reset"
    if "RemoteDisconnected" in text or "without response" in text:
        return "the server closed the connection without answering"
    if "Connection aborted" in text:
        return "the server closed the connection"
    return "connection failed"


def _nothing_sent(exc: Exception) -> bool:
    """True when the call failed before the request left (refused, unknown host): safe to send again."""
    text = str(exc)
    return any(mark in text for mark in ("NewConnectionError", "NameResolutionError", "Failed to establish",
                                         "Connection refused", "Errno 111", "Failed to resolve"))


def _read_answer(raw: requests.Response, deadline: float, *, model: str, url: str) -> bytes:
    """The whole body by ``deadline`` (``time.perf_counter``), or the typed error saying how it broke off."""
    parts: list[bytes] = []
    received = 0
    expected = raw.headers.get("Content-Length", "")
    of = f" of {expected}" if expected.isdigit() else ""
    try:
        while True:
            if time.perf_counter() > deadline:
                raise IncompleteAnswer(
                    f"{_who(model)} began answering (HTTP {raw.status_code}) but sent only {received}{of} bytes "
                    f"before the deadline ({_where(url)}): the server or the network in between is trickling.",
                    model=model, url=url, status=raw.status_code, hint=RequestTimeout.hint)
            chunk = raw.raw.read1(65536, decode_content=True)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            received += len(chunk)
    except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError) as exc:
        timed_out = isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError)
        broke = "stopped sending" if timed_out else "closed the connection"
        raise IncompleteAnswer(
            f"{_who(model)} began answering (HTTP {raw.status_code}) but {broke} after {received}{of} bytes, "
            f"before the answer was complete ({_where(url)}).",
            model=model, url=url, status=raw.status_code) from None
    finally:
        raw.close()
