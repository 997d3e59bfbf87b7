"""The slices a segment search checks: a feature's quantile bins or categories, and pairs of them.

`Condition` is one feature's part of a slice and `Segment` one or two of them; both know their label
(what a person reads, and what a link carries: `parse_segment` reads it back) and their row mask.
A number is cut at the quintiles of the reference data (of the rows when there is none), the edges
rounded to three significant figures so that a label reads as the bin is; a feature of thousands of
categories keeps its ``TOP_CATEGORIES`` most frequent; a missing value is a slice of its own.
Rows are coded per feature (an int per row, -1 for none), and a pair's code is one int too, so a
whole search is a few ``bincount`` calls per pair of features.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist

import numpy as np
import pandas as pd

from workbench.errors import DriftError

BINS = 5  # quintiles of a number
TOP_CATEGORIES = 20  # a feature of 10,000 categories checks its 20 most frequent ones


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


# -- slicing -------------------------------------------------------------------------------------

@dataclass
class SlicedFeature:
    name: str
    conditions: list[Condition]
    codes: np.ndarray
    """Per row the index of its condition, -1 for none (a rare category beyond ``TOP_CATEGORIES``)."""
    ref_codes: np.ndarray | None = None


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


def _round3(x: float) -> float:
    return float(f"{x:.3g}")


def _numbers(column: pd.Series) -> pd.Series | None:
    """The column as numbers when every present value is one (booleans stay categories), else None. Each
    distinct value is looked at once: a million rows of 20 values cost 20 checks, not a million."""
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float)
    try:
        distinct = pd.Series(pd.unique(column.dropna()))
        numbers = pd.to_numeric(distinct, errors="coerce")
    except (TypeError, ValueError):  # lists or dicts in a cell: read as text
        return None
    if distinct.empty or numbers.isna().any() or any(isinstance(v, bool | np.bool_) for v in distinct):
        return None
    return pd.to_numeric(column, errors="coerce")


def _factorized(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(per row the index of its label, -1 when missing; the labels): ``as_text`` of each distinct value only."""
    try:
        index, distinct = pd.factorize(column, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists): their text is the category
        index, distinct = pd.factorize(column.astype(str).where(column.notna()), use_na_sentinel=True)
    return index, as_text(pd.Series(distinct, dtype=object if len(distinct) == 0 else None))


def _codes(column: pd.Series, conditions: list[Condition], numeric: bool) -> np.ndarray:
    codes = np.full(len(column), -1, dtype=np.int64)
    if numeric:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        edges = [c.high for c in conditions if not c.missing and c.high is not None]
        present = ~np.isnan(values)
        codes[present] = np.searchsorted(np.asarray(edges, dtype=float), values[present], side="right")
        if conditions and conditions[-1].missing:
            codes[~present] = len(conditions) - 1
        return codes
    lookup = {c.value: k for k, c in enumerate(conditions) if c.value is not None}
    index, labels = _factorized(column)
    missing = [k for k, c in enumerate(conditions) if c.missing]
    # the last entry is what index -1 (a missing value) reads
    per_label = np.array([lookup.get(label, -1) for label in labels] + [missing[0] if missing else -1], dtype=np.int64)
    return per_label[index]


def _top_labels(column: pd.Series) -> list[str]:
    """The ``TOP_CATEGORIES`` most frequent labels of the present values (2 and 2.0 counted as one)."""
    index, labels = _factorized(column)
    counts = np.bincount(index[index >= 0], minlength=len(labels))
    merged: dict[str, int] = {}
    for label, n in zip(labels, counts, strict=True):
        merged[label] = merged.get(label, 0) + int(n)
    return [label for label, _ in sorted(merged.items(), key=lambda kv: -kv[1])[:TOP_CATEGORIES]]


def _feature(name: str, rows: pd.Series, ref: pd.Series | None) -> SlicedFeature | None:
    both = rows if ref is None else pd.concat([rows, ref], ignore_index=True)
    numbers = _numbers(both)
    # more than BINS distinct values among the first 10,000 present: a number to cut in ranges (counting the
    # distinct values of a million floats cost more than the rest of the column's work)
    if numbers is not None and pd.unique(numbers.dropna().to_numpy()[:10_000]).size > BINS:
        basis = pd.to_numeric(ref if ref is not None and ref.notna().any() else rows, errors="coerce").dropna()
        quantiles = np.quantile(basis.to_numpy(dtype=float), np.linspace(0, 1, BINS + 1)[1:-1])
        edges = sorted({_round3(q) for q in quantiles if math.isfinite(q)})
        conditions = [Condition(name, low=lo, high=hi) for lo, hi in zip([None, *edges], [*edges, None], strict=True)]
        numeric = True
    else:
        conditions = [Condition(name, value=label) for label in _top_labels(both)]
        numeric = False
    if both.isna().any():
        conditions.append(Condition(name, missing=True))
    if len(conditions) < 2 and not both.isna().any():
        return None  # one value everywhere: no slice to compare with the rest
    feature = SlicedFeature(name, conditions, _codes(rows, conditions, numeric))
    if ref is not None:
        feature.ref_codes = _codes(ref, conditions, numeric)
    return feature


def features_of(rows: pd.DataFrame, features: Sequence[str], reference: pd.DataFrame | None) -> list[SlicedFeature]:
    out = []
    for name in features:
        if name not in rows.columns:
            continue
        ref = reference[name] if reference is not None and name in reference.columns else None
        if (f := _feature(name, rows[name].reset_index(drop=True), ref)) is not None:
            out.append(f)
    return out


def cell_counts(features: list[SlicedFeature], *, ref: bool = False, rows: np.ndarray | None = None,
                weights: np.ndarray | None = None) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """(feature indices, rows per cell) for every feature, then every pair; a pair's cell ``a * k + b`` is its
    first feature's slice ``a`` with its second's ``b`` (``k`` slices). ``rows``: only these rows;
    ``weights``: a sum of them per cell instead of a count. One ``bincount`` per feature and per pair: codes
    shifted by one so that "in none of the feature's slices" is a cell of its own, dropped after counting."""
    codes = []
    for f in features:
        c = f.ref_codes if ref else f.codes
        codes.append(((c if rows is None else c[rows]) + 1).astype(np.int16))  # a pair's code fits: at most 22 x 22
    w = None if weights is None else (weights if rows is None else weights[rows])
    sizes = [len(f.conditions) + 1 for f in features]
    for i in range(len(features)):
        yield (i,), np.bincount(codes[i], weights=w, minlength=sizes[i])[1:]
    for i, j in combinations(range(len(features)), 2):
        full = np.bincount(codes[i] * sizes[j] + codes[j], weights=w, minlength=sizes[i] * sizes[j])
        yield (i, j), full.reshape(sizes[i], sizes[j])[1:, 1:].ravel()


def segment_of(features: list[SlicedFeature], which: tuple[int, ...], cell: int) -> Segment:
    if len(which) == 1:
        return Segment((features[which[0]].conditions[cell],))
    k = len(features[which[1]].conditions)
    return Segment((features[which[0]].conditions[cell // k], features[which[1]].conditions[cell % k]))


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
