"""Global views of a model across its reference data: ALE and permutation importance (Alibi).

Both call the served model as a black box on encoded reference rows. ALE (accumulated local
effects) shows how the prediction moves with a numeric feature without the extrapolation that
partial dependence suffers on correlated features; permutation importance shows how much the
model's own answers change when one feature is shuffled (agreement with its unshuffled answers,
so no ground truth is needed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mds_client import FeatureKind, MDSClient, ModelRef, ModelSchema
from workbench.errors import ExplainError, FeatureSpaceError
from workbench.explain.budget import BlackBox, Budget, model_errors_surface
from workbench.explain.feature_space import FeatureSpace

GLOBAL_ROWS = 200
REPEATS = 5


@dataclass
class Importance:
    model: str
    table: pd.DataFrame
    """``feature``, ``importance`` (mean), ``std``; most important first."""
    measure: str
    """What the importance is measured in, in words."""
    calls: int = 0


def _load_alibi(budget: Budget | None) -> None:
    if budget is not None:
        budget.progress(0.0, "Loading the explainer library...")
    # alibi costs 4-6 s of imports: only an explanation pays, and the budget counts from after it.
    import alibi.explainers  # noqa: F401

    if budget is not None:
        budget.start_clock()


def _space(ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame | None) -> FeatureSpace:
    try:
        space = FeatureSpace.of(schema)
    except FeatureSpaceError as exc:
        raise ExplainError(f"Cannot compute global views for '{ref.name}': {exc}.") from None
    if reference is None or reference.empty:
        raise ExplainError(f"Model '{ref.name}' has no reference data to compute global views on.")
    return space


def ale_of(predict: Callable[[np.ndarray], np.ndarray], space: FeatureSpace, x: np.ndarray, features: list[str],
           class_names: list[str]) -> dict[str, pd.DataFrame]:
    """ALE curves of the numeric ``features``: ``value`` plus one column per class (or ``prediction``)."""
    # alibi costs 4-6 s of imports: only an explanation pays for it.
    from alibi.explainers import ALE

    numeric = [n for n in features if space.schema.feature(n).kind in (FeatureKind.NUMBER, FeatureKind.INTEGER)]
    if not numeric:
        raise ExplainError("ALE is for numeric features; pick at least one number.")
    first = predict(x[:1])
    targets = class_names if first.ndim == 2 else ["prediction"]
    wrapped = predict if first.ndim == 2 else (lambda m: predict(m).reshape(-1, 1))
    with model_errors_surface():
        explainer = ALE(wrapped, feature_names=space.names, target_names=targets, check_feature_resolution=False)
        result = explainer.explain(x, features=[space.names.index(n) for n in numeric], min_bin_points=4)
    out = {}
    for name, values, effects in zip(result.data["feature_names"], result.data["feature_values"],
                                     result.data["ale_values"], strict=True):
        frame = pd.DataFrame({"value": np.asarray(values, dtype=float)})
        for k, target in enumerate(targets):
            frame[target] = np.asarray(effects)[:, k]
        out[str(name)] = frame
    return out


def ale(client: MDSClient, ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame, features: list[str], *,
        rows: int = GLOBAL_ROWS, seed: int = 0, budget: Budget | None = None) -> dict[str, pd.DataFrame]:
    space = _space(ref, schema, reference)
    _load_alibi(budget)
    box = BlackBox(client, ref, schema, space, budget)
    x = space.encode(reference.sample(min(rows, len(reference)), random_state=seed))
    names = list(schema.class_names) or [str(i) for i in range(np.atleast_2d(box(x[:1])).shape[1])]
    return ale_of(box, space, x, features, names)


def importance_of(predict: Callable[[np.ndarray], np.ndarray], space: FeatureSpace, x: np.ndarray, *,
                  repeats: int = REPEATS, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """Permutation importance against the model's own answers on ``x``."""
    # alibi costs 4-6 s of imports: only an explanation pays for it.
    from alibi.explainers import PermutationImportance

    answers = predict(x)
    classification = answers.ndim == 2
    if classification:
        labels = np.argmax(answers, axis=1)
        explainer = PermutationImportance(lambda m: np.argmax(predict(m), axis=1), score_fns=["accuracy"],
                                          feature_names=space.names)
        y, measure = labels, "drop in agreement with the model's own answers (accuracy)"
    else:
        explainer = PermutationImportance(predict, loss_fns=["mean_absolute_error"], feature_names=space.names)
        y, measure = answers, "rise in mean absolute change of the predicted value"
    np.random.seed(seed)  # alibi shuffles with numpy's global generator
    with model_errors_surface():
        result = explainer.explain(x, y, kind="difference", n_repeats=repeats)
    stats = result.data["feature_importance"][0]
    table = pd.DataFrame({"feature": list(result.data["feature_names"]),
                          "importance": [float(s["mean"]) for s in stats],
                          "std": [float(s["std"]) for s in stats]})
    return table.sort_values("importance", ascending=False, ignore_index=True), measure


def permutation_importance(client: MDSClient, ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame, *,
                           rows: int = GLOBAL_ROWS, repeats: int = REPEATS, seed: int = 0,
                           budget: Budget | None = None) -> Importance:
    space = _space(ref, schema, reference)
    _load_alibi(budget)
    box = BlackBox(client, ref, schema, space, budget)
    x = space.encode(reference.sample(min(rows, len(reference)), random_state=seed))
    table, measure = importance_of(box, space, x, repeats=repeats, seed=seed)
    return Importance(model=ref.name, table=table, measure=measure, calls=box.calls)
