"""The store's rows as plain data: what services hand to pages and widgets (safe to cache and to draw).

No SQL here, so that widgets may name these types without reaching the store; the queries that
fill them live in ``workbench/store/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACTIVE_STATES = ("queued", "running")


@dataclass(frozen=True)
class LoggedPrediction:
    """A prediction row as plain data (safe to cache and to hand to components)."""

    id: int
    request_id: str
    model: str
    version: str
    protocol: str
    user: str
    inputs: Any
    outputs: Any
    request: Any
    response: Any
    latency_ms: float | None
    status: str
    error: str | None
    source: str
    created: datetime
    trace_id: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class JobRecord:
    """A batch_job row as plain data."""

    id: str
    user: str
    model: str
    input_name: str
    output_path: str
    state: str
    rows_total: int
    rows_done: int
    rows_scored: int
    rows_rejected: int
    options: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class FeedbackItem:
    """A feedback row as plain data, with the facts of its prediction that pages show."""

    id: int
    prediction_id: int
    user: str
    verdict: str
    truth: Any
    confidence: float | None
    comment: str
    tags: tuple[str, ...]
    reward: float | None
    forwarded: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    created: datetime
    updated: datetime
    withdrawn: bool
    model: str = ""
    protocol: str = ""
    request_id: str = ""

    @property
    def state_text(self) -> str:
        """The delivery state in words, for people."""
        if self.withdrawn:
            return "withdrawn"
        if self.forwarded == "delivered":
            return "sent to the model server"
        if self.forwarded == "not_applicable":
            return "kept in the workbench (this model's protocol takes no feedback)"
        if self.forwarded == "failed":
            return f"refused by the model server: {self.last_error or 'no reason given'}"
        if self.attempts:
            return f"waiting to be sent (tried {self.attempts}x: {self.last_error or 'no answer'})"
        return "waiting to be sent"
