"""The fast counting (one read of each column, pairs counted a block at a time) gives what the plain way
gives: each slice's rows found with its own mask, on random tables of mixed types with missing values;
and one slicing shared by the accuracy and drift passes changes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.monitor import segment_coding
from workbench.monitor.segment_coding import cell_counts, segment_of, slice_table
from workbench.monitor.segments import drifting_segments, failing_segments


def mixed(n: int, rng: np.random.Generator, shift: float = 0.0) -> pd.DataFrame:
    """Numbers with gaps, 30 shop names (more than the 20 kept), text with None, booleans, small integers,
    numbers written as text, ints and floats mixed in one column, a constant and an empty column."""
    amount = rng.normal(50 + shift, 10, n)
    amount[rng.random(n) < 0.05] = np.nan
    shops = np.array([f"shop {k}" for k in range(30)], dtype=object)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.random(n) < 0.1] = None
    return pd.DataFrame({
        "amount": amount, "shop": shops[np.minimum(rng.geometric(0.15, n) - 1, 29)], "colour": colour,
        "member": rng.random(n) < 0.3, "visits": rng.integers(0, 4, n),
        "score": np.array([f"{x:.1f}" for x in rng.normal(0, 1, n)], dtype=object),
        "tier": np.array([int(x) if i % 2 else float(x) for i, x in enumerate(rng.integers(0, 3, n))], dtype=object),
        "const": np.ones(n), "gone": [None] * n})


def plain_counts(rows: pd.DataFrame, features, which, weights=None) -> np.ndarray:
    """Each cell's rows by its segment's mask, one cell at a time."""
    k = 1 if len(which) == 1 else len(features[which[1]].conditions)
    cells = len(features[which[0]].conditions) * k
    out = []
    for cell in range(cells):
        mask = segment_of(features, which, cell).mask(rows)
        out.append(mask.sum() if weights is None else weights[mask].sum())
    return np.array(out)


@pytest.mark.parametrize("seed", range(2))
def test_every_cell_counts_what_its_segment_mask_selects(seed, monkeypatch):
    monkeypatch.setattr(segment_coding, "BLOCK_CELLS", 40)  # several blocks even for these few features
    rng = np.random.default_rng(seed)
    rows, ref = mixed(400, rng, shift=4.0), mixed(250, rng)
    ref.loc[: 50, "colour"] = "violet"  # a category only the reference has
    table = slice_table(rows, list(rows.columns), ref)
    features = table.features
    assert [f.name for f in features] == ["amount", "shop", "colour", "member", "visits", "score", "tier", "gone"]
    assert len(features[1].conditions) == 20 and features[0].conditions[-1].missing
    weights = rng.random(len(rows))
    wrong = np.flatnonzero(rng.random(len(rows)) < 0.2)
    for (which, counts), (_, ref_counts), (_, summed), (_, few) in zip(
            table.counts(), cell_counts(features, ref=True), cell_counts(features, weights=weights),
            cell_counts(features, rows=wrong), strict=True):
        np.testing.assert_array_equal(counts, plain_counts(rows, features, which))
        np.testing.assert_array_equal(ref_counts, plain_counts(ref, features, which))
        np.testing.assert_allclose(summed, plain_counts(rows, features, which, weights), rtol=1e-12)
        np.testing.assert_array_equal(few, plain_counts(rows.iloc[wrong], features, which))


def test_one_slicing_shared_by_accuracy_and_drift_finds_the_same():
    rng = np.random.default_rng(7)
    rows, ref = mixed(3000, rng, shift=5.0), mixed(2000, rng)
    red = rows["colour"].eq("red").to_numpy()
    confidence = np.clip(rng.normal(np.where(red, 0.6, 0.9), 0.05), 0, 1)
    alone = (failing_segments(rows, confidence, estimated=True, reference=ref), drifting_segments(rows, ref))
    sliced = slice_table(rows, list(rows.columns), ref)
    shared = (failing_segments(rows, confidence, estimated=True, reference=ref, sliced=sliced),
              drifting_segments(rows, ref, sliced=sliced))
    assert alone[0].findings[0].label == "colour = red"
    assert any(f.label.startswith("amount") for f in alone[1].findings)
    for a, b in zip(alone, shared, strict=True):
        assert (a.checked, a.rows, [f.label for f in a.findings]) == (b.checked, b.rows, [f.label for f in b.findings])
        assert [f.high for f in a.findings] == pytest.approx([f.high for f in b.findings], rel=1e-12)
    # a missing outcome: the known rows are sliced again, not the shared slicing's
    confidence[:10] = np.nan
    scan = failing_segments(rows, confidence, estimated=True, reference=ref, sliced=sliced)
    assert scan.rows == 2990
