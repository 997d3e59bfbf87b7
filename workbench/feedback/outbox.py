"""Send stored feedback on to model servers (the outbox's delivery side).

Where an item goes is a ``FeedbackSink`` (``workbench.feedback.sinks``); the store side (due items,
claims, outcomes) is ``workbench.store.outbox``.

Delivery is at most one send per claim: an item is claimed (``pending`` -> ``sending``) with a
compare-and-set update, so two deliverers (the app's thread and ``mds feedback --retry-pending``)
never send the same item; it is marked ``delivered`` in its own commit right after the 2xx and never
sent again. An answer that breaks off after its 2xx arrived counts as delivered (``MDSClient.send_feedback``).

Two cases are sent again although the server may have counted them (at least once, not exactly once):
an answer lost entirely (the server applied the call, then the connection dropped, reset or timed out
before a byte came back: the workbench cannot tell this from a call that never arrived, so the item stays
pending), and a process killed between the 2xx and the commit (the claim is due again after
``CLAIM_LEASE``). Seldon v1's feedback endpoint takes no idempotency key and counts every call, so every
send of one version of an item carries the same key (``Delivery.key``: the ``Idempotency-Key`` header and
``response.meta.tags.idempotency_key``, which Seldon's request logger keeps); a server or log reader that
dedupes on it counts the feedback once. An edit gets a new key.

Transient failures (connection refused, timeouts, 5xx) keep the item ``pending`` with ``attempts`` and
``last_error`` and an exponential backoff before the next try; a 4xx refusal marks it ``failed`` (the same
payload would be refused again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from mds_client import MDSError
from mds_client.errors import ModelNotFound, ModelUnavailable, PayloadRejected, RequestTimeout
from mds_client.transport.retry import Backoff
from workbench.feedback.sinks import FeedbackSink
from workbench.store import outbox as store
from workbench.store.outbox import Delivery

logger = logging.getLogger(__name__)

DEFAULT_RETRIES = 3
"""Tries of one item within one delivery run."""
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 300.0


@dataclass
class DeliveryReport:
    delivered: int = 0
    pending: int = 0
    failed: int = 0
    not_applicable: int = 0
    attempts: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    """Last error per model."""

    def __str__(self) -> str:
        text = f"{self.delivered} delivered, {self.pending} pending, {self.failed} refused"
        if self.not_applicable:
            text += f", {self.not_applicable} kept in the workbench"
        return text


def backoff(attempts: int, base: float = DEFAULT_BASE_DELAY, cap: float = DEFAULT_MAX_DELAY) -> float:
    """Seconds to wait before try number ``attempts + 1`` (the one backoff rule, ``mds_client.transport.retry``)."""
    return Backoff(base, cap).delay(attempts)


def deliver_pending(
    engine: Engine,
    sinks: Sequence[FeedbackSink],
    *,
    retries: int = DEFAULT_RETRIES,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
    limit: int | None = None,
    ids: Sequence[int] | None = None,
    respect_backoff: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send every due pending item once; return what happened.

    An item that failed before is due ``backoff(attempts)`` after its last try (unless
    ``respect_backoff`` is False). Within the run each item gets ``retries`` tries with backoff;
    after a model's server is found unreachable its other items wait for the next run.
    """
    report = DeliveryReport()
    down: set[str] = set()
    wait = (lambda attempts: backoff(attempts, base_delay, max_delay)) if respect_backoff else None
    for delivery in store.due(engine, limit, ids, wait):
        if should_stop is not None and should_stop():
            break
        sink = next((s for s in sinks if s.accepts(delivery)), None)
        if sink is None or not sink.forwards:
            store.set_state(engine, delivery.feedback_id, "pending", "not_applicable", note=getattr(sink, "name", "none"))
            report.not_applicable += 1
            continue
        if delivery.model in down:
            report.pending += 1
            continue
        if not store.claim(engine, delivery.feedback_id):
            continue  # another deliverer has it
        outcome = _send_with_retries(engine, sink, delivery, retries, base_delay, max_delay, sleep, report)
        if outcome == "delivered":
            report.delivered += 1
        elif outcome == "failed":
            report.failed += 1
        else:
            report.pending += 1
            if outcome == "unreachable":
                down.add(delivery.model)
    return report


def _send_with_retries(engine: Engine, sink: FeedbackSink, delivery: Delivery, retries: int, base_delay: float,
                       max_delay: float, sleep: Callable[[float], None], report: DeliveryReport) -> str:
    last: MDSError | None = None
    for attempt in range(max(1, retries)):
        if attempt:
            sleep(backoff(attempt, base_delay, max_delay))
        report.attempts += 1
        try:
            sink.send(delivery)
        except PayloadRejected as exc:
            store.after_failure(engine, delivery.feedback_id, "failed", exc)
            report.errors[delivery.model] = str(exc)
            return "failed"
        except MDSError as exc:
            report.errors[delivery.model] = str(exc)
            last = exc
            if isinstance(exc, ModelUnavailable | ModelNotFound) and attempt + 1 >= max(1, retries):
                break
            continue
        except Exception as exc:  # a sink bug must not leave the item claimed forever
            store.after_failure(engine, delivery.feedback_id, "pending", exc)
            raise
        store.mark_delivered(engine, delivery.feedback_id)
        return "delivered"
    assert last is not None
    tries = attempt + 1
    store.after_failure(engine, delivery.feedback_id, "pending", last, attempts=tries)
    return "unreachable" if isinstance(last, ModelUnavailable | ModelNotFound | RequestTimeout) else "pending"


# -- the app's background thread ---------------------------------------------------------------
class DeliveryWorker:
    """Runs ``deliver_pending`` every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(self, engine: Engine, sinks: Sequence[FeedbackSink], interval: float, **options: Any) -> None:
        self.engine, self.sinks, self.interval, self.options = engine, list(sinks), interval, options
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.runs = 0
        self.last_report: DeliveryReport | None = None
        self.thread = threading.Thread(target=self._loop, name="feedback-delivery", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.last_report = deliver_pending(self.engine, self.sinks, should_stop=self._stop.is_set, **self.options)
            except Exception:  # keep the thread alive; the next run retries
                logger.exception("feedback delivery run failed")
            self.runs += 1
            self._wake.wait(self.interval)
            self._wake.clear()

    def nudge(self) -> None:
        """Run now (after new feedback) instead of at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self.thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()


_worker: DeliveryWorker | None = None
_worker_lock = threading.Lock()


def start_background_delivery(
    interval: float = 30.0, *, engine: Engine, sinks: Sequence[FeedbackSink], **options: Any
) -> DeliveryWorker:
    """The app's one delivery thread; calling again returns the running one."""
    global _worker
    with _worker_lock:
        if _worker is not None and _worker.alive:
            return _worker
        _worker = DeliveryWorker(engine, sinks, interval, **options)
        _worker.thread.start()
        return _worker


def stop_background_delivery() -> None:
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.stop()
            _worker = None
