"""Numbers for people: counts that agree with their noun, values rounded to what a person reads, with units."""

from __future__ import annotations

import math
from typing import Any


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 case``, ``2 cases``, ``12,000 rows``."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def number(value: Any, unit: str = "", *, digits: int = 3) -> str:
    """A value rounded to ``digits`` significant figures (2.812875631391886 -> 2.81), with its unit.

    Non-numbers come back as text; integers keep every digit.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return f"{value}{' ' + unit if unit else ''}"
    if not math.isfinite(x):
        text = str(x)
    elif x == int(x) and abs(x) < 1e15:
        text = f"{int(x):,}"
    else:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
        text = f"{x:,.{decimals}f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit and unit != "$" else (f"${text}" if unit == "$" else text)


def percent(share: Any) -> str:
    """A share 0..1 as a whole percent (0.598 -> "60%"); "n/a" when unknown.

    A share that is not exactly 0 or 1 never reads "0%" or "100%": it reads "<1%" or ">99%".
    """
    try:
        x = float(share)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


def confidence(value: Any) -> str:
    """A model's confidence (0..1) the one way every page shows it: a whole percent; blank when unknown."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return "" if percent(value) == "n/a" else percent(value)


def p_value(p: Any, threshold: float | None = None) -> str:
    """A p-value as a person reads it: "0.0036", "0.42", and "< 0.001" for the tiny ones (never "p = 0").

    The floor sits a decade under a smaller ``threshold`` (0.00078 for 64 features reads "< 0.0001"), so
    that a value shown as "< floor" is always on the drift side of the line.
    """
    try:
        x = float(p)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    floor = 0.001
    if threshold is not None and 0 < threshold < floor:
        floor = 10.0 ** math.floor(math.log10(threshold))
    if x < floor:
        return f"< {floor:g}"
    return f"{x:.3g}"
