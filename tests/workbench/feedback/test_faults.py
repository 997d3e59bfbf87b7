"""Feedback delivery (the outbox) through a fault-injecting proxy in front of a real seldon-core server.

Counts are taken at the proxy: ``proxy.delivered`` is how many feedback calls the server itself answered
with 2xx. Whatever the fault, once it clears every feedback has reached the server exactly once: faults
in front of the server (drop, reset, garbage, a proxy's 502, a delay the client gave up on) leave the
items pending and they go later; faults after the server took the call (a truncated or trickled answer
whose 2xx arrived) count as delivered and are never sent again. An answer lost entirely after the server
took the call (``lose_answer``) cannot be told from a call that never arrived: the item is sent again and
Seldon counts it twice; both sends carry the same ``Idempotency-Key`` for a server that dedupes.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from mds_client import MDSClient, Timeout, Transport
from mds_client.transport.sessions import Retry
from tests.faults import FAULTS, assert_plain, origin, start_proxy, through
from workbench.feedback.capture import record_feedback
from workbench.feedback.outbox import deliver_pending
from workbench.feedback.sinks import SeldonFeedbackSink
from workbench.store import Feedback, log_prediction, session_scope

FEEDBACK = "/api/v1.0/feedback"
N = 4
TAKEN_BY_THE_SERVER = {"truncate", "trickle"}  # its 2xx arrived before the answer broke off
WORDS = {"delay": "did not answer", "drop": "without answering", "reset": "reset", "garbage": "not HTTP",
         "html_5xx": "502 Bad Gateway"}


@pytest.fixture(scope="module")
def target(refs, client):
    ref = next((r for r in refs.values() if r.protocol == "seldon" and "test" not in r.tags
                and not client.schema(r).is_empty), None)
    if ref is None:
        pytest.skip("no Seldon v1 model with a schema")
    schema = client.schema(ref)
    reference = pd.read_csv(ref.reference_data) if ref.reference_data else None
    prediction = client.predict(ref, pd.DataFrame([schema.example(reference)]), schema)
    proxy = start_proxy(origin(ref.endpoint))
    proxy.delay_s = 1.5
    yield through(ref, proxy), schema, prediction, proxy
    proxy.close()


def give_feedback(engine, ref, schema, prediction, n: int) -> list[int]:
    classes = list(schema.class_names)
    ids = []
    for i in range(n):
        pid = log_prediction(engine, user="ana", model=ref.name, protocol="seldon", request_id=f"r{i}",
                             inputs={}, request=prediction.request_json(), response=prediction.response_json(),
                             outputs={"task": "classification", "label": prediction.labels[0]})
        wrong = next((c for c in classes if c != prediction.labels[0]), None)
        ids.append(record_feedback(engine, pid, "ana", "correct" if i % 2 or wrong is None else "wrong",
                                   truth=None if i % 2 or wrong is None else wrong, classes=classes).id)
    return ids


def states(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return dict(s.execute(select(Feedback.forwarded, func.count()).group_by(Feedback.forwarded)).all())


@pytest.mark.parametrize("fault", FAULTS)
def test_every_feedback_reaches_the_server_exactly_once_after_the_fault(target, engine, fault):
    ref, schema, prediction, proxy = target
    give_feedback(engine, ref, schema, prediction, N)
    client = MDSClient(Transport(timeout=Timeout(connect=2.0, read=1.0, answer=2.0), retry=Retry(attempts=1)))
    sinks = [SeldonFeedbackSink(client, [ref])]
    before = proxy.delivered(FEEDBACK)
    try:
        proxy.mode = fault
        during = deliver_pending(engine, sinks, retries=2, base_delay=0.01)
        assert during.failed == 0  # nothing refused: a fault is not the payload's fault
        if fault in TAKEN_BY_THE_SERVER:
            assert during.delivered == N and states(engine) == {"delivered": N}
        else:
            assert during.delivered == 0 and states(engine) == {"pending": N}
            message = during.errors[ref.name]
            assert WORDS[fault] in message and ref.name in message, message
            assert_plain(message)
        proxy.mode = "pass"
        after = deliver_pending(engine, sinks, respect_backoff=False)
        assert during.delivered + after.delivered == N and states(engine) == {"delivered": N}
        assert proxy.delivered(FEEDBACK) - before == N, proxy.relayed  # exactly once at the server
        again = deliver_pending(engine, sinks, respect_backoff=False)
        assert again.delivered == 0 and proxy.delivered(FEEDBACK) - before == N
    finally:
        proxy.mode = "pass"
        client.close()


def test_a_lost_answer_is_sent_again_with_the_same_idempotency_key(target, engine):
    ref, schema, prediction, proxy = target
    ids = give_feedback(engine, ref, schema, prediction, N)
    client = MDSClient(Transport(timeout=Timeout(connect=2.0, read=1.0, answer=2.0), retry=Retry(attempts=1)))
    sinks = [SeldonFeedbackSink(client, [ref])]
    before, keys_before = proxy.delivered(FEEDBACK), +proxy.keys
    try:
        proxy.mode = "lose_answer"
        # One run per item: after a model's first fault a run leaves its other items for the next one.
        runs = [deliver_pending(engine, sinks, retries=1, ids=[i]) for i in ids]
        assert sum(r.delivered for r in runs) == 0 and states(engine) == {"pending": N}  # it cannot know...
        assert proxy.delivered(FEEDBACK) - before == N  # ... but the server did
        assert "without answering" in runs[0].errors[ref.name]
        proxy.mode = "pass"
        after = deliver_pending(engine, sinks, respect_backoff=False)
        assert after.delivered == N and states(engine) == {"delivered": N}
        assert proxy.delivered(FEEDBACK) - before == 2 * N  # Seldon counted each twice: at least once, not exactly
        sent = {key: n for (path, key), n in (proxy.keys - keys_before).items() if FEEDBACK in path}
        assert len(sent) == N and set(sent.values()) == {2}, sent  # each item's two sends share one key
        assert {int(key.split("-")[-2]) for key in sent} == set(ids)
    finally:
        proxy.mode = "pass"
        client.close()


def test_an_edit_gets_a_new_key_and_a_retry_keeps_it(engine):
    from workbench.feedback.capture import edit_feedback
    from workbench.store.outbox import due

    pid = log_prediction(engine, user="ana", model="m", protocol="seldon", request_id="puid\r\nX: 1",
                         inputs={}, outputs={"task": "classification", "label": "a"})
    item = record_feedback(engine, pid, "ana", "correct", classes=["a", "b"])
    first = [d.key for d in due(engine, None, None, None)]
    assert first == [d.key for d in due(engine, None, None, None)]  # stable while it waits
    assert first[0].startswith("mds-workbench-puid__X__1-") and "\r" not in first[0]  # safe as a header
    edit_feedback(engine, item.id, "ana", verdict="wrong", truth="b")
    assert [d.key for d in due(engine, None, None, None)] != first
