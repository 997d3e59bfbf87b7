"""What a page shows of a batch job: its state with speed and ETA, one scored row, the summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.store.batch_jobs import JobRecord


@dataclass(frozen=True)
class JobView:
    """A job as a page shows it."""

    record: JobRecord
    rows_per_s: float
    eta_s: float | None
    server_rows_per_s: float | None = None
    """The server's own rate on one large request (None: not measured)."""

    @property
    def share_of_server(self) -> float | None:
        return self.rows_per_s / self.server_rows_per_s if self.server_rows_per_s and self.rows_per_s else None

    @property
    def fraction(self) -> float:
        total = self.record.rows_total
        return min(1.0, self.record.rows_done / total) if total else 0.0


@dataclass(frozen=True)
class BatchRow:
    """One scored (or rejected) row of a job, as the feedback box reads a prediction."""

    row: int
    prediction_id: int
    status: str
    error: str | None
    inputs: dict[str, Any]
    label: Any
    value: Any
    probabilities: dict[str, float] | None
    task: str


@dataclass(frozen=True)
class JobSummary:
    rows_scored: int
    rows_rejected: int
    reasons: dict[str, int]
    labels: dict[str, int]
    results_path: Path
    rejects_path: Path
