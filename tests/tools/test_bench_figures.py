"""Benchmarks divide by what they measured: a measured zero is written as words, never a crash."""

from __future__ import annotations

import pytest

from bench._figures import UNMEASURED, ratio, shown


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (3.0, 2.0, 1.5),
    (0.0, 2.0, 0.0),
    (3.0, 0.0, None),   # CPU time of a short run: under one clock tick
    (3.0, -0.0, None),
    (3.0, -1.0, None),  # a clock that went backwards is no measurement either
])
def test_ratio(numerator: float, denominator: float, expected: float | None) -> None:
    assert ratio(numerator, denominator) == expected


def test_shown_formats_or_says_it_could_not_measure() -> None:
    assert shown(300, 150, "6,.0f", " calls/s") == "     2 calls/s"
    assert shown(1, 4, ".1%") == "25.0%"
    assert shown(300, 0, "6,.0f", " calls/s") == UNMEASURED
