"""Run predictions for the app and log every call.

Takes plain values (one row of feature values keyed by table column, or a raw
JSON body), calls the model through ``mds_client`` and writes the audit row right
after the call returns or fails, before anything else can go wrong. Returns plain
``Result`` data that components render and the history page rebuilds from the log
(the types live in ``workbench.predict.results``, which widgets may import).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from mds_client import InputError, MDSClient, MDSError, ModelRef, ModelSchema, Prediction, codec_for, jsonable
from mds_client.schema.model import TABULAR_KINDS
from workbench.payload_check.service import explain_failure
from workbench.predict.results import Outcome, Result
from workbench.store import LoggedPrediction, log_prediction


# -- the form's values -----------------------------------------------------------------------
def form_supported(schema: ModelSchema) -> bool:
    """Whether a form can be built: tabular features, or one 2-D image/tensor."""
    if schema.is_empty:
        return False
    tensor = schema.tensor_feature
    if tensor is not None:
        return len(tensor.shape) == 2
    return all(f.kind in TABULAR_KINDS for f in schema.features)


def frame_from_values(schema: ModelSchema, values: dict[str, Any]) -> pd.DataFrame:
    """One row with the schema's table columns, in order; missing columns are left out for validation to name."""
    columns = [c for c in schema.table_columns() if c in values] if not schema.is_empty else list(values)
    return pd.DataFrame([{c: values[c] for c in columns}], columns=columns)


def typical_values(schema: ModelSchema, reference: pd.DataFrame | None) -> dict[str, Any]:
    return {k: plain(v) for k, v in schema.example(reference).items()}


def random_values(schema: ModelSchema, reference: pd.DataFrame | None, seed: int | None = None) -> dict[str, Any]:
    """One real row of the reference data (or the typical example when there is none)."""
    if reference is None or reference.empty:
        return typical_values(schema, None)
    row = reference.sample(1, random_state=seed).iloc[0]
    values = typical_values(schema, None)
    values.update({c: plain(row[c]) for c in schema.table_columns() if c in row.index})
    return values


def sample_body(ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame | None) -> dict[str, Any]:
    """A payload to start the raw JSON editor from: encoded from sample data when there is some."""
    if reference is not None and not reference.empty:
        try:
            return jsonable(codec_for(ref.protocol).encode(reference.head(1), schema))
        except (ValueError, TypeError, KeyError):
            pass
    if ref.protocol == "seldon":
        return {"data": {"names": ["x"], "ndarray": [[0.0]]}}
    if ref.protocol == "kserve-v1":
        return {"instances": [[0.0]]}
    return {"inputs": [{"name": "input-0", "shape": [1, 1], "datatype": "FP64", "data": [0.0]}]}


# -- calls -------------------------------------------------------------------------------------
def predict(
    client: MDSClient, engine: Engine | None, ref: ModelRef, schema: ModelSchema, values: dict[str, Any], *, user: str,
    parameters: dict[str, Any] | None = None,
) -> Outcome:
    """Score one row of form values (with the model's inference ``parameters`` a person chose). Input problems come
    back as an error and nothing is sent or logged."""
    inputs = {k: plain(v) for k, v in values.items()}
    try:
        frame = frame_from_values(schema, inputs)
        prediction = client.predict(ref, frame, schema, parameters=parameters)
    except InputError as exc:
        return Outcome(ref.display_name, error=str(exc))
    except MDSError as exc:
        return _failed(engine, ref, inputs, exc, user, schema=schema)
    return _succeeded(engine, ref, schema, prediction, inputs, user)


def predict_raw(
    client: MDSClient, engine: Engine | None, ref: ModelRef, schema: ModelSchema, body: dict[str, Any], *, user: str
) -> Outcome:
    """Send a payload written by hand (the raw JSON editor)."""
    try:
        prediction = client.predict_body(ref, body, schema)
    except InputError as exc:
        return Outcome(ref.display_name, error=str(exc))
    except MDSError as exc:
        return _failed(engine, ref, None, exc, user, request=body, schema=schema)
    outcome = _succeeded(engine, ref, schema, prediction, None, user)
    if outcome.result is not None and prediction.n_rows > 1:
        rows = prediction.to_frame()
        rows.insert(0, "row", range(1, len(rows) + 1))
        outcome.result.rows = rows
    return outcome


def compare(
    client: MDSClient,
    engine: Engine | None,
    models: list[tuple[ModelRef, ModelSchema]],
    values: dict[str, Any],
    *,
    user: str,
    parameters: dict[str, Any] | None = None,
) -> list[Outcome]:
    """The same input sent to every model at once; each answer (or error) in the given order. ``parameters``
    (inference parameters, set once for the comparison) go to each model that declares them, checked against
    its own declaration (``taken_parameters``)."""
    if not models:
        return []

    def one(item: tuple[ModelRef, ModelSchema]) -> Outcome:
        ref, schema = item
        missing = [c for c in schema.table_columns() if c not in values]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            return Outcome(ref.display_name, error=f"Model '{ref.name}' needs inputs this form does not have: {shown}.")
        return predict(client, engine, ref, schema, values, user=user,
                       parameters=taken_parameters(schema, parameters or {}) or None)

    with ThreadPoolExecutor(max_workers=min(8, len(models))) as pool:
        return list(pool.map(one, models))


def taken_parameters(schema: ModelSchema, parameters: dict[str, Any]) -> dict[str, Any]:
    """The ``parameters`` that this model declares (``schema.params``); the others are not its to take."""
    names = {p.name for p in schema.params}
    return {name: value for name, value in parameters.items() if name in names}


def _succeeded(
    engine: Engine | None, ref: ModelRef, schema: ModelSchema, prediction: Prediction, inputs: dict[str, Any] | None, user: str
) -> Outcome:
    result = result_of(prediction, ref, schema, inputs, user=user)
    outcome = Outcome(ref.display_name, result=result)
    if engine is not None:
        try:
            result.prediction_id = outcome.prediction_id = log_prediction(
                engine,
                user=user,
                model=ref.name,
                version=ref.version,
                protocol=ref.protocol,
                inputs=inputs,
                outputs=outputs_of(result),
                request=result.request,
                response=result.response,
                request_id=result.request_id,
                latency_ms=result.latency_ms,
                trace_id=prediction.trace_id,
            )
        except SQLAlchemyError as exc:
            outcome.warnings.append(f"The answer could not be saved to the history: {exc.__class__.__name__}.")
    return outcome


def _failed(
    engine: Engine | None, ref: ModelRef, inputs: dict[str, Any] | None, exc: MDSError, user: str, *, request: Any = None,
    schema: ModelSchema | None = None,
) -> Outcome:
    outcome = Outcome(ref.display_name, error=explain_failure(exc, schema))
    if engine is not None:
        try:
            outcome.prediction_id = log_prediction(
                engine, user=user, model=ref.name, version=ref.version, protocol=ref.protocol,
                inputs=inputs, request=_safe_json(request), error=str(exc), trace_id=getattr(exc, "trace_id", ""),
            )
        except SQLAlchemyError as db_exc:
            outcome.warnings.append(f"The failed call could not be saved to the history: {db_exc.__class__.__name__}.")
    return outcome


# -- results -------------------------------------------------------------------------------------
def result_of(
    prediction: Prediction, ref: ModelRef, schema: ModelSchema, inputs: dict[str, Any] | None, *, user: str = ""
) -> Result:
    probabilities = None
    if prediction.probabilities is not None and not prediction.probabilities.empty:
        probabilities = {str(k): float(v) for k, v in prediction.probabilities.iloc[0].items()}
    value = float(prediction.values[0]) if prediction.values else None
    label = plain(prediction.labels[0]) if prediction.labels else None
    output = schema.output("value")
    return Result(
        model=ref.name,
        protocol=ref.protocol,
        task="classification" if probabilities else ("regression" if value is not None else prediction.task),
        label=label,
        probabilities=probabilities,
        value=value,
        latency_ms=round(prediction.latency_ms, 1),
        request_id=prediction.request_id,
        request=prediction.request_json(),
        response=prediction.response_json(),
        url=prediction.url,
        version=ref.version,
        unit=output.unit if output is not None else "",
        inputs=inputs,
        user=user,
        served_by=prediction.served_by,
        via=f"{ref.kind} {ref.model_name or ref.name}" if ref.kind in ("experiment", "pipeline") else "",
    )


def outputs_of(result: Result) -> dict[str, Any]:
    return {"task": result.task, "label": result.label, "probabilities": result.probabilities,
            "value": result.value, "unit": result.unit, "url": result.url}


def result_from_log(row: LoggedPrediction) -> Result | None:
    """Rebuild a result from the audit log (permalinks); None for a failed call."""
    if not row.ok:
        return None
    outputs = row.outputs or {}
    return Result(
        model=row.model,
        protocol=row.protocol,
        task=outputs.get("task", "other"),
        label=outputs.get("label"),
        probabilities=outputs.get("probabilities"),
        value=outputs.get("value"),
        latency_ms=row.latency_ms,
        request_id=row.request_id,
        request=row.request or {},
        response=row.response or {},
        url=outputs.get("url", ""),
        version=row.version,
        unit=outputs.get("unit", ""),
        inputs=row.inputs,
        prediction_id=row.id,
        created=row.created,
        user=row.user,
    )


def plain(value: Any) -> Any:
    """A JSON-friendly Python value (numpy scalars unwrapped, NaN as None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _safe_json(body: Any) -> Any:
    try:
        return jsonable(body) if body is not None else None
    except TypeError:
        return None

