"""What if this value were different: one feature (or two) swept for the current input.

The current row is copied once per swept value, the feature set to that value, and the whole
sweep goes to the model in ONE request. The answer is every class probability (or the
predicted value) per swept value, the current value marked, and where the answer flips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mds_client import Feature, FeatureKind, MDSClient, ModelRef, ModelSchema
from workbench.errors import ExplainError
from workbench.explain.budget import BlackBox, Budget

SWEEP_POINTS = 50
GRID_POINTS = 20


@dataclass
class WhatIf:
    model: str
    feature: str
    current: Any
    """The input's own value of the feature (readable)."""
    current_answer: str
    points: pd.DataFrame
    """``value`` (readable), ``answer`` and one column per class (probability) or ``prediction``."""
    classes: list[str] = field(default_factory=list)
    flips: list[dict[str, Any]] = field(default_factory=list)
    """Where the answer changes: ``{"after", "before", "from", "to"}`` between two swept values."""
    numeric: bool = True
    calls: int = 0
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "feature": self.feature, "current": _plain(self.current),
                "current_answer": self.current_answer, "classes": self.classes, "flips": self.flips,
                "summary": self.summary,
                "points": [{k: _plain(v) for k, v in r.items()} for r in self.points.to_dict(orient="records")]}


@dataclass
class WhatIf2D:
    model: str
    features: tuple[str, str]
    x_values: list[Any]
    y_values: list[Any]
    z: np.ndarray
    """z[i, j]: probability of ``target`` (or the value) at y_values[i], x_values[j]."""
    target: str
    answers: list[list[str]]
    current: tuple[Any, Any]
    calls: int = 0


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def sweep_values(schema: ModelSchema, feature: str, current: Any, reference: pd.DataFrame | None,
                 points: int = SWEEP_POINTS) -> list[Any]:
    """The values to try: every category, or ``points`` steps across the feature's range."""
    f = schema.feature(feature)
    if f.kind == FeatureKind.BOOLEAN:
        return [False, True]
    if f.kind == FeatureKind.CATEGORY:
        if not f.categories:
            raise ExplainError(f"'{feature}' has no list of categories to sweep over.")
        return list(f.categories)
    if f.kind not in (FeatureKind.NUMBER, FeatureKind.INTEGER):
        raise ExplainError(f"'{feature}' is {f.kind.value}; what-if sweeps numbers, categories and booleans.")
    low, high = _range(f, current, reference)
    given = current is not None and not pd.isna(current)
    values = np.linspace(low, high, max(2, points - 1 if given else points))
    if given:
        values = np.append(values, float(current))  # the current value is on the curve, not between points
    if f.kind == FeatureKind.INTEGER:
        values = np.rint(values)
    return [float(v) if f.kind == FeatureKind.NUMBER else int(v) for v in np.unique(values)]


def _range(f: Feature, current: Any, reference: pd.DataFrame | None) -> tuple[float, float]:
    if reference is not None and f.name in reference and reference[f.name].notna().any():
        column = pd.to_numeric(reference[f.name], errors="coerce").dropna()
        low, high = float(column.quantile(0.01)), float(column.quantile(0.99))
    else:
        low = f.minimum if f.minimum is not None else None
        high = f.maximum if f.maximum is not None else None
        base = float(current) if current is not None and not pd.isna(current) else 0.0
        low = low if low is not None else base - max(1.0, abs(base))
        high = high if high is not None else base + max(1.0, abs(base))
    if f.minimum is not None:
        low = max(low, f.minimum)
    if f.maximum is not None:
        high = min(high, f.maximum)
    if high <= low:
        high = low + 1.0
    return low, high


def _rows(schema: ModelSchema, row: pd.DataFrame, assignments: dict[str, list[Any]]) -> pd.DataFrame:
    base = schema.coerce(row.head(1)[schema.names]).reset_index(drop=True)
    n = len(next(iter(assignments.values())))
    frame = base.loc[np.zeros(n, dtype=int)].reset_index(drop=True)
    for name, values in assignments.items():
        frame[name] = pd.Series(values, dtype=object if schema.feature(name).kind == FeatureKind.CATEGORY else None)
    return schema.coerce(frame)


def _answers(out: np.ndarray, classes: list[str]) -> list[str]:
    if out.ndim == 2:
        return [classes[k] if k < len(classes) else str(k) for k in np.argmax(out, axis=1)]
    return [f"{v:.4g}" for v in out]


def _classes(schema: ModelSchema, out: np.ndarray) -> list[str]:
    return list(schema.class_names) or [str(i) for i in range(out.shape[1])] if out.ndim == 2 else []


def what_if(client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame, feature: str,
            reference: pd.DataFrame | None = None, *, points: int = SWEEP_POINTS,
            budget: Budget | None = None) -> WhatIf:
    """Sweep ``feature`` for this row; one request for the whole sweep."""
    if feature not in schema.names:
        raise ExplainError(f"Model '{ref.name}' has no feature '{feature}' (features: {', '.join(schema.names)}).")
    f = schema.feature(feature)
    current = row.iloc[0][feature]
    values = sweep_values(schema, feature, current, reference, points)
    box = BlackBox(client, ref, schema, None, budget)
    out = box.frames(_rows(schema, row, {feature: values}))
    classes = _classes(schema, out)
    answers = _answers(out, classes)
    numeric = f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER)
    shown = values if numeric else [f.label_of(v) if f.kind == FeatureKind.CATEGORY else str(v).lower()
                                    for v in values]
    points_frame = pd.DataFrame({"value": shown})
    if out.ndim == 2:
        for k, cls in enumerate(classes):
            points_frame[cls] = out[:, k]
    else:
        points_frame["prediction"] = out
    points_frame["answer"] = answers
    current_shown = (current if numeric else f.label_of(current) if f.kind == FeatureKind.CATEGORY
                     else str(bool(current)).lower())
    # The current answer comes from the sweep itself, at the current value.
    at = [i for i, v in enumerate(values) if _same(v, current)]
    current_answer = answers[at[0]] if at else ""
    flips = [{"after": shown[i - 1], "before": shown[i], "from": answers[i - 1], "to": answers[i]}
             for i in range(1, len(values)) if numeric and out.ndim == 2 and answers[i] != answers[i - 1]]
    result = WhatIf(model=ref.name, feature=feature, current=_plain(current_shown), current_answer=current_answer,
                    points=points_frame, classes=classes, flips=flips, numeric=numeric, calls=box.calls)
    result.summary = _summary(result)
    return result


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.isclose(float(a), float(b)))
    except (TypeError, ValueError):
        return a == b


def _summary(w: WhatIf) -> str:
    if not w.classes:
        column = w.points["prediction"]
        first, last = w.points["value"].iloc[0], w.points["value"].iloc[-1]
        if w.numeric:
            first, last = f"{first:.4g}", f"{last:.4g}"
        return (f"As {w.feature} goes from {first} to {last}, "
                f"the prediction ranges from {column.min():.4g} to {column.max():.4g}.")
    if w.numeric:
        if not w.flips:
            return f"The answer stays {w.current_answer} across the whole range of {w.feature}."
        where = "; ".join(f"{fl['from']} -> {fl['to']} between {fl['after']:.4g} and {fl['before']:.4g}"
                          for fl in w.flips[:4])
        return f"The answer changes as {w.feature} moves: {where}."
    others = sorted(set(w.points["answer"]) - {w.current_answer})
    if not others:
        return f"The answer stays {w.current_answer} for every value of {w.feature}."
    changed = [v for v, a in zip(w.points["value"], w.points["answer"], strict=True) if a != w.current_answer]
    return f"With {w.feature} = {', '.join(map(str, changed[:5]))} the answer would not be {w.current_answer}."


def what_if_2d(client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame,
               features: tuple[str, str], reference: pd.DataFrame | None = None, *,
               points: int = GRID_POINTS, budget: Budget | None = None) -> WhatIf2D:
    """Two features swept together over a grid: one request for the whole grid."""
    fx, fy = features
    if fx == fy:
        raise ExplainError("Pick two different features for the heat map.")
    for name in features:
        if name not in schema.names:
            raise ExplainError(f"Model '{ref.name}' has no feature '{name}'.")
    xs = sweep_values(schema, fx, None, reference, points)
    ys = sweep_values(schema, fy, None, reference, points)
    grid_x = [x for _ in ys for x in xs]
    grid_y = [y for y in ys for _ in xs]
    box = BlackBox(client, ref, schema, None, budget)
    # The input itself rides along as the last row: still one request.
    both = box.frames(_rows(schema, row, {fx: [*grid_x, row.iloc[0][fx]], fy: [*grid_y, row.iloc[0][fy]]}))
    own, out = both[-1:], both[:-1]
    classes = _classes(schema, out)
    if out.ndim == 2:
        k = int(np.argmax(own[0]))
        target, z = classes[k], out[:, k]
    else:
        target, z = "value", out
    answers = _answers(out, classes)
    label = {n: (lambda v, f=schema.feature(n): f.label_of(v) if f.kind == FeatureKind.CATEGORY else v)
             for n in features}
    return WhatIf2D(model=ref.name, features=(fx, fy), x_values=[label[fx](v) for v in xs],
                    y_values=[label[fy](v) for v in ys], z=np.asarray(z).reshape(len(ys), len(xs)), target=target,
                    answers=[answers[i * len(xs):(i + 1) * len(xs)] for i in range(len(ys))],
                    current=(label[fx](_plain(row.iloc[0][fx])), label[fy](_plain(row.iloc[0][fy]))),
                    calls=box.calls)
