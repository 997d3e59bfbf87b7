"""Arithmetic on measured figures that never divides by a measured zero.

A benchmark divides by what it measured: seconds of wall time, CPU clock ticks, calls. On a fast
machine or a short run a measurement can read 0 (CPU time for 150 calls is under one 10 ms clock tick),
and a ``ZeroDivisionError`` then throws away a run that lost nothing. ``ratio`` returns ``None`` for such a
quotient and ``shown`` writes it as words, so a benchmark always finishes and says what it could not measure.
"""

from __future__ import annotations

UNMEASURED = "n/a (too small to measure)"


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None when the denominator is not a positive measurement."""
    if not denominator or denominator <= 0:
        return None
    return numerator / denominator


def shown(numerator: float, denominator: float, spec: str = ".2f", suffix: str = "") -> str:
    """The quotient formatted with ``spec`` (and ``suffix``), or ``UNMEASURED`` when it has no value."""
    value = ratio(numerator, denominator)
    return UNMEASURED if value is None else f"{value:{spec}}{suffix}"
