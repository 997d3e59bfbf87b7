"""One-row predictions and feedback calls through a fault-injecting proxy in front of real servers.

Each fault (``tests/faults.py``) must surface as its typed error with a plain message that names
the fault and says what to do; once the fault clears the same client works again.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from mds_client import (
    IncompleteAnswer,
    MDSClient,
    ModelUnavailable,
    ProtocolError,
    RequestTimeout,
    ServerError,
    Timeout,
    Transport,
)
from mds_client.transport.sessions import Retry
from tests.faults import assert_plain, origin, start_proxy, through

# fault -> (error class, words the message must hold)
EXPECTED = {
    "delay": (RequestTimeout, "did not answer within"),
    "drop": (ModelUnavailable, "closed the connection without answering"),
    "reset": (ModelUnavailable, "connection was reset"),
    "garbage": (ProtocolError, "not HTTP"),
    "html_5xx": (ServerError, "502 Bad Gateway"),
    "truncate": (IncompleteAnswer, "closed the connection after"),
    "trickle": (IncompleteAnswer, "before the deadline"),
}
FAST = Timeout(connect=2.0, read=1.0, answer=2.5)


def v2_model(refs, client):
    """A V2 model whose schema declares features (whichever the catalog has first)."""
    for ref in refs.values():
        if ref.protocol == "v2" and "test" not in ref.tags and not client.schema(ref).is_empty:
            return ref
    pytest.skip("no V2 model with a schema in the catalog")


@pytest.fixture(scope="module")
def target(refs, client):
    ref = v2_model(refs, client)
    schema = client.schema(ref)
    reference = pd.read_csv(ref.reference_data) if ref.reference_data else None
    proxy = start_proxy(origin(ref.endpoint))
    proxy.delay_s = 2.0
    yield through(ref, proxy), schema, pd.DataFrame([schema.example(reference)]), proxy
    proxy.close()


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_one_row_predict_through_each_fault(target, fault):
    ref, schema, frame, proxy = target
    error, words = EXPECTED[fault]
    client = MDSClient(Transport(timeout=FAST, retry=Retry(attempts=2, backoff=0.05)))
    try:
        proxy.mode = "pass"
        healthy = client.predict(ref, frame, schema)
        proxy.mode = fault
        started = time.monotonic()
        with pytest.raises(error) as caught:
            client.predict(ref, frame, schema)
        took = time.monotonic() - started
        message = str(caught.value)
        assert words in message and ref.name in message, message
        assert caught.value.hint and caught.value.hint in message  # says what to do
        assert_plain(message)
        assert took < 2 * (FAST.answer_s + proxy.delay_s) + 2, f"{fault} took {took:.1f} s"
        proxy.mode = "pass"
        again = client.predict(ref, frame, schema)  # the fault cleared: the same client works
        pd.testing.assert_frame_equal(again.to_frame(), healthy.to_frame())
    finally:
        proxy.mode = "pass"
        client.close()


def test_a_slow_answer_within_the_deadline_is_not_a_fault(target):
    ref, schema, frame, proxy = target
    client = MDSClient(Transport(timeout=Timeout(connect=2.0, read=5.0), retry=Retry(attempts=1)))
    try:
        proxy.mode, proxy.delay_s = "delay", 0.5
        assert len(client.predict(ref, frame, schema).to_frame()) == 1
    finally:
        proxy.mode, proxy.delay_s = "pass", 2.0
        client.close()
