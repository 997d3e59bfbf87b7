"""How calls reach a server: pooled HTTP sessions with timeouts, retries and auth (``sessions``), the one
backoff rule (``retry``), the W3C ``traceparent`` every call carries (``tracing``), and a refusal put
in words (``server_answers``). ``sessions`` is the one place lower errors become ``mds_client`` errors.
"""

from mds_client.transport.retry import Backoff
from mds_client.transport.server_answers import server_message
from mds_client.transport.sessions import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    NO_RETRY,
    Auth,
    Response,
    Retry,
    Timeout,
    Transport,
)
from mds_client.transport.tracing import new_traceparent, trace_id_of, trace_link

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "Auth",
    "Backoff",
    "Response",
    "Retry",
    "Timeout",
    "Transport",
    "new_traceparent",
    "server_message",
    "trace_id_of",
    "trace_link",
]
