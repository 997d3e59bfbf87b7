"""What a batch job reports while it runs and when it ends: progress, the result, and the callbacks' types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class BatchProgress:
    rows_done: int
    rows_scored: int
    rows_rejected: int
    rows_total: int | None
    elapsed_s: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.rows_total is None or self.rows_per_s <= 0:
            return None
        return max(0.0, (self.rows_total - self.rows_done) / self.rows_per_s)


@dataclass
class BatchResult:
    output: Path | str
    rows_total: int
    rows_scored: int
    rows_rejected: int
    elapsed_s: float
    resumed_from: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def rows_per_s(self) -> float:
        done = self.rows_total - self.resumed_from
        return done / self.elapsed_s if self.elapsed_s > 0 else 0.0


ProgressCallback = Callable[[BatchProgress], None]
ShouldStop = Callable[[], bool]
RowsCallback = Callable[[pd.DataFrame], None]
