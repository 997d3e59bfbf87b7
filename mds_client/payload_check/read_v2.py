"""Read a V2 (Open Inference Protocol) request into rows, noting every wire mistake on the way.

The mistakes people make most (from MLServer's and KServe's trackers): shape that does not match
the data, data nested instead of flat, BYTES without ``content_type: str`` (most codecs then
hand the model bytes; MLServer 1.7's pd codec happens to read text), several inputs without the request-level
``content_type: pd``, a datatype other than the one the model declares (FP32 for an INT64 feature), a shape other
than the one the model declares ([n] for Triton's [-1, 1]), strings in a numeric tensor. Where servers differ, how
much a finding weighs depends on which server the model runs on (``server_rules``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mds_client.codecs.base import NUMPY_DTYPE
from mds_client.payload_check.report import Finding
from mds_client.payload_check.server_rules import refuses, severity
from mds_client.schema.model import Feature, ModelSchema
from mds_client.server_info import ServerInfo

V2_DATATYPES = (*NUMPY_DTYPE, "BYTES")
_FAMILY = {"BOOL": "bool", "BYTES": "bytes", "FP16": "float", "FP32": "float", "FP64": "float"}


def family(datatype: str) -> str:
    return _FAMILY.get(datatype, "int" if datatype.startswith(("INT", "UINT")) else "?")


def read_v2(doc: dict[str, Any], schema: ModelSchema, findings: list[Finding],
            server: ServerInfo | None = None) -> pd.DataFrame | None:
    server = server or ServerInfo()
    inputs = doc.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        findings.append(Finding("error", "$.inputs", "'inputs' must be a non-empty list of tensors.",
                                "Send one input per feature: {\"name\", \"shape\", \"datatype\", \"data\"}.", "inputs"))
        return None
    columns: dict[str, np.ndarray] = {}
    tensor = schema.tensor_feature
    request_type = str(((doc.get("parameters") or {}).get("content_type")) or "")
    for i, spec in enumerate(inputs):
        path = f"$.inputs[{i}]"
        if not isinstance(spec, dict):
            findings.append(Finding("error", path, f"inputs[{i}] is not an object.", "Each input is {\"name\", \"shape\", \"datatype\", \"data\"}."))
            continue
        values = _read_input(spec, path, schema, findings, server)
        if values is None:
            continue
        name = str(spec.get("name"))
        _check_declared_shape(spec, path, schema.feature_or_none(name), server, findings)
        if tensor is not None and (name == tensor.name or len(inputs) == 1):
            n = int(values.shape[0]) if values.ndim > 1 else 1
            flat = values.reshape(n, -1)
            cols = schema.tensor_columns(tensor)
            if flat.shape[1] != len(cols):
                findings.append(Finding("error", f"{path}.shape", f"{name}: each instance has {flat.shape[1]} values; "
                                        f"the model's {tensor.name} has {len(cols)} (shape {list(tensor.shape)}).",
                                        f"Send shape [n, {', '.join(map(str, tensor.shape))}].", tensor.name))
                return None
            return pd.DataFrame(flat, columns=cols)
        if values.ndim == 2 and values.shape[1] == len(schema.features) > 1 and len(inputs) == 1:
            findings.append(Finding("info", path, f"{name}: one 2-D tensor of {values.shape[1]} columns, read as the "
                                    f"model's features in order ({', '.join(schema.names[:3])}, ...).", "", name))
            return pd.DataFrame(values, columns=schema.names)
        if values.ndim > 1 and values.shape[1:] != (1,) * (values.ndim - 1):
            findings.append(Finding("error", f"{path}.shape", f"{name}: shape {list(values.shape)} is not one value per row.",
                                    f"Send {name} as shape [n] (one value per row).", name))
            continue
        columns[name] = values.reshape(-1)
    if not columns:
        return None
    lengths = {name: len(v) for name, v in columns.items()}
    if len(set(lengths.values())) > 1:
        most = max(set(lengths.values()), key=list(lengths.values()).count)
        odd = [n for n, size in lengths.items() if size != most]
        findings.append(Finding("error", "$.inputs", f"Columns have different lengths: {', '.join(f'{n} has {lengths[n]}' for n in odd)}, "
                                f"the others {most}.", "Give every input one value per row.", odd[0]))
        return None
    weight = severity("inputs_without_pd", server)
    if len(columns) > 1 and request_type != "pd" and tensor is None and weight is not None:
        findings.append(Finding(weight, "$.parameters.content_type", f"{len(columns)} inputs without the request-level "
                                "content_type 'pd': MLServer cannot join them into one table for the model"
                                + ("." if server.family == "mlserver" else " (Triton and KServe take them as they are)."),
                                "Add \"parameters\": {\"content_type\": \"pd\"} at the top of the request.", "content_type"))
    return pd.DataFrame(columns)


def _check_declared_shape(spec: dict[str, Any], path: str, feature: Feature | None, server: ServerInfo,
                          findings: list[Finding]) -> None:
    """The input's shape against the one the model declares (-1: any size), for the servers that check it."""
    weight = severity("declared_shape", server)
    shape = spec.get("shape")
    if weight is None or feature is None or not feature.wire_shape or not isinstance(shape, list):
        return
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        return  # said by _read_input
    declared = list(feature.wire_shape)
    if len(shape) == len(declared) and all(d == -1 or d == s for d, s in zip(declared, shape, strict=True)):
        return
    rows = shape[0] if shape and feature.batched else 1
    expected = feature.wire_dims(rows)
    name = feature.name
    findings.append(Finding(weight, f"{path}.shape", f"{name}: shape {shape}, but the model declares {declared} "
                            f"(-1: any size), and {refuses(server)} refuses any other.",
                            f"Send shape {expected}.", name))


def _read_input(spec: dict[str, Any], path: str, schema: ModelSchema, findings: list[Finding],
                server: ServerInfo) -> np.ndarray | None:
    missing = [key for key in ("name", "shape", "datatype", "data") if key not in spec]
    name = str(spec.get("name", f"inputs[{path[9:-1]}]"))
    if missing:
        findings.append(Finding("error", path, f"{name}: the input has no {', '.join(missing)}.",
                                "Every V2 input needs name, shape, datatype and data.", name))
        if "data" not in spec or "name" not in spec:
            return None
    datatype = str(spec.get("datatype") or "").upper()
    if "datatype" in spec and datatype not in V2_DATATYPES:
        findings.append(Finding("error", f"{path}.datatype", f"{name}: datatype {spec.get('datatype')!r} is not a V2 datatype.",
                                f"Use one of {', '.join(('FP64', 'FP32', 'INT64', 'BOOL', 'BYTES'))}.", name))
    data = spec["data"]
    if not isinstance(data, list):
        data = [data]
    flat, nested = _flatten(data)
    weight = severity("nested_data", server)
    if nested and weight is not None:
        findings.append(Finding(weight, f"{path}.data", f"{name}: data is nested lists; the protocol sends it flat, "
                                "in row-major order (MLServer and Triton accept both).",
                                f"Send \"data\": {_preview(flat)} with the shape saying the dimensions.", name))
    shape = spec.get("shape")
    dims: list[int] | None = None
    if isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        dims = list(shape)
        expected = math.prod(dims) if dims else 1
        if expected != len(flat):
            fix = f"Set shape to [{len(flat)}]" if len(dims) <= 1 else f"Send {expected} values or fix the shape"
            findings.append(Finding("error", f"{path}.shape", f"{name}: shape {dims} says {expected} values, data has {len(flat)}.",
                                    f"{fix}.", name))
            dims = None
    elif "shape" in spec:
        findings.append(Finding("error", f"{path}.shape", f"{name}: shape must be a list of whole numbers, got {shape!r}.",
                                f"Set shape to [{len(flat)}].", name))
    feature = schema.feature_or_none(name)
    strings = any(isinstance(v, str) for v in flat)
    if datatype == "BYTES":
        content = str((spec.get("parameters") or {}).get("content_type") or "")
        weight = severity("bytes_without_str", server)
        if content != "str" and strings and weight is not None:
            findings.append(Finding(weight, f"{path}.parameters.content_type", f"{name}: BYTES input without "
                                    "parameters.content_type 'str': MLServer 1.7's pd codec reads it as text, but "
                                    "other codecs and runtimes hand the model bytes (b'...').",
                                    "Add \"parameters\": {\"content_type\": \"str\"} to this input.", name))
    elif datatype in NUMPY_DTYPE and strings:
        sample = next(v for v in flat if isinstance(v, str))
        findings.append(Finding("error", f"{path}.data", f"{name}: {sample!r} is text in a {datatype} tensor.",
                                "Send numbers unquoted, or use datatype BYTES with content_type 'str' for text.", name))
    if feature is not None and feature.datatype and datatype in V2_DATATYPES and datatype != feature.datatype:
        same = family(datatype) == family(feature.datatype)
        weight = severity("datatype_in_family", server) if same else "error"
        refused = f" ({refuses(server)} refuses it)" if weight == "error" and same else ""
        findings.append(Finding(weight or "warning", f"{path}.datatype",
                                f"{name}: sent as {datatype}, the model declares {feature.datatype}{refused}.",
                                f"Send datatype {feature.datatype}" + ("." if same else
                                f" ({_what(feature.datatype)})."), name))
    array = np.asarray(flat, dtype=object)
    if dims and len(dims) > 1:
        array = array.reshape(dims)
    return array


def _flatten(data: list[Any]) -> tuple[list[Any], bool]:
    if not any(isinstance(v, list) for v in data):
        return data, False
    out: list[Any] = []
    stack = [iter(data)]
    while stack:  # iterative: nesting is already bounded, but no recursion at all is cheaper still
        for value in stack[-1]:
            if isinstance(value, list):
                stack.append(iter(value))
                break
            out.append(value)
        else:
            stack.pop()
    return out, True


def _preview(values: list[Any]) -> str:
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values[:4])
    return f"[{shown}{', ...' if len(values) > 4 else ''}]".replace("'", '"')


def _what(datatype: str) -> str:
    return {"int": "whole numbers", "float": "numbers", "bool": "true/false", "bytes": "text, with content_type 'str'"}.get(
        family(datatype), datatype)
