"""Send stored feedback on to model servers (the outbox's delivery side).

A ``FeedbackSink`` knows where one kind of feedback goes. ``SeldonFeedbackSink`` posts Seldon v1's
``/api/v1.0/feedback`` with the stored request and response, reward (1 correct, 0 wrong) and truth;
``WorkbenchOnlySink`` is for protocols with nowhere to send feedback (V2): the item stays in the
workbench (and its exports) with state ``not_applicable``. Another destination, e.g. a metrics
server keyed by request id, is one more class with ``accepts`` and ``send``.

Delivery is at most one send per claim: an item is claimed (``pending`` -> ``sending``) with a
compare-and-set update, so two deliverers (the app's thread and ``mds feedback --retry-pending``)
never send the same item; it is marked ``delivered`` in its own commit right after the 2xx and never
sent again. A process killed between the server's 2xx and that commit leaves the item ``sending``;
after ``CLAIM_LEASE`` it is sent again (the only window for a duplicate, as Seldon's endpoint has no
idempotency key). Transient failures (connection refused, timeouts, 5xx) keep the item ``pending``
with ``attempts`` and ``last_error`` and an exponential backoff before the next try; a 4xx refusal
marks it ``failed`` (the same payload would be refused again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, or_, select, update

from mds_client import MDSClient, MDSError, ModelRef, ModelSchema
from mds_client.errors import ModelNotFound, ModelUnavailable, PayloadRejected, RequestTimeout
from workbench.feedback_service import predicted_of
from workbench.prediction_log import seldon_exchange
from workbench.store import Feedback, FeedbackEvent, PredictionRow, session_scope
from workbench.store.models import utcnow

logger = logging.getLogger(__name__)

DEFAULT_RETRIES = 3
"""Tries of one item within one delivery run."""
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 300.0
CLAIM_LEASE = timedelta(minutes=5)
SENDING = "sending"


@dataclass(frozen=True)
class Delivery:
    """What a sink needs to send one item."""

    feedback_id: int
    model: str
    protocol: str
    request_id: str
    request: Any
    response: Any
    reward: float | None
    truth: Any
    verdict: str
    inputs: Any = None
    outputs: Any = None


class FeedbackSink(Protocol):
    """Where feedback of some models goes. ``send`` raises ``MDSError`` when it did not get there."""

    name: str
    forwards: bool
    """False for sinks that keep feedback in the workbench (state ``not_applicable``)."""

    def accepts(self, delivery: Delivery) -> bool: ...

    def send(self, delivery: Delivery) -> None: ...


class SeldonFeedbackSink:
    """Seldon Core v1: ``POST <endpoint>/api/v1.0/feedback`` with ``{request, response, reward, truth}``."""

    name = "seldon"
    forwards = True

    def __init__(self, client: MDSClient, refs: Iterable[ModelRef] | Callable[[], Iterable[ModelRef]]) -> None:
        self.client = client
        self._refs = refs
        self._schemas: dict[str, ModelSchema] = {}

    def ref_for(self, model: str) -> ModelRef | None:
        refs = self._refs() if callable(self._refs) else self._refs
        return next((r for r in refs if r.name == model), None)

    def accepts(self, delivery: Delivery) -> bool:
        return delivery.protocol == "seldon"

    def send(self, delivery: Delivery) -> None:
        ref = self.ref_for(delivery.model)
        if ref is None:
            raise ModelNotFound(f"Model '{delivery.model}' is no longer in the catalog; its feedback waits.",
                                model=delivery.model)
        request, response = delivery.request, delivery.response
        if not isinstance(request, dict) or not isinstance(response, dict):
            if not isinstance(delivery.inputs, dict):
                raise PayloadRejected(f"Prediction of '{delivery.model}' has no stored inputs to send back.",
                                      model=delivery.model)
            # A batch row: scored within a minibatch, so its own exchange is derived from what was logged.
            request, response = seldon_exchange(delivery.inputs, delivery.outputs, delivery.request_id,
                                                self._schema(ref))
        self.client.send_feedback(ref, request=request, response=response,
                                  reward=delivery.reward, truth=delivery.truth)

    def _schema(self, ref: ModelRef) -> ModelSchema:
        if ref.name not in self._schemas:
            self._schemas[ref.name] = self.client.schema(ref)
        return self._schemas[ref.name]


class WorkbenchOnlySink:
    """For V2 / Open Inference Protocol models: no feedback endpoint exists, so nothing is sent."""

    name = "workbench"
    forwards = False

    def accepts(self, delivery: Delivery) -> bool:
        return delivery.protocol != "seldon"

    def send(self, delivery: Delivery) -> None:  # pragma: no cover - never called: forwards is False
        return None


def default_sinks(client: MDSClient, refs: Iterable[ModelRef] | Callable[[], Iterable[ModelRef]]) -> list[FeedbackSink]:
    return [SeldonFeedbackSink(client, refs), WorkbenchOnlySink()]


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
    """Seconds to wait before try number ``attempts + 1``."""
    return 0.0 if attempts <= 0 else min(cap, base * 2 ** (attempts - 1))


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
    for delivery in _due(engine, limit, ids, respect_backoff, base_delay, max_delay):
        if should_stop is not None and should_stop():
            break
        sink = next((s for s in sinks if s.accepts(delivery)), None)
        if sink is None or not sink.forwards:
            _set_state(engine, delivery.feedback_id, "pending", "not_applicable", note=getattr(sink, "name", "none"))
            report.not_applicable += 1
            continue
        if delivery.model in down:
            report.pending += 1
            continue
        if not _claim(engine, delivery.feedback_id):
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
            _after_failure(engine, delivery.feedback_id, "failed", exc)
            report.errors[delivery.model] = str(exc)
            return "failed"
        except MDSError as exc:
            report.errors[delivery.model] = str(exc)
            last = exc
            if isinstance(exc, ModelUnavailable | ModelNotFound) and attempt + 1 >= max(1, retries):
                break
            continue
        except Exception as exc:  # a sink bug must not leave the item claimed forever
            _after_failure(engine, delivery.feedback_id, "pending", exc)
            raise
        _mark_delivered(engine, delivery.feedback_id)
        return "delivered"
    assert last is not None
    tries = attempt + 1
    _after_failure(engine, delivery.feedback_id, "pending", last, attempts=tries)
    return "unreachable" if isinstance(last, ModelUnavailable | ModelNotFound | RequestTimeout) else "pending"


# -- the store side ----------------------------------------------------------------------------
def _due(engine: Engine, limit: int | None, ids: Sequence[int] | None, respect_backoff: bool,
         base_delay: float, max_delay: float) -> Iterable[Delivery]:
    stale = utcnow() - CLAIM_LEASE
    query = (
        select(Feedback, PredictionRow)
        .join(PredictionRow, PredictionRow.id == Feedback.prediction_id)
        .where(Feedback.withdrawn.is_(False))
        .where(or_(Feedback.forwarded == "pending", (Feedback.forwarded == SENDING) & (Feedback.updated < stale)))
        .order_by(Feedback.id)
    )
    if ids is not None:
        query = query.where(Feedback.id.in_(list(ids)))
    now = utcnow()
    out: list[Delivery] = []
    with session_scope(engine) as session:
        for row, prediction in session.execute(query):
            if respect_backoff and row.attempts and _aware(row.updated) + timedelta(
                    seconds=backoff(row.attempts, base_delay, max_delay)) > now:
                continue
            truth = row.truth if row.truth is not None else (predicted_of(prediction) if row.verdict == "correct" else None)
            out.append(Delivery(row.id, prediction.model, prediction.protocol, prediction.request_id,
                                prediction.request, prediction.response, row.reward, truth, row.verdict,
                                prediction.inputs, prediction.outputs))
            if limit is not None and len(out) >= limit:
                break
    return out


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _claim(engine: Engine, feedback_id: int) -> bool:
    stale = utcnow() - CLAIM_LEASE
    with session_scope(engine) as session:
        result = session.execute(
            update(Feedback)
            .where(Feedback.id == feedback_id, Feedback.withdrawn.is_(False))
            .where(or_(Feedback.forwarded == "pending", (Feedback.forwarded == SENDING) & (Feedback.updated < stale)))
            .values(forwarded=SENDING, updated=utcnow())
        )
        return result.rowcount == 1


def _mark_delivered(engine: Engine, feedback_id: int) -> None:
    with session_scope(engine) as session:
        row = session.get(Feedback, feedback_id)
        row.forwarded = "delivered"
        row.attempts = (row.attempts or 0) + 1
        row.last_error = None
        row.delivered_at = row.updated = utcnow()
        session.add(FeedbackEvent(feedback_id=feedback_id, user="workbench", action="delivered",
                                  before=None, after={"attempts": row.attempts}))


def _after_failure(engine: Engine, feedback_id: int, state: str, exc: BaseException, attempts: int = 1) -> None:
    with session_scope(engine) as session:
        row = session.get(Feedback, feedback_id)
        row.forwarded = state
        row.attempts = (row.attempts or 0) + attempts
        row.last_error = str(exc)[:2000]
        row.updated = utcnow()
        if state == "failed":
            session.add(FeedbackEvent(feedback_id=feedback_id, user="workbench", action="refused",
                                      before=None, after={"error": row.last_error}))


def _set_state(engine: Engine, feedback_id: int, expected: str, state: str, note: str = "") -> None:
    with session_scope(engine) as session:
        session.execute(update(Feedback).where(Feedback.id == feedback_id, Feedback.forwarded == expected)
                        .values(forwarded=state, last_error=None, updated=utcnow()))


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
