"""Read a Seldon v1 message (or a bare JSON table) into rows, noting every mistake on the way.

Seldon's forms: ``data`` with ``names`` and ``ndarray`` (rows) or ``tensor`` (``shape`` + flat
``values``), ``jsonData`` (records, columns, or ``{names, ndarray}``), ``strData``, ``binData``.
The usual mistakes: ``names`` that do not match the row width or the model's features, a flat
``ndarray`` instead of a list of rows, numbers sent as strings, mixed strings and numbers in one
``ndarray`` (Seldon's Python wrapper turns the whole array into strings), a tensor whose shape
does not match its values, ``binData`` that is not base64.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np
import pandas as pd

from mds_client.payload_check.report import Finding
from mds_client.schema.model import FeatureKind, ModelSchema

_NUMERIC = (FeatureKind.NUMBER, FeatureKind.INTEGER)


def read_seldon(doc: dict[str, Any], schema: ModelSchema, findings: list[Finding]) -> pd.DataFrame | None:
    if isinstance(doc.get("data"), dict):
        return _read_data(doc["data"], schema, findings)
    if "data" in doc:
        findings.append(Finding("error", "$.data", "'data' must be an object holding names and ndarray (or tensor).",
                                "Send {\"data\": {\"names\": [...], \"ndarray\": [[...]]}}.", "data"))
        return None
    if "jsonData" in doc:
        return read_table(doc["jsonData"], schema, findings, "$.jsonData")
    if "strData" in doc:
        if not isinstance(doc["strData"], str):
            findings.append(Finding("error", "$.strData", "strData must be one string.", "Send the text as a JSON string.", "strData"))
            return None
        return pd.DataFrame({_text_name(schema): [doc["strData"]]})
    try:
        raw = base64.b64decode(str(doc["binData"]), validate=True)
    except (binascii.Error, ValueError):
        findings.append(Finding("error", "$.binData", "binData is not base64.", "Encode the bytes with base64 (no line breaks).", "binData"))
        return None
    return pd.DataFrame({_text_name(schema): [raw]})


def _text_name(schema: ModelSchema) -> str:
    return schema.features[0].name if len(schema.features) == 1 else "text"


def _read_data(data: dict[str, Any], schema: ModelSchema, findings: list[Finding]) -> pd.DataFrame | None:
    names = data.get("names")
    if "tensor" in data:
        rows = _tensor_rows(data["tensor"], findings)
        where = "$.data.tensor.values"
    elif "ndarray" in data:
        rows, where = data["ndarray"], "$.data.ndarray"
        if not isinstance(rows, list):
            findings.append(Finding("error", where, "ndarray must be a list of rows.", "Send [[v1, v2, ...], ...].", "ndarray"))
            return None
        if rows and not any(isinstance(r, list) for r in rows):
            findings.append(Finding("warning", where, "ndarray is one flat list; Seldon expects a list of rows.",
                                    "Wrap it in another list: [[...]] for one row.", "ndarray"))
            rows = [rows]
    else:
        findings.append(Finding("error", "$.data", "data has neither ndarray nor tensor.",
                                "Put the rows in data.ndarray ([[...], ...]).", "data"))
        return None
    if rows is None:
        return None
    widths = {len(r) if isinstance(r, list) else -1 for r in rows}
    if len(widths) > 1 or -1 in widths:
        findings.append(Finding("error", where, f"Rows have different lengths ({sorted(w for w in widths if w >= 0)}).",
                                "Give every row one value per feature.", "ndarray"))
        return None
    width = widths.pop() if widths else 0
    if schema.tensor_feature is not None and names is None:
        cols = schema.tensor_columns(schema.tensor_feature)
        if width == len(cols):
            return pd.DataFrame(rows, columns=cols)
    if names is not None:
        if not isinstance(names, list) or len(names) != width:
            count = len(names) if isinstance(names, list) else "no"
            findings.append(Finding("error", "$.data.names", f"data.names has {count} names but each row has {width} values.",
                                    "Give one name per column, in the order of the values.", "names"))
            return None
        columns = [str(n) for n in names]
    elif width == len(schema.features):
        columns = schema.names
        findings.append(Finding("info", "$.data", "No data.names: the values are read in the model's feature order.",
                                "Add \"names\" to make the order explicit.", "names"))
    else:
        findings.append(Finding("error", "$.data.names", f"No data.names and {width} values per row; the model has "
                                f"{len(schema.features)} features.", "Add \"names\" and one value per feature.", "names"))
        return None
    frame = pd.DataFrame(rows, columns=columns)
    _note_strings(frame, schema, findings, where)
    return frame


def _tensor_rows(tensor: Any, findings: list[Finding]) -> list[list[Any]] | None:
    if not isinstance(tensor, dict) or not isinstance(tensor.get("values"), list) or not isinstance(tensor.get("shape"), list):
        findings.append(Finding("error", "$.data.tensor", "tensor needs shape (a list) and values (a flat list).",
                                "Send {\"shape\": [rows, columns], \"values\": [...]}.", "tensor"))
        return None
    shape, values = tensor["shape"], tensor["values"]
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        findings.append(Finding("error", "$.data.tensor.shape", f"tensor.shape {shape} is not a list of whole numbers.",
                                f"Set shape to [1, {len(values)}] for one row.", "tensor"))
        return None
    if math.prod(shape) != len(values):
        findings.append(Finding("error", "$.data.tensor.shape", f"tensor.shape {shape} says {math.prod(shape)} values, "
                                f"values has {len(values)}.", "Make shape's product equal the number of values.", "tensor"))
        return None
    rows = shape[0] if shape else 1
    return np.asarray(values, dtype=object).reshape(rows, -1).tolist()


def _note_strings(frame: pd.DataFrame, schema: ModelSchema, findings: list[Finding], where: str) -> None:
    """Numbers sent as strings, and mixed rows that Seldon's wrapper will stringify."""
    has_text = False
    for j, col in enumerate(frame.columns):
        feature = schema.feature_or_none(str(col))
        values = frame[col].tolist()
        texts = [i for i, v in enumerate(values) if isinstance(v, str)]
        has_text = has_text or bool(texts)
        if feature is not None and feature.kind in _NUMERIC and texts:
            i = texts[0]
            findings.append(Finding("error", f"{where}[{i}][{j}]", f"{col}: {values[i]!r} is a string where the model wants a number.",
                                    f"Send {col} unquoted: {values[i].strip()}" if _is_number(values[i]) else f"Send a number for {col}.",
                                    str(col)))
    numbers = any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in frame.to_numpy(dtype=object).ravel())
    if has_text and numbers and where.startswith("$.data"):
        findings.append(Finding("warning", where, "Strings and numbers in one ndarray: Seldon's Python wrapper makes one "
                                "numpy array of it, so every value reaches the model as a string.",
                                "Send mixed rows as jsonData records: {\"jsonData\": [{\"feature\": value, ...}]}.", "ndarray"))


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def read_table(doc: Any, schema: ModelSchema, findings: list[Finding], where: str = "$") -> pd.DataFrame | None:
    """Records ``[{...}]``, one record ``{...}``, columns ``{"a": [..]}`` or ``{names, ndarray}``."""
    if isinstance(doc, dict) and "ndarray" in doc:
        return _read_data(doc, schema, findings)
    if isinstance(doc, list) and doc and all(isinstance(r, dict) for r in doc):
        return pd.DataFrame.from_records(doc)
    if isinstance(doc, dict) and doc and all(isinstance(v, list) for v in doc.values()):
        lengths = {k: len(v) for k, v in doc.items()}
        if len(set(lengths.values())) > 1:
            most = max(set(lengths.values()), key=list(lengths.values()).count)
            odd = [k for k, n in lengths.items() if n != most]
            findings.append(Finding("error", f"{where}.{odd[0]}", f"Columns have different lengths: {odd[0]} has "
                                    f"{lengths[odd[0]]} values, the others {most}.", "Give every column one value per row.", odd[0]))
            return None
        return pd.DataFrame(doc)
    if isinstance(doc, dict) and doc:
        return pd.DataFrame([doc])
    findings.append(Finding("error", where, "No rows found: expected records [{...}], columns {\"a\": [...]} or names + ndarray.",
                            "Send one record per row: [{\"feature\": value, ...}].", ""))
    return None
