"""Rows coded by slice, once per column, and counted per slice and pair of slices in a few passes.

`slice_table` reads each feature's column once: a number column as floats, any other column through one
``pandas.factorize`` (the slow per-row hashing), after which its labels, its most frequent categories and
each row's slice come from its few distinct values alone. A number is cut at the quintiles of the
reference data (of the rows when there is none), the edges rounded to three significant figures so that a
label reads as the bin is; a feature of thousands of categories keeps its ``TOP_CATEGORIES`` most
frequent; a missing value is a slice of its own.

`cell_counts` counts every feature and every pair of features. Counting each of 190 pairs over a million
rows is 190 passes; instead features are grouped into blocks of a few (their codes combined into one int),
each pair of blocks is counted in one ``bincount``, and every pair of features inside it is a sum over the
other axes of that small table: about twenty passes. The counts are the same integers either way.
One `SlicedTable` serves the accuracy and the drift passes of one search (`segment_reads`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from .segment_slices import Condition, Segment, as_text

BINS = 5  # quintiles of a number
TOP_CATEGORIES = 20  # a feature of 10,000 categories checks its 20 most frequent ones
BLOCK_CELLS = 512  # a block of features has at most this many joint cells (one feature alone may have more)

Counts = list[tuple[tuple[int, ...], np.ndarray]]


@dataclass
class SlicedFeature:
    name: str
    conditions: list[Condition]
    codes: np.ndarray
    """Per row the index of its condition, -1 for none (a rare category beyond ``TOP_CATEGORIES``)."""
    ref_codes: np.ndarray | None = None


@dataclass
class SlicedTable:
    """The features of one table of rows (and its reference), with the rows' counts once counted."""

    features: list[SlicedFeature]
    rows: int
    _counts: Counts | None = field(default=None, repr=False)

    def counts(self) -> Counts:
        if self._counts is None:
            self._counts = cell_counts(self.features)
        return self._counts


@dataclass
class _Column:
    """One column read once: ``values`` (floats, NaN when missing) for a number dtype, else its factorization
    (``index`` per row, -1 when missing; ``distinct`` values)."""

    values: np.ndarray | None = None
    index: np.ndarray | None = None
    distinct: np.ndarray | None = None
    unhashable: bool = False
    series: pd.Series | None = None

    @property
    def missing(self) -> np.ndarray:
        return np.isnan(self.values) if self.values is not None else self.index < 0


def _is_number_dtype(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _read(column: pd.Series) -> _Column:
    if _is_number_dtype(column):
        if column.dtype == np.float64:  # no copy
            return _Column(values=column.to_numpy(), series=column)
        try:
            return _Column(values=column.to_numpy(dtype=float, na_value=np.nan), series=column)
        except (TypeError, ValueError):
            return _Column(values=pd.to_numeric(column, errors="coerce").to_numpy(dtype=float), series=column)
    try:
        index, distinct = pd.factorize(column, use_na_sentinel=True)
        return _Column(index=index, distinct=np.asarray(distinct, dtype=object))
    except TypeError:  # unhashable cells (lists): their text is the category
        index, distinct = pd.factorize(column.astype(str).where(column.notna()), use_na_sentinel=True)
        return _Column(index=index, distinct=np.asarray(distinct, dtype=object), unhashable=True)


def _factorized(col: _Column) -> tuple[np.ndarray, np.ndarray]:
    if col.index is None:  # a number dtype read as a category (a few distinct values)
        index, distinct = pd.factorize(col.series, use_na_sentinel=True)
        col.index, col.distinct = index, np.asarray(distinct, dtype=object)
    return col.index, col.distinct


def _as_numbers(cols: list[_Column], kinds: list[str]) -> list[np.ndarray] | None:
    """Each column as floats when every present value of them all is a number (booleans stay categories)."""
    if all(k == "number" for k in kinds):
        return [c.values for c in cols]
    if "bool" in kinds or any(c.unhashable for c in cols):
        return None
    distinct = [d for c in cols for d in (c.distinct if c.values is None else [])]
    if any(isinstance(v, bool | np.bool_) for v in distinct):
        return None
    numbers = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce").to_numpy(dtype=float)
    if (numbers.size == 0 and not any(c.values is not None for c in cols)) or np.isnan(numbers).any():
        return None
    out, at = [], 0
    for c in cols:
        if c.values is not None:
            out.append(c.values)
            continue
        mine = np.append(numbers[at: at + len(c.distinct)], np.nan)  # index -1 reads the NaN
        at += len(c.distinct)
        out.append(mine[c.index])
    return out


def _top_labels(cols: list[_Column]) -> tuple[list[str], list[np.ndarray]]:
    """The ``TOP_CATEGORIES`` most frequent labels over all the columns (2 and 2.0 counted as one), and each
    column's labels of its distinct values."""
    merged: dict[str, int] = {}
    labels_of = []
    for col in cols:
        index, distinct = _factorized(col)
        labels = as_text(pd.Series(distinct, dtype=object if len(distinct) == 0 or col.unhashable else None))
        labels = labels.to_numpy(dtype=object)
        labels_of.append(labels)
        for label, n in zip(labels, np.bincount(index[index >= 0], minlength=len(labels)), strict=True):
            merged[label] = merged.get(label, 0) + int(n)
    top = [label for label, _ in sorted(merged.items(), key=lambda kv: -kv[1])[:TOP_CATEGORIES]]
    return top, labels_of


def _number_codes(values: np.ndarray, edges: list[float], missing_code: int) -> np.ndarray:
    """How many edges each value is at or above (``searchsorted(side="right")``, in a few vector passes)."""
    codes = np.zeros(len(values), dtype=np.int16)
    with np.errstate(invalid="ignore"):
        for edge in edges:
            codes += values >= edge
    absent = np.isnan(values)
    if absent.any():
        codes[absent] = missing_code
    return codes


def _kind(column: pd.Series) -> str:
    return "bool" if pd.api.types.is_bool_dtype(column) else "number" if _is_number_dtype(column) else "other"


def _feature(name: str, rows: pd.Series, ref: pd.Series | None) -> SlicedFeature | None:
    series = [rows] if ref is None else [rows, ref]
    cols = [_read(s) for s in series]
    missing = [c.missing for c in cols]
    any_missing = any(m.any() for m in missing)
    numbers = _as_numbers(cols, [_kind(s) for s in series])
    numeric = False
    if numbers is not None:
        # more than BINS distinct values among the first 10,000 present (rows first): a number to cut in ranges
        # (counting the distinct values of a million floats cost more than the rest of the column's work)
        first = np.concatenate([v[~m][:10_000] for v, m in zip(numbers, missing, strict=True)])[:10_000]
        numeric = pd.unique(first).size > BINS
    if numeric:
        basis = numbers[1][~missing[1]] if ref is not None and not missing[1].all() else numbers[0][~missing[0]]
        quantiles = np.quantile(basis, np.linspace(0, 1, BINS + 1)[1:-1])
        edges = sorted({float(f"{q:.3g}") for q in quantiles if math.isfinite(q)})
        conditions = [Condition(name, low=lo, high=hi) for lo, hi in zip([None, *edges], [*edges, None], strict=True)]
        if any_missing:
            conditions.append(Condition(name, missing=True))
        if len(conditions) < 2 and not any_missing:
            return None
        missing_code = len(conditions) - 1 if any_missing else -1
        codes = [_number_codes(v, edges, missing_code) for v in numbers]
    else:
        top, labels_of = _top_labels(cols)
        conditions = [Condition(name, value=label) for label in top]
        if any_missing:
            conditions.append(Condition(name, missing=True))
        if len(conditions) < 2 and not any_missing:
            return None  # one value everywhere: no slice to compare with the rest
        lookup = {label: k for k, label in enumerate(top)}
        none = len(conditions) - 1 if any_missing else -1  # what index -1 (a missing value) reads
        codes = [np.array([lookup.get(label, -1) for label in labels] + [none], dtype=np.int16)[col.index]
                 for col, labels in zip(cols, labels_of, strict=True)]
    return SlicedFeature(name, conditions, codes[0], codes[1] if ref is not None else None)


def features_of(rows: pd.DataFrame, features: Sequence[str], reference: pd.DataFrame | None) -> list[SlicedFeature]:
    out = []
    for name in features:
        if name not in rows.columns:
            continue
        ref = reference[name] if reference is not None and name in reference.columns else None
        if (f := _feature(name, rows[name], ref)) is not None:  # each column is read by position
            out.append(f)
    return out


def slice_table(rows: pd.DataFrame, features: Sequence[str], reference: pd.DataFrame | None) -> SlicedTable:
    """``rows`` coded by the slices of ``features`` (cut at ``reference``'s quintiles), to share between passes."""
    return SlicedTable(features_of(rows, features, reference), len(rows))


def _blocks(sizes: list[int]) -> list[list[int]]:
    """Consecutive features grouped while their joint cells stay within ``BLOCK_CELLS``."""
    blocks: list[list[int]] = []
    cells = BLOCK_CELLS + 1
    for i, size in enumerate(sizes):
        if cells * size > BLOCK_CELLS:
            blocks.append([])
            cells = 1
        blocks[-1].append(i)
        cells *= size
    return blocks


def cell_counts(features: list[SlicedFeature], *, ref: bool = False, rows: np.ndarray | None = None,
                weights: np.ndarray | None = None) -> Counts:
    """(feature indices, rows per cell) for every feature, then every pair; a pair's cell ``a * k + b`` is its
    first feature's slice ``a`` with its second's ``b`` (``k`` slices). ``rows``: only these rows;
    ``weights``: a sum of them per cell instead of a count. Codes are shifted by one so that "in none of the
    feature's slices" is a cell of its own, dropped after counting."""
    sizes = [len(f.conditions) + 1 for f in features]
    blocks = _blocks(sizes)
    w = None if weights is None else (weights if rows is None else weights[rows])
    block_codes = []
    for block in blocks:
        code = None
        for i in block:
            c = features[i].ref_codes if ref else features[i].codes
            c = (c if rows is None else c[rows]).astype(np.intp) + 1
            code = c if code is None else code * sizes[i] + c
        block_codes.append(code)
    where = {i: (b, k) for b, block in enumerate(blocks) for k, i in enumerate(block)}
    tables: dict[tuple[int, ...], np.ndarray] = {}

    def table(*bs: int) -> np.ndarray:
        if bs not in tables:
            dims = [sizes[i] for b in bs for i in blocks[b]]
            code = block_codes[bs[0]] if len(bs) == 1 else block_codes[bs[0]] * math.prod(dims[len(blocks[bs[0]]):]) \
                + block_codes[bs[1]]
            tables[bs] = np.bincount(code, weights=w, minlength=math.prod(dims)).reshape(dims)
        return tables[bs]

    def marginal(keep: tuple[int, ...]) -> np.ndarray:
        bs = tuple(sorted({where[i][0] for i in keep}))
        if len(bs) == 1 and len(blocks) > 1:  # inside one block: any table holding it will do
            bs = (bs[0], bs[0] + 1) if bs[0] + 1 < len(blocks) else (bs[0] - 1, bs[0])
        axes = [i for b in bs for i in blocks[b]]
        return table(*bs).sum(axis=tuple(a for a, i in enumerate(axes) if i not in keep))

    out: Counts = [((i,), marginal((i,))[1:]) for i in range(len(features))]
    out += [((i, j), marginal((i, j))[1:, 1:].ravel()) for i, j in combinations(range(len(features)), 2)]
    return out


def segment_of(features: list[SlicedFeature], which: tuple[int, ...], cell: int) -> Segment:
    if len(which) == 1:
        return Segment((features[which[0]].conditions[cell],))
    k = len(features[which[1]].conditions)
    return Segment((features[which[0]].conditions[cell // k], features[which[1]].conditions[cell % k]))
