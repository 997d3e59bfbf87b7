"""The common small response read in plain Python, exactly as ``mds_client``'s codecs read it.

The sink reads thousands of one-row answers a second; through the codecs each costs a dozen small
numpy calls (asarray, reshape, argmax, tolist), more than the rest of the event. ``fast_rows`` gives
the same ``RowOutput``s (label, value, probabilities, confidence) for Seldon v1 ``data.ndarray`` /
``data.tensor`` and V2 ``outputs`` of flat ``data`` lists, and ``None`` for anything else (nested
V2 data, bools, None, mixed strings and numbers, FP16, more than 256 values, empty, a shape that does
not fit): then the caller takes the codec path, which also says what is wrong with a malformed body.
``tests/logsink/test_fast_decode.py`` checks both paths agree over generated bodies.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from mds_client import ModelSchema

# (flat values, shape, kind): kind "f" float, "i" integer, "s" str in a numpy str array, "o" str in an
# object array (V2 BYTES); only "f" matters to the codecs' guesses, the rest keeps the types apart.
_Array = tuple[list[Any], tuple[int, ...], str]
_Row = tuple[Any, float | None, dict[str, float] | None, float | None]

_SMALL = 256  # looks_like_probabilities' plain-Python limit; above it numpy sums, which may round apart
_EXACT_INT = 2**53  # ints numpy and float() turn into the same double
_INT_RANGE = {"INT8": 2**7, "INT16": 2**15, "INT32": 2**31, "INT64": 2**63}
_UINT_RANGE = {"UINT8": 2**8, "UINT16": 2**16, "UINT32": 2**32, "UINT64": 2**64}
_GUESSED = object()


class _Unsupported(Exception):
    """Not a shape this module reads: the codec path decides."""


def fast_rows(body: dict[str, Any], protocol: str, schema: ModelSchema) -> list[_Row] | None:
    """(label, value, probabilities, confidence) per instance of a small Seldon v1 or V2 answer, as
    ``response_rows`` makes its ``RowOutput``s; None when the codec path must read it."""
    try:
        if protocol == "v2":
            arrays, n_rows, names = _v2_arrays(body), _v2_rows_count(body), None
        elif protocol == "seldon":
            arrays, n_rows, names = _seldon_arrays(body, schema)
        else:
            return None
        return _interpret(arrays, schema, n_rows, names)
    except (_Unsupported, TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError):
        return None


def _seldon_arrays(body: dict[str, Any], schema: ModelSchema) -> tuple[dict[str, _Array], int, list[str]]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise _Unsupported
    names = [str(n) for n in data.get("names") or []]
    if "ndarray" in data:
        matrix = data["ndarray"]
        if not isinstance(matrix, list) or not matrix:
            raise _Unsupported
        n_rows = len(matrix)
        if all(type(r) is list for r in matrix):
            width = len(matrix[0])
            if not width or any(len(r) != width for r in matrix):
                raise _Unsupported
            flat = [v for r in matrix for v in r]
        else:
            width, flat = 1, matrix  # 1-D: the codec reshapes it to one column
        values, kind = _inferred(flat)
        array: _Array = (values, (n_rows, width), kind)
    elif "tensor" in data:
        tensor = data["tensor"]
        shape = _shape(tensor["shape"])
        values = [_number(v) for v in tensor["values"]]
        if len(values) > _SMALL or len(shape) not in (1, 2) or math.prod(shape) != len(values) or not values:
            raise _Unsupported
        n_rows = shape[0]
        array = (values, (shape[0], shape[1] if len(shape) == 2 else 1), "f")
    else:
        raise _Unsupported
    output_name = schema.outputs[0].name if len(schema.outputs) == 1 else "data"
    return {output_name: array}, n_rows, names


def _v2_arrays(body: dict[str, Any]) -> dict[str, _Array]:
    outputs = body.get("outputs")
    if not isinstance(outputs, list) or not outputs:
        raise _Unsupported
    arrays: dict[str, _Array] = {}
    for out in outputs:
        if not isinstance(out, dict) or "name" not in out or "data" not in out:
            raise _Unsupported
        datatype = str(out.get("datatype") or "").upper()
        data = out["data"]
        if type(data) is not list or not data:
            raise _Unsupported
        values, kind = _typed(data, datatype)
        shape = _shape(out.get("shape") or [])
        if shape and math.prod(shape) == len(values):
            if len(shape) > 2:
                raise _Unsupported
        else:
            shape = [len(values)]  # the codec keeps data as it came when the shape does not fit it
        arrays[str(out["name"])] = (values, tuple(shape), kind)
    return arrays


def _v2_rows_count(body: dict[str, Any]) -> int:
    first = body["outputs"][0]
    shape = first.get("shape") or []
    return int(shape[0]) if shape else len(first.get("data") or [])


def _shape(shape: Any) -> list[int]:
    if type(shape) is not list or any(type(s) is not int or s <= 0 for s in shape):
        raise _Unsupported
    return shape


def _inferred(values: list[Any]) -> tuple[list[Any], str]:
    """What ``np.asarray(values).tolist()`` gives for a flat list, and its kind."""
    if len(values) > _SMALL:
        raise _Unsupported
    types = {type(v) for v in values}
    if types == {float}:
        return values, "f"
    if types == {int}:
        if any(not -2**63 <= v < 2**63 for v in values):
            raise _Unsupported
        return values, "i"
    if types == {int, float}:
        return [_number(v) for v in values], "f"
    if types == {str}:
        if any(v.endswith("\x00") for v in values):  # numpy's str arrays drop trailing NULs
            raise _Unsupported
        return values, "s"
    raise _Unsupported  # bools, None, nested lists, strings among numbers: numpy's own rules


def _typed(values: list[Any], datatype: str) -> tuple[list[Any], str]:
    """What the V2 codec's ``np.asarray(data, dtype=...)`` holds, as plain values."""
    if len(values) > _SMALL:
        raise _Unsupported
    if datatype == "BYTES":
        if any(type(v) is not str for v in values):
            raise _Unsupported
        return values, "o"
    if datatype == "FP64":
        return [_number(v) for v in values], "f"
    if datatype == "FP32":  # the double nearest the float32: what float32.tolist() gives
        return [struct.unpack("f", struct.pack("f", _number(v)))[0] for v in values], "f"
    bound = _INT_RANGE.get(datatype)
    low, high = (-bound, bound) if bound else (0, _UINT_RANGE.get(datatype, 0))
    if high:
        if any(type(v) is not int or not low <= v < high for v in values):
            raise _Unsupported
        return values, "i"
    if datatype in ("BOOL", "FP16"):
        raise _Unsupported
    return _inferred(values)  # no or an unknown datatype: numpy infers one


def _number(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int and -_EXACT_INT < value < _EXACT_INT:
        return float(value)
    raise _Unsupported


def _interpret(arrays: dict[str, _Array], schema: ModelSchema, n_rows: int, names: list[str] | None) -> list[_Row]:
    """``mds_client.codecs.base.interpret`` followed by ``response_rows``' per-row step."""
    if n_rows <= 0:
        raise _Unsupported
    by_name = {}
    if schema.outputs:
        by_name = {o.name: o for o in schema.outputs}
        by_name.update({o.wire_name: o for o in schema.outputs if o.wire_name})
    kinds: dict[str, tuple[str, tuple[str, ...]]] = {}
    first: dict[str, str] = {}  # kind -> the first output of that kind, as interpret's next(...) finds it
    for name, array in arrays.items():
        out = by_name.get(name)
        kinds[name] = (out.kind, out.class_names) if out is not None else _guess(array, schema, names)
    for name, (kind, _) in kinds.items():
        first.setdefault(kind, name)
    class_names = schema.class_names
    proba_rows = proba_names = None
    proba_name = first.get("proba")
    if proba_name is not None:
        values, _, kind = arrays[proba_name]
        if kind not in ("f", "i") or len(values) % n_rows:
            raise _Unsupported
        width = len(values) // n_rows
        if kind == "i":
            values = [float(v) for v in values]
        proba_rows = [values] if n_rows == 1 else [values[i * width:(i + 1) * width] for i in range(n_rows)]
        names_for = kinds[proba_name][1] or class_names or tuple(names or ())
        proba_names = [str(c) for c in names_for] if len(names_for) == width else [str(i) for i in range(width)]
    label_name, value_name = first.get("label"), first.get("value")
    values_out = None
    if label_name is not None:
        names_for = kinds[label_name][1] or class_names
        labels = [_class_name(v, names_for) for v in _flat(arrays[label_name], n_rows)]
    elif proba_rows is not None:
        labels = [proba_names[_argmax(row)] for row in proba_rows]
    elif value_name is not None:
        if arrays[value_name][2] not in ("f", "i"):
            raise _Unsupported
        values_out = [float(v) for v in _flat(arrays[value_name], n_rows)]
        labels = list(values_out)
    else:
        values, shape, _ = next(iter(arrays.values()))
        if shape[0] != n_rows:
            raise _Unsupported
        labels = values if len(shape) == 1 else [values[i * shape[1]:(i + 1) * shape[1]] for i in range(n_rows)]
    rows = []
    for i, label in enumerate(labels):
        probs = confidence = None
        if proba_rows is not None:
            probs = {k: v for k, v in zip(proba_names, proba_rows[i], strict=True)}
            confidence = max(probs.values())
        value = values_out[i] if values_out is not None else None
        if type(label) is float and label != label:
            label = None
        rows.append((label, value, probs, confidence))
    return rows


def _guess(array: _Array, schema: ModelSchema, names: list[str] | None) -> tuple[str, tuple[str, ...]]:
    """``_guess_output``: a 2-D float matrix whose rows sum to 1 is probabilities."""
    values, shape, kind = array
    if len(shape) == 2 and _looks_like_probabilities(values, shape, kind):
        return "proba", schema.class_names or tuple(names or ())
    if len(shape) == 1 or shape[1] == 1:
        return ("value" if kind == "f" else "label"), ()
    return "tensor", ()


def _looks_like_probabilities(values: list[Any], shape: tuple[int, ...], kind: str) -> bool:
    if shape[1] < 2 or kind != "f":
        return False
    rows = [values] if shape[0] == 1 else [values[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]
    # the very expression mds_client.prediction.looks_like_probabilities evaluates on small matrices
    if min(min(r) for r in rows) < -1e-9 or max(max(r) for r in rows) > 1 + 1e-9:
        return False
    return all(abs(sum(r) - 1.0) <= 1e-3 + 1e-5 for r in rows)


def _flat(array: _Array, n_rows: int) -> list[Any]:
    values, _, _ = array
    if len(values) != n_rows:  # the codec then reads rows of lists: its path
        raise _Unsupported
    return values


def _argmax(row: list[float]) -> int:
    """numpy's argmax: the first NaN if any, else the first largest."""
    best = 0
    for j, v in enumerate(row):
        if v != v:
            return j
        if v > row[best]:
            best = j
    return best


def _class_name(value: Any, class_names: tuple[str, ...]) -> Any:
    if class_names and type(value) is int and 0 <= value < len(class_names):
        return class_names[value]
    if class_names and type(value) is float and value.is_integer() and 0 <= int(value) < len(class_names):
        return class_names[int(value)]
    return value
