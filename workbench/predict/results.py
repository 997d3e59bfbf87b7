"""What a prediction call gives, as plain data for widgets to draw: the answer, the outcome, code that repeats it.

Types only, no computing: ``components/`` import them from here, never the services that fill them
(``workbench.predict.service``, ``workbench.predict.snippets``); tests/layout/test_import_directions.py
holds that line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd


@dataclass
class Result:
    """One answer, as plain data: what the Predict page and History show."""

    model: str
    protocol: str
    task: str
    label: Any
    probabilities: dict[str, float] | None
    value: float | None
    latency_ms: float | None
    request_id: str
    request: dict[str, Any]
    response: dict[str, Any]
    url: str = ""
    version: str = ""
    unit: str = ""
    inputs: dict[str, Any] | None = None
    prediction_id: int | None = None
    created: datetime | None = None
    user: str = ""
    served_by: str = ""
    """The model that answered, as the server says (Seldon v2's route header, V2 ``model_name``)."""
    via: str = ""
    """What the call went through when that is not one model: ``experiment income-ab``, ``pipeline chain-a``."""
    rows: pd.DataFrame | None = None
    """Every row's answer when the request held more than one (raw JSON payloads)."""

    @property
    def confidence(self) -> float | None:
        return max(self.probabilities.values()) if self.probabilities else None


@dataclass
class Outcome:
    """What one call gave: a result, or an error message for people; and the audit row id."""

    model: str
    result: Result | None = None
    error: str | None = None
    prediction_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class CallSnippets:
    """Code that repeats one call, written out (``workbench.predict.snippets.call_snippets``).

    curl and requests come twice: with credential headers read from the environment, and with them shown.
    """

    url: str
    """Where the call went."""
    curl: str
    python: str
    mds_client: str
    curl_revealed: str
    python_revealed: str
    secret_headers: tuple[str, ...] = ()
    """The credential headers that are hidden unless revealed; none, and there is nothing to reveal."""
