"""The slices a segment search checks: a feature's quantile bins or categories, and pairs of them.

`Condition` is one feature's part of a slice and `Segment` one or two of them; both know their label
(what a person reads, and what a link carries: `parse_segment` reads it back) and their row mask (the
plain way to find a slice's rows, one at a time). How a search codes every row by slice and counts them
all at once is in `segment_coding`; the intervals (`wilson`, `z_for`) are here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from workbench.errors import DriftError


@dataclass(frozen=True)
class Condition:
    """One feature's part of a slice: a category, a range [low, high) of a number, or 'missing'."""

    feature: str
    value: str | None = None
    low: float | None = None
    high: float | None = None
    missing: bool = False

    @property
    def label(self) -> str:
        if self.missing:
            return f"{self.feature} is missing"
        if self.value is not None:
            return f"{self.feature} = {self.value}"
        if self.low is None:
            return f"{self.feature} < {self.high:g}"
        if self.high is None:
            return f"{self.feature} \u2265 {self.low:g}"
        return f"{self.low:g} \u2264 {self.feature} < {self.high:g}"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        if self.feature not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        column = frame[self.feature]
        if self.missing:
            return column.isna().to_numpy()
        if self.value is not None:
            return (column.notna() & (as_text(column) == self.value)).to_numpy()
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            inside = ~np.isnan(numbers)
            if self.low is not None:
                inside &= numbers >= self.low
            if self.high is not None:
                inside &= numbers < self.high
        return inside


@dataclass(frozen=True)
class Segment:
    conditions: tuple[Condition, ...]

    @property
    def label(self) -> str:
        return " & ".join(c.label for c in self.conditions)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            out &= condition.mask(frame)
        return out


_RANGE = re.compile(r"^(-?[\d.e+-]+|-?inf) \u2264 (.+) < (-?[\d.e+-]+)$")


def parse_segment(text: str) -> Segment:
    """The segment a label names (as `Segment.label` writes it, e.g. from a link); DriftError when unreadable."""
    conditions = []
    for part in (p.strip() for p in str(text).split(" & ")):
        try:
            if m := _RANGE.match(part):
                conditions.append(Condition(m.group(2), low=float(m.group(1)), high=float(m.group(3))))
            elif part.endswith(" is missing"):
                conditions.append(Condition(part[: -len(" is missing")], missing=True))
            elif " = " in part:
                name, value = part.split(" = ", 1)
                conditions.append(Condition(name, value=value))
            elif " \u2265 " in part:
                name, value = part.rsplit(" \u2265 ", 1)
                conditions.append(Condition(name, low=float(value)))
            elif " < " in part:
                name, value = part.rsplit(" < ", 1)
                conditions.append(Condition(name, high=float(value)))
            else:
                raise ValueError(part)
        except ValueError:
            raise DriftError(f"The segment '{text}' cannot be read (at '{part}'). Choose one from the list of "
                             "segments on Monitor.") from None
    if not conditions or not all(c.feature for c in conditions):
        raise DriftError(f"The segment '{text}' names no feature. Choose one from the list on Monitor.")
    return Segment(tuple(conditions))


def _label(value: object) -> str:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    return f"{float(value):g}"


def as_text(column: pd.Series) -> pd.Series:
    """A category's values as labels: numbers as ``:g`` writes them (2 and 2.0 are one category, in a CSV or
    in JSON), the rest as text; each distinct value formatted once."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype(str)
    try:
        names = {v: _label(v) for v in pd.unique(column.dropna())}
    except TypeError:  # unhashable cells (lists)
        return column.astype(str)
    return column.map(names).fillna("nan")


def z_for(tests: int, confidence: float = 0.95) -> float:
    """The z of a two-sided interval at ``confidence`` for each of ``tests`` slices at once (Bonferroni)."""
    return NormalDist().inv_cdf(1 - (1 - confidence) / (2 * max(1, tests)))


def wilson(successes: np.ndarray | float, n: np.ndarray | float, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of successes / n (vectorised); n must be positive."""
    n = np.asarray(n, dtype=float)
    p = np.asarray(successes, dtype=float) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
