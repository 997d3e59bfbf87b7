"""Where stored feedback goes: one class per destination, each with ``accepts`` and ``send``.

``SeldonFeedbackSink`` posts Seldon v1's ``/api/v1.0/feedback`` with the stored request and response,
reward (1 correct, 0 wrong) and truth; ``WorkbenchOnlySink`` is for protocols with nowhere to send
feedback (V2): the item stays in the workbench (and its exports) with state ``not_applicable``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from mds_client import MDSClient, ModelRef, ModelSchema
from mds_client.errors import ModelNotFound, PayloadRejected
from workbench.predict.log import seldon_exchange
from workbench.store.outbox import Delivery


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
                                  reward=delivery.reward, truth=delivery.truth, idempotency_key=delivery.key)

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
