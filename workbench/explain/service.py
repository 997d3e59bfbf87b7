"""Why did the model say that: anchors, SHAP values and feature effects, as plain data.

Three sources, all black-box (the model stays where it is served; we only call it):

- the model's own explainer server, when the catalog names one (a Seldon v1 explainer at
  ``/api/v1.0/explain`` or MLServer's alibi-explain runtime; an AnchorTabular answers "as long as
  these conditions hold, the prediction stays");
- Kernel SHAP computed here with alibi over calls to the model (how much each feature pushed
  this prediction up or down, against reference data);
- feature effects (partial dependence) computed here: the average prediction as one feature
  sweeps its range over a sample of reference rows, one call per feature.

alibi costs seconds to import, so it is imported inside the functions that use it.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from mds_client import MDSClient, ModelRef, ModelSchema, Timeout
from mds_client.errors import RequestTimeout
from workbench.errors import ExplainError, ExplanationTimeout, FeatureSpaceError
from workbench.explain.anchors import anchor_explanation, explain_with_anchor
from workbench.explain.budget import BlackBox, Budget, model_errors_surface
from workbench.explain.explanation import Explanation
from workbench.explain.feature_space import FeatureSpace
from workbench.explain.image import explain_image, image_feature
from workbench.settings import get_settings
from workbench.store import explanations

BACKGROUND_ROWS = 40
SHAP_SAMPLES = 256
EFFECT_ROWS = 80
EFFECT_GRID = 15


def input_hash(model: str, version: str, kind: str, row: dict[str, Any]) -> str:
    text = json.dumps([model, version, kind, row], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the explainer server ------------------------------------------------------------------
def explain_with_server(client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame,
                        *, budget: Budget | None = None) -> Explanation:
    """Ask the catalog's explainer about one row: a Seldon v1 explainer (``/api/v1.0/explain``, a v1
    message), a KServe one (``/v1/models/<m>:explain``, ``instances``) or a V2 one (MLServer's alibi-explain
    runtime, one FP64 tensor); all answer Alibi's
    Explanation, read here into the same rule, precision, coverage and examples as a computed anchor."""
    explainer = ref.explainer
    if explainer is None:
        raise ExplainError(f"No explainer is configured for model '{ref.name}'.")
    space = FeatureSpace.of(schema)
    matrix = space.encode(row.head(1))
    if explainer.protocol == "seldon":
        body: dict[str, Any] = {"data": {"names": space.names, "ndarray": matrix.tolist()}}
    elif explainer.protocol == "kserve-v1":  # KServe's explainers take the row at the model's :explain
        body = {"instances": matrix.tolist()}
    else:
        body = {"inputs": [{"name": "explain", "shape": list(matrix.shape), "datatype": "FP64",
                            "data": matrix.reshape(-1).tolist()}]}
    timeout = None
    if budget is not None and budget.seconds != float("inf"):
        budget.start_clock()
        timeout = Timeout(client.transport.timeout.connect, max(1.0, budget.remaining))
    started = time.perf_counter()
    try:
        doc = client.explain(explainer, body, timeout=timeout)
    except RequestTimeout as exc:
        if budget is None:
            raise
        raise ExplanationTimeout(f"The explainer of '{ref.name}' ({explainer.name}) did not answer within "
                                 f"{budget.seconds:g} s.") from exc
    # calls counts requests to the model; the one request here went to its explainer.
    return anchor_explanation(doc["data"], ref, schema, space, matrix[0], source=f"explainer server {explainer.name}",
                              seconds=time.perf_counter() - started)


# --- black-box explanations computed here -------------------------------------------------
def _space_with_reference(ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame | None, what: str) -> FeatureSpace:
    try:
        space = FeatureSpace.of(schema)
    except FeatureSpaceError as exc:
        raise ExplainError(f"Cannot {what} '{ref.name}': {exc}.") from None
    if reference is None or reference.empty:
        raise ExplainError(f"Model '{ref.name}' has no reference data to compare against.")
    return space


def explain_with_shap(
    client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame, reference: pd.DataFrame,
    *, samples: int = SHAP_SAMPLES, seed: int = 0, budget: Budget | None = None,
) -> Explanation:
    """Kernel SHAP for one row against a sample of the reference data."""
    space = _space_with_reference(ref, schema, reference, "explain")
    if budget is not None:
        budget.progress(0.0, "Loading the explainer library...")
    # alibi costs 4-6 s of imports: only an explanation pays for it.
    from alibi.explainers import KernelShap

    if budget is not None:
        budget.start_clock()

    started = time.perf_counter()
    predict = BlackBox(client, ref, schema, space, budget)
    x = space.encode(row.head(1))
    background = space.encode(reference.sample(min(BACKGROUND_ROWS, len(reference)), random_state=seed))
    with model_errors_surface():
        first = predict(x)
        classification = first.ndim == 2
        explainer = KernelShap(predict, link="identity", feature_names=space.names,
                               task="classification" if classification else "regression", seed=seed)
        explainer.fit(background)
        result = explainer.explain(x, nsamples=samples, silent=True)
    shap_values = result.shap_values
    expected = np.atleast_1d(result.expected_value)
    if classification:
        k = int(np.argmax(first[0]))
        names = list(schema.class_names) or [str(i) for i in range(first.shape[1])]
        values, base, target = shap_values[k][0], float(expected[k]), names[k]
    else:
        values, base, target = shap_values[0][0], float(expected[0]), "value"
    attributions = {n: float(v) for n, v in zip(space.names, values, strict=True)}
    top = sorted(attributions.items(), key=lambda kv: -abs(kv[1]))[:3]
    what = f"the probability of {target}" if classification else "the predicted value"
    summary = "Biggest influences on " + what + ": " + ", ".join(
        f"{name} ({'+' if v >= 0 else '-'}{abs(v):.3g})" for name, v in top) + "."
    return Explanation(kind="shap", model=ref.name, source="computed in the workbench", target=target,
                       summary=summary, attributions=attributions, base_value=base,
                       feature_values={n: space.describe_value(j, x[0, j]) for j, n in enumerate(space.names)},
                       calls=predict.calls, seconds=time.perf_counter() - started)


def feature_effects(
    client: MDSClient, ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame, features: list[str],
    *, rows: int = EFFECT_ROWS, grid: int = EFFECT_GRID, seed: int = 0, budget: Budget | None = None,
) -> dict[str, pd.DataFrame]:
    """Partial dependence: per feature, the average output as that feature sweeps its values.

    Each frame has a ``value`` column (readable names for categories) and one column per class
    (average probability) or ``prediction`` (regression).
    """
    space = _space_with_reference(ref, schema, reference, "compute feature effects for")
    predict = BlackBox(client, ref, schema, space, budget)
    base = space.encode(reference.sample(min(rows, len(reference)), random_state=seed))
    out: dict[str, pd.DataFrame] = {}
    for done, name in enumerate(features):
        predict.budget.progress(done / max(1, len(features)), f"Sweeping {name}")
        j = space.names.index(name)
        values = _grid(base[:, j], j, space, grid)
        stacked = np.repeat(base[None, :, :], len(values), axis=0)
        stacked[:, :, j] = np.asarray(values)[:, None]
        answers = predict(stacked.reshape(-1, base.shape[1]))
        averaged = answers.reshape(len(values), len(base), -1).mean(axis=1)
        frame = pd.DataFrame({"value": [space.describe_value(j, v) if j in space.categorical else v for v in values]})
        if answers.ndim == 2:
            for k, cls in enumerate(schema.class_names or [str(i) for i in range(averaged.shape[1])]):
                frame[cls] = averaged[:, k]
        else:
            frame["prediction"] = averaged[:, 0]
        out[name] = frame
    return out


def _grid(column: np.ndarray, j: int, space: FeatureSpace, grid: int) -> list[float]:
    if j in space.categorical:
        return [float(i) for i in range(space.categorical[j])]
    qs = np.unique(np.quantile(column[~np.isnan(column)], np.linspace(0.02, 0.98, grid)))
    return [float(v) for v in qs]


# --- cache ----------------------------------------------------------------------------------
def cached(engine: Engine, model: str, version: str, kind: str, row: dict[str, Any]) -> Explanation | None:
    payload = explanations.cached_payload(engine, model, kind, input_hash(model, version, kind, row))
    return Explanation.from_dict(payload) if payload else None


def store(engine: Engine, explanation: Explanation, version: str, row: dict[str, Any]) -> None:
    explanations.save(engine, explanation.model, version, explanation.kind,
                      input_hash(explanation.model, version, explanation.kind, row), explanation.to_dict())


METHODS = ("anchor", "shap", "occlusion")


def default_method(ref: ModelRef, schema: ModelSchema | None) -> str:
    if schema is not None and any(f.is_tensor for f in schema.features):
        return "occlusion"
    return "anchor" if ref.explainer is not None else "shap"


def explain(
    engine: Engine | None, client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame,
    reference: pd.DataFrame | None, *, kind: str = "auto", budget: Budget | None = None,
) -> Explanation:
    """One case explained, cached per (model, version, input, method).

    ``anchor`` asks the model's explainer server when the catalog names one, else finds the
    anchor here (black box); ``shap`` is Kernel SHAP; ``occlusion`` is for image models.
    A cache hit makes no call to the model.
    """
    chosen = kind if kind != "auto" else default_method(ref, schema)
    if chosen not in METHODS:
        raise ExplainError(f"Unknown explanation method '{kind}' (use one of: {', '.join(METHODS)}).")
    plain_row = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.head(1).to_dict(orient="records")[0].items()}
    if engine is not None:
        hit = cached(engine, ref.name, ref.version, chosen, plain_row)
        if hit is not None:
            hit.calls, hit.from_cache = 0, True
            return hit
    budget = budget or Budget(seconds=get_settings().explain_budget_s, model=ref.name)
    reference = reference if reference is not None else pd.DataFrame()
    if chosen == "anchor" and ref.explainer is not None:
        result = explain_with_server(client, ref, schema, row, budget=budget)
    elif chosen == "anchor":
        result = explain_with_anchor(client, ref, schema, row, reference, budget=budget)
    elif chosen == "occlusion":
        result = explain_image(client, ref, schema, row, reference, budget=budget)
    else:
        result = explain_with_shap(client, ref, schema, row, reference, budget=budget)
    if engine is not None:
        store(engine, result, ref.version, plain_row)
    return result


def explainable(schema: ModelSchema | None) -> str | None:
    """None when this model can be explained here, else why not in plain words."""
    if schema is None:
        return "This model publishes no feature schema, so its answers cannot be explained here."
    if any(f.is_tensor for f in schema.features):
        try:
            image_feature(schema)
        except ExplainError as exc:
            return exc.message
        return None
    try:
        FeatureSpace.of(schema)
    except FeatureSpaceError as exc:
        return f"This view explains models whose inputs are a table of features, and {exc}."
    return None


def is_image(schema: ModelSchema | None) -> bool:
    return schema is not None and any(f.is_tensor for f in schema.features)
