"""How a target's answers differ from the logged ones, row by row, and where the differences concentrate.

- Classes: an answer changes when its class name differs; ``confusion`` counts logged class x new class.
- Values: an answer changes when it moves by more than a tolerance; ``ValueMoves`` says how far they move.
- ``concentration``: per feature, the changed rows against the unchanged ones. For numbers the standardized
  mean difference (the difference of the two means over their pooled standard deviation); for categories
  the category most over-represented among changed rows, with Cohen's h of its two shares
  (2·asin√p₁ − 2·asin√p₂). Both read on one scale (about 0.2 small, 0.5 medium, 0.8 large), so one table
  ranks every feature.
- ``change_size``: how big each row's change is, to show the biggest first: for values how far it moved;
  for classes how much probability the new version took from the logged class (the logged confidence
  minus the new probability of that class), when both are known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.replay.logged_rows import CLASS

CONCENTRATION_COLUMNS = ["feature", "kind", "effect", "category", "changed_rows", "other_rows", "summary"]


@dataclass(frozen=True)
class ValueMoves:
    """How far a regression's answers move (absolute differences, in the model's own unit)."""

    mean: float
    median: float
    max: float
    beyond: int
    """Rows that moved by more than ``tolerance`` (the rows counted as changed)."""
    share_beyond: float
    tolerance: float


def class_text(values: pd.Series) -> pd.Series:
    """Class names as the request log keeps them (text), whatever type the model answered in."""
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def changed_rows(kind: str, logged: pd.Series, new: pd.Series, tolerance: float) -> np.ndarray:
    """Per row, whether the new answer differs from the logged one."""
    if kind == CLASS:
        return logged.astype(str).to_numpy() != class_text(new).to_numpy()
    return np.abs(_floats(new) - _floats(logged)) > tolerance


def confusion(logged: pd.Series, new: pd.Series, classes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Counts of logged class (rows) x new class (columns), every class seen on both axes, the model's
    class order first."""
    logged, new = logged.astype(str).reset_index(drop=True), class_text(new).reset_index(drop=True)
    seen = set(logged) | set(new)
    order = [c for c in classes if c in seen] + sorted(seen - set(classes))
    table = pd.crosstab(logged, new).reindex(index=order, columns=order, fill_value=0).astype(int)
    table.index.name, table.columns.name = "logged", "replayed"
    return table


def value_moves(logged: pd.Series, new: pd.Series, tolerance: float) -> ValueMoves:
    moved = np.abs(_floats(new) - _floats(logged))
    if moved.size == 0:
        return ValueMoves(0.0, 0.0, 0.0, 0, 0.0, tolerance)
    beyond = int((moved > tolerance).sum())
    return ValueMoves(float(moved.mean()), float(np.median(moved)), float(moved.max()), beyond,
                      beyond / moved.size, tolerance)


def change_size(kind: str, logged: pd.Series, new: pd.Series, logged_confidence: pd.Series,
                new_probability_of_logged: pd.Series | None) -> np.ndarray:
    """Per row, how big the change is (NaN when it cannot be told)."""
    if kind != CLASS:
        return np.abs(_floats(new) - _floats(logged))
    if new_probability_of_logged is None:
        return np.full(len(logged), np.nan)
    return _floats(logged_confidence) - _floats(new_probability_of_logged)


def concentration(inputs: pd.DataFrame, changed: np.ndarray, kinds: dict[str, str]) -> pd.DataFrame:
    """Per feature, how the changed rows differ from the others, the strongest first (empty when every row
    changed or none did: there is nothing to compare)."""
    changed = np.asarray(changed, dtype=bool)
    if changed.all() or not changed.any():
        return pd.DataFrame(columns=CONCENTRATION_COLUMNS)
    rows = []
    for feature, kind in kinds.items():
        column = inputs[feature].reset_index(drop=True)
        row = _number_row(feature, column, changed) if kind == "number" else _category_row(feature, column, changed)
        if row is not None:
            rows.append(row)
    table = pd.DataFrame(rows, columns=CONCENTRATION_COLUMNS)
    if table.empty:
        return table
    order = table["effect"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


def _number_row(feature: str, column: pd.Series, changed: np.ndarray) -> list | None:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(values)
    mine, others = values[ok & changed], values[ok & ~changed]
    if mine.size == 0 or others.size == 0:
        return None
    pooled = math.sqrt((mine.var() + others.var()) / 2)
    spread = pooled if pooled > 0 else float(values[ok].std())
    difference = float(mine.mean() - others.mean())
    effect = difference / spread if spread > 0 else 0.0
    direction = "higher" if effect > 0 else "lower" if effect < 0 else "no different"
    summary = (f"{direction} where answers change: mean {mine.mean():.4g} vs {others.mean():.4g} "
               f"(standardized difference {effect:+.2f})")
    return [feature, "number", effect, None, float(mine.mean()), float(others.mean()), summary]


def _category_row(feature: str, column: pd.Series, changed: np.ndarray) -> list | None:
    text = class_text(column)
    mine = text[changed].value_counts(normalize=True)
    others = text[~changed].value_counts(normalize=True)
    lift = mine.sub(others, fill_value=0.0)
    if lift.empty:
        return None
    category = str(lift.sort_values(ascending=False, kind="stable").index[0])
    p_mine, p_others = float(mine.get(category, 0.0)), float(others.get(category, 0.0))
    effect = 2 * math.asin(math.sqrt(p_mine)) - 2 * math.asin(math.sqrt(p_others))
    summary = f"'{category}' is {p_mine:.0%} of changed rows vs {p_others:.0%} of the others (h {effect:+.2f})"
    return [feature, "category", effect, category, p_mine, p_others, summary]


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
