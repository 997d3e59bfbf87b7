"""A model's inputs from what MLflow saved with it: the ``MLmodel`` signature and the input example.

Read without MLflow. Each ColSpec column is one input of its type (``required: false`` makes it optional); a single
TensorSpec is one tensor input, or one number per column when it is a plain ``[-1, k]`` matrix (named after the
example's or reference rows' columns, else ``x0``, ``x1``...). The input example gives each input its default. Both
the publishing of an MLflow folder and the registry as a discovery source read signatures here; what the form cannot
send is a ``SchemaError`` naming the input and ``TYPES_HINT``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd

from mds_client.errors import SchemaError
from mds_client.schema.features import Feature, FeatureKind
from mds_client.schema.model import ModelSchema

SOURCE = "mlflow-signature"
# MLflow's ColSpec types the form can send, as (feature kind, V2 datatype).
COLUMN_TYPES = {"double": (FeatureKind.NUMBER, "FP64"), "float": (FeatureKind.NUMBER, "FP32"),
                "long": (FeatureKind.INTEGER, "INT64"), "integer": (FeatureKind.INTEGER, "INT32"),
                "boolean": (FeatureKind.BOOLEAN, "BOOL"), "string": (FeatureKind.TEXT, "BYTES")}
# numpy dtypes of TensorSpecs, as V2 datatypes.
TENSOR_TYPES = {"float64": "FP64", "float32": "FP32", "float16": "FP16", "int64": "INT64", "int32": "INT32",
                "int16": "INT16", "int8": "INT8", "uint8": "UINT8", "uint16": "UINT16", "uint32": "UINT32",
                "uint64": "UINT64", "bool": "BOOL"}
TYPES_HINT = ("The workbench's form sends string, double, float, long, integer and boolean columns, or one numeric "
              "tensor: save the model with a signature of those (mlflow.models.infer_signature on a DataFrame).")


def signature_part(mlmodel: dict[str, Any], part: str, where: str) -> list[dict[str, Any]] | None:
    """``inputs``, ``outputs`` or ``params`` of an MLmodel's signature (JSON text in the YAML), None when absent."""
    signature = mlmodel.get("signature")
    text = signature.get(part) if isinstance(signature, dict) else None
    if not text:
        return None
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        raise SchemaError(f"The signature of {where} cannot be read ({part} is not JSON).") from None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else None


def example_path(mlmodel: dict[str, Any]) -> str | None:
    """Where the MLmodel's input example is, relative to the model's folder (None when it has none)."""
    info = mlmodel.get("saved_input_example_info")
    path = info.get("artifact_path") if isinstance(info, dict) else None
    return str(path) if path else None


def example_frame(data: bytes | None) -> pd.DataFrame | None:
    """An input example file as rows (a DataFrame example, or a 2-D array one), None when it is neither."""
    if data is None:
        return None
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    if isinstance(doc, dict) and "dataframe_split" in doc:
        doc = doc["dataframe_split"]
    if isinstance(doc, dict) and isinstance(doc.get("columns"), list) and isinstance(doc.get("data"), list):
        return pd.DataFrame(doc["data"], columns=[str(c) for c in doc["columns"]])
    rows = doc.get("inputs") if isinstance(doc, dict) else doc
    if isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows):
        frame = pd.DataFrame(rows)
        return frame.set_axis([f"x{i}" for i in range(frame.shape[1])], axis=1)
    if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
        return pd.DataFrame(rows)
    return None


def signature_features(specs: list[dict[str, Any]], where: str, *, reference: pd.DataFrame | None = None,
                       example: pd.DataFrame | None = None) -> list[Feature]:
    """The form's inputs from a signature's input specs (no defaults yet: ``with_default``)."""
    tensors = [s for s in specs if s.get("type") == "tensor"]
    if not tensors:
        return [_column_feature(s, i, where) for i, s in enumerate(specs)]
    if len(specs) > 1:
        raise SchemaError(f"The signature of {where} takes {len(specs)} tensors; the form sends one.")
    spec = tensors[0]
    tensor = spec.get("tensor-spec") or {}
    dtype = str(tensor.get("dtype") or "float64")
    if dtype not in TENSOR_TYPES:
        raise SchemaError(f"The signature of {where} takes a tensor of {dtype}, which the form cannot send.")
    datatype = TENSOR_TYPES[dtype]
    shape = [int(d) for d in tensor.get("shape") or [-1]]
    if not spec.get("name") and len(shape) <= 2:
        width = shape[1] if len(shape) == 2 else 1
        names = _column_names(width, reference, example)
        kind = FeatureKind.NUMBER if datatype.startswith("FP") else \
            FeatureKind.BOOLEAN if datatype == "BOOL" else FeatureKind.INTEGER
        return [Feature(name=n, kind=kind, datatype=datatype) for n in names]
    if any(d < 1 for d in shape[1:]):
        raise SchemaError(f"The signature of {where} takes a tensor of shape {shape}; the form needs every size "
                          "but the first fixed.")
    return [Feature(name=str(spec.get("name") or "input-0"), kind=FeatureKind.TENSOR, datatype=datatype,
                    shape=tuple(shape[1:]) or (1,))]


def with_default(feature: Feature, example: pd.DataFrame | None) -> Feature:
    """``feature`` with the input example's first value as its default (a tensor keeps none)."""
    if example is None or example.empty or feature.name not in example.columns or feature.is_tensor:
        return feature
    value = example[feature.name].iloc[0]
    if pd.isna(value):
        return feature
    value = value.item() if hasattr(value, "item") else value
    if feature.kind in (FeatureKind.TEXT, FeatureKind.CATEGORY):
        value = str(value)
    return replace(feature, default=value)


def from_mlmodel(mlmodel: dict[str, Any], example: pd.DataFrame | None, where: str) -> ModelSchema:
    """The inputs an MLmodel's signature declares, each with the example's value as default; an empty schema when
    it has no signature. Outputs are left to the server that serves the model (their names are the wire's)."""
    specs = signature_part(mlmodel, "inputs", where)
    if not specs:
        return ModelSchema((), (), source="none")
    features = [with_default(f, example) for f in signature_features(specs, where, example=example)]
    return ModelSchema(tuple(features), (), source=SOURCE)


def _column_feature(spec: dict[str, Any], index: int, where: str) -> Feature:
    name = str(spec.get("name") or f"input-{index}")
    kind_type = spec.get("type")
    if kind_type not in COLUMN_TYPES:
        raise SchemaError(f"Input '{name}' of {where} is of MLflow type {kind_type}, which the workbench's form "
                          "cannot send.")
    kind, datatype = COLUMN_TYPES[str(kind_type)]
    return Feature(name=name, kind=kind, datatype=datatype, required=bool(spec.get("required", True)))


def _column_names(width: int, reference: pd.DataFrame | None, example: pd.DataFrame | None) -> list[str]:
    """A matrix's columns by the names the reference rows (or the example) give them, else x0, x1..."""
    for frame in (reference, example):
        if frame is not None and frame.shape[1] == width:
            return [str(c) for c in frame.columns]
    return [f"x{i}" for i in range(width)]
