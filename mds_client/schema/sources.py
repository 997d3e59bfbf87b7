"""Parsers that turn what a model says about itself into a ``ModelSchema``.

Sources, most specific first: a catalog override (Seldon's ML prediction
schema file), V2 metadata (``GET /v2/models/<m>``, with feature facts in each
input's ``parameters``), Seldon v1 metadata (``/api/v1.0/metadata``), and
last, inference from reference data. ``resolve`` (in ``schema_merge``) merges
them: the most specific non-empty source decides the features, the others fill
in facts it lacks (categories, bounds, descriptions).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from mds_client.errors import SchemaError
from mds_client.schema.documents import as_int, as_shape, document, form_shape, instance_shape, items, mapping
from mds_client.schema.merge import map_wire_names, resolve
from mds_client.schema.model import Feature, FeatureKind, ModelSchema, Output
from mds_client.schema.params import params_from_metadata

__all__ = [
    "from_prediction_schema", "from_reference", "from_seldon_metadata", "from_v2_metadata",
    "map_wire_names", "resolve",
]

_V2_KIND_BY_DATATYPE = {
    "BOOL": FeatureKind.BOOLEAN,
    "BYTES": FeatureKind.TEXT,
    "FP16": FeatureKind.NUMBER,
    "FP32": FeatureKind.NUMBER,
    "FP64": FeatureKind.NUMBER,
}


# --- V2 (Open Inference Protocol) ---------------------------------------------------
@document("V2 metadata")
def from_v2_metadata(meta: dict[str, Any]) -> ModelSchema:
    if not isinstance(meta, dict):
        raise SchemaError("V2 metadata is not a JSON object")
    features = [_v2_feature(i) for i in items(meta.get("inputs"), "V2 metadata 'inputs'")]
    outputs = _labels_beside_probabilities(
        [_v2_output(mapping(o, "a V2 output")) for o in items(meta.get("outputs"), "V2 metadata 'outputs'")])
    params = meta.get("parameters") if isinstance(meta.get("parameters"), dict) else {}
    return ModelSchema(tuple(features), tuple(outputs), source="v2-metadata",
                       request_content_type=str(params.get("content_type") or ""),
                       params=params_from_metadata(params.get("params")))


def _v2_feature(spec: dict[str, Any]) -> Feature:
    try:
        name = str(spec["name"])
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"V2 input without a name: {spec!r}") from exc
    datatype = str(spec.get("datatype") or "").upper()
    params = mapping(spec.get("parameters"), f"{name} parameters")
    wire_shape = as_shape(spec.get("shape"), f"{name} shape")
    shape = instance_shape(wire_shape)
    kind_text = params.get("kind")
    if kind_text:
        try:
            kind = FeatureKind(kind_text)
        except ValueError as exc:
            raise SchemaError(f"{name}: unknown feature kind {kind_text!r}") from exc
    elif shape:
        kind = FeatureKind.TENSOR
    elif datatype.startswith(("INT", "UINT")):
        kind = FeatureKind.INTEGER
    else:
        kind = _V2_KIND_BY_DATATYPE.get(datatype, FeatureKind.NUMBER)
    categories = tuple(params.get("categories") or ())
    if categories and kind == FeatureKind.TEXT:
        kind = FeatureKind.CATEGORY
    labels = params.get("category_labels") or {}
    # "bounds": "observed" marks min/max as the range seen in training data, not a limit.
    declared = str(params.get("bounds") or "declared").lower() != "observed"
    return Feature(
        name=name,
        kind=kind,
        datatype=datatype,
        shape=form_shape(shape, f"{name} shape") if kind in (FeatureKind.TENSOR, FeatureKind.IMAGE) else (),
        wire_shape=wire_shape,
        minimum=_opt_float(params.get("min")),
        maximum=_opt_float(params.get("max")),
        bounds_declared=declared,
        step=_opt_float(params.get("step")),
        categories=categories,
        category_labels={_key_like(k, categories): str(v) for k, v in labels.items()},
        default=params.get("default"),
        description=str(params.get("description") or ""),
        unit=str(params.get("unit") or ""),
        required=bool(params.get("required", True)),
    )


# Output names that say "the predicted class" when the output is text (a Triton model's BYTES label output).
_LABEL_NAMES = frozenset({"label", "labels", "class", "classes", "class_name", "category", "prediction", "predictions",
                          "predicted_label", "predicted_class", "output_label"})


def _v2_output(spec: dict[str, Any]) -> Output:
    name = str(spec.get("name") or "output")
    params = mapping(spec.get("parameters"), f"{name} parameters")
    kind = params.get("kind")
    class_names = tuple(str(c) for c in params.get("class_names") or ())
    datatype = str(spec.get("datatype") or "").upper()
    declared = as_shape(spec.get("shape"), f"{name} shape")
    shape = instance_shape(declared)
    if not kind:
        lowered = name.lower()
        if name == "predict_proba" or "proba" in lowered:
            kind = "proba"
        elif name == "predict":
            kind = "label" if class_names else "value"
        elif datatype == "BYTES":
            kind = "label" if lowered in _LABEL_NAMES and not shape else "text"
        elif declared and not shape and datatype.startswith("FP"):
            kind = "value"  # one number per row: a regression's answer
        elif declared and not shape and datatype.startswith(("INT", "UINT")):
            kind = "label"  # one whole number per row: a class index (named by class_names when given)
        else:
            kind = "tensor"
    return Output(
        name=name,
        kind=kind,
        class_names=class_names,
        datatype=str(spec.get("datatype") or ""),
        shape=shape,
        unit=str(params.get("unit") or ""),
        description=str(params.get("description") or ""),
        wire_name=name,
    )


def _labels_beside_probabilities(outputs: list[Output]) -> list[Output]:
    """Beside a probability output, a text output of one value per row is the model's own label ('gold'), what it
    predicts, rather than free text."""
    if not any(o.kind == "proba" for o in outputs) or any(o.kind == "label" for o in outputs):
        return outputs
    return [replace(o, kind="label") if o.kind == "text" and not o.shape and o.datatype.upper() == "BYTES" else o
            for o in outputs]


def _opt_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{value!r} is not a number") from exc


def _key_like(key: Any, categories: tuple[Any, ...]) -> Any:
    """JSON object keys are strings; give them back the type the categories have."""
    for c in categories:
        if str(c) == str(key):
            return c
    return key


# --- Seldon v1 metadata ----------------------------------------------------------------
_JSON_SCHEMA_KIND = {
    "number": FeatureKind.NUMBER,
    "integer": FeatureKind.INTEGER,
    "boolean": FeatureKind.BOOLEAN,
    "string": FeatureKind.TEXT,
}


@document("Seldon metadata")
def from_seldon_metadata(meta: dict[str, Any]) -> ModelSchema:
    if not isinstance(meta, dict):
        raise SchemaError("Seldon metadata is not a JSON object")
    inputs = meta.get("inputs") or []
    features: list[Feature] = []
    messagetype = ""
    for spec in inputs:
        messagetype = messagetype or str(spec.get("messagetype") or "")
        features.extend(_seldon_features(spec))
    outputs: list[Output] = []
    for spec in meta.get("outputs") or []:
        schema = spec.get("schema") or {}
        names = tuple(str(n) for n in schema.get("names") or ())
        if len(names) > 1:
            outputs.append(Output(name="probabilities", kind="proba", class_names=names))
        elif names:
            outputs.append(Output(name=names[0], kind="value"))
    return ModelSchema(tuple(features), tuple(outputs), source="seldon-metadata", messagetype=messagetype)


def _seldon_features(spec: dict[str, Any]) -> list[Feature]:
    messagetype = str(spec.get("messagetype") or "")
    schema = spec.get("schema") or {}
    if messagetype == "jsonData" and "properties" in schema:
        required = set(schema.get("required") or schema["properties"].keys())
        out = []
        for name, prop in schema["properties"].items():
            kind = _JSON_SCHEMA_KIND.get(str(prop.get("type")), FeatureKind.TEXT)
            enum = tuple(prop.get("enum") or ())
            if enum:
                kind = FeatureKind.CATEGORY
            out.append(
                Feature(
                    name=name,
                    kind=kind,
                    minimum=_opt_float(prop.get("minimum")),
                    maximum=_opt_float(prop.get("maximum")),
                    categories=enum,
                    default=prop.get("default"),
                    description=str(prop.get("description") or ""),
                    required=name in required,
                )
            )
        return out
    if messagetype == "strData":
        return [Feature(name="text", kind=FeatureKind.TEXT)]
    names = [str(n) for n in schema.get("names") or ()]
    shape = form_shape(as_shape(schema.get("shape"), "input shape"), "input shape")
    if names:
        return [Feature(name=n, kind=FeatureKind.NUMBER) for n in names]
    if shape:
        if len(shape) == 1:
            return [Feature(name=f"x{i}", kind=FeatureKind.NUMBER) for i in range(shape[0])]
        return [Feature(name="tensor", kind=FeatureKind.TENSOR, shape=shape)]
    return []


# --- Seldon's ML prediction schema -------------------------------------------------
@document("ML prediction schema")
def from_prediction_schema(doc: dict[str, Any]) -> ModelSchema:
    if not isinstance(doc, dict) or "requests" not in doc:
        raise SchemaError("an ML prediction schema needs a 'requests' list")
    features = [_ps_feature(s) for s in doc.get("requests") or []]
    outputs = [_ps_output(s) for s in doc.get("responses") or []]
    return ModelSchema(tuple(features), tuple(outputs), source="prediction-schema")


def _ps_categories(spec: dict[str, Any], name: str) -> tuple[tuple[Any, ...], dict[Any, str]]:
    category_map = spec.get("category_map") or {}
    if category_map:
        values = tuple(_category_key(k) for k in category_map)
        return values, {_category_key(k): str(v) for k, v in category_map.items()}
    if spec.get("schema"):
        names = [str(s.get("name")) for s in spec["schema"]]
        return tuple(range(len(names))), dict(enumerate(names))
    if spec.get("n_categories") not in (None, ""):
        n = as_int(spec["n_categories"], f"{name} n_categories")
        return tuple(range(n)), {}
    return (), {}


def _category_key(key: Any) -> Any:
    text = str(key)
    return int(text) if text.lstrip("-").isdigit() else text


def _ps_feature(spec: dict[str, Any]) -> Feature:
    name = str(spec.get("name") or "")
    if not name:
        raise SchemaError(f"prediction schema request without a name: {spec!r}")
    ftype = str(spec.get("type") or "REAL").upper()
    data_type = str(spec.get("data_type") or "").upper()
    rng = spec.get("range") or [None, None]
    common = {"name": name, "description": str(spec.get("description") or "")}
    if ftype == "REAL":
        kind = FeatureKind.INTEGER if data_type == "INT" else FeatureKind.NUMBER
        return Feature(kind=kind, minimum=_opt_float(rng[0]), maximum=_opt_float(rng[1]), **common)
    if ftype in ("CATEGORICAL", "ONE_HOT"):
        values, labels = _ps_categories(spec, name)
        return Feature(
            kind=FeatureKind.CATEGORY,
            categories=values,
            category_labels=labels,
            one_hot=ftype == "ONE_HOT",
            **common,
        )
    if ftype == "TEXT":
        return Feature(kind=FeatureKind.TEXT, **common)
    if ftype == "TENSOR":
        return Feature(kind=FeatureKind.TENSOR, shape=form_shape(as_shape(spec.get("shape"), f"{name} shape"),
                                                                 f"{name} shape"), **common)
    raise SchemaError(f"{name}: unknown prediction-schema type {ftype!r}")


def _ps_output(spec: dict[str, Any]) -> Output:
    name = str(spec.get("name") or "output")
    ftype = str(spec.get("type") or "REAL").upper()
    if ftype == "PROBA":
        names = tuple(str(s.get("name")) for s in spec.get("schema") or ())
        return Output(name=name, kind="proba", class_names=names)
    if ftype in ("CATEGORICAL", "ONE_HOT"):
        values, labels = _ps_categories(spec, name)
        return Output(name=name, kind="label", class_names=tuple(labels.get(v, str(v)) for v in values))
    if ftype == "TEXT":
        return Output(name=name, kind="text")
    if ftype == "TENSOR":
        return Output(name=name, kind="tensor", shape=as_shape(spec.get("shape"), f"{name} shape"))
    return Output(name=name, kind="value")


# --- Reference data --------------------------------------------------------------------
MAX_INFERRED_CATEGORIES = 20


def from_reference(frame: pd.DataFrame) -> ModelSchema:
    """Infer features from a sample of inputs: kinds, categories and observed ranges (never hard bounds)."""
    features = []
    for col in frame.columns:
        series = frame[col].dropna()
        if pd.api.types.is_bool_dtype(series):
            features.append(Feature(name=str(col), kind=FeatureKind.BOOLEAN, default=bool(series.mode().iloc[0]) if len(series) else None))
        elif pd.api.types.is_numeric_dtype(series):
            kind = FeatureKind.INTEGER if pd.api.types.is_integer_dtype(series) else FeatureKind.NUMBER
            low, high = (float(series.min()), float(series.max())) if len(series) else (None, None)
            # missing values in the data the model learnt from: it takes them (an emptied box is sent as one)
            features.append(Feature(name=str(col), kind=kind, minimum=low, maximum=high, bounds_declared=False,
                                    required=not frame[col].isna().any()))
        else:
            uniques = series.astype(str).unique()
            gaps = bool(frame[col].isna().any())  # learnt with gaps: "unknown" is a value it takes, as for numbers
            if 0 < len(uniques) <= MAX_INFERRED_CATEGORIES:
                features.append(Feature(name=str(col), kind=FeatureKind.CATEGORY, categories=tuple(sorted(uniques)),
                                        required=not gaps))
            else:
                features.append(Feature(name=str(col), kind=FeatureKind.TEXT, required=not gaps))
    return ModelSchema(tuple(features), (), source="reference-data")

