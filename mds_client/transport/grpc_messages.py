"""The V2 gRPC messages (``inference.GRPCInferenceService``) and the V2 JSON bodies they stand for.

The messages are the Open Inference Protocol's ``grpc_service.proto`` (the part the workbench calls: health,
metadata, ModelInfer), described below as a table and built at first use in a private descriptor pool. No
generated ``_pb2`` module: generated code pins the protobuf runtime it was generated for (protoc 5 code refuses
protobuf 7, the app's), and the private pool cannot clash with MLServer's or tritonclient's own copy of the file.

``encode_infer`` turns a V2 request body (the dict a codec writes, numpy arrays or lists) into a
``ModelInferRequest`` whose tensors go in ``raw_input_contents`` (little-endian bytes, BYTES elements each behind a
4-byte length): one copy of a numpy buffer instead of a repeated field of Python numbers. ``decode_infer`` turns a
``ModelInferResponse`` back into the dict REST would have answered (``raw_output_contents`` or typed contents), so
the same codec decodes both.
"""

from __future__ import annotations

import functools
import struct
from types import SimpleNamespace
from typing import Any

import numpy as np

from mds_client.codecs.base import NUMPY_DTYPE

_PARAMETERS = ("parameters", "map:InferParameter")
# message name -> fields (name, type); "repeated:" and "map:" prefixes; scalar types as in the .proto.
_MESSAGES: dict[str, list[tuple[str, str]]] = {
    "ServerLiveRequest": [],
    "ServerLiveResponse": [("live", "bool")],
    "ServerReadyRequest": [],
    "ServerReadyResponse": [("ready", "bool")],
    "ModelReadyRequest": [("name", "string"), ("version", "string")],
    "ModelReadyResponse": [("ready", "bool")],
    "ServerMetadataRequest": [],
    "ServerMetadataResponse": [("name", "string"), ("version", "string"), ("extensions", "repeated:string")],
    "ModelMetadataRequest": [("name", "string"), ("version", "string")],
    "TensorMetadata": [("name", "string"), ("datatype", "string"), ("shape", "repeated:int64"), _PARAMETERS],
    "ModelMetadataResponse": [("name", "string"), ("versions", "repeated:string"), ("platform", "string"),
                              ("inputs", "repeated:TensorMetadata"), ("outputs", "repeated:TensorMetadata"),
                              _PARAMETERS],
    "InferInputTensor": [("name", "string"), ("datatype", "string"), ("shape", "repeated:int64"), _PARAMETERS,
                         ("contents", "InferTensorContents")],
    "InferRequestedOutputTensor": [("name", "string"), _PARAMETERS],
    "ModelInferRequest": [("model_name", "string"), ("model_version", "string"), ("id", "string"), _PARAMETERS,
                          ("inputs", "repeated:InferInputTensor"), ("outputs", "repeated:InferRequestedOutputTensor"),
                          ("raw_input_contents", "repeated:bytes")],
    "InferOutputTensor": [("name", "string"), ("datatype", "string"), ("shape", "repeated:int64"), _PARAMETERS,
                          ("contents", "InferTensorContents")],
    "ModelInferResponse": [("model_name", "string"), ("model_version", "string"), ("id", "string"), _PARAMETERS,
                           ("outputs", "repeated:InferOutputTensor"), ("raw_output_contents", "repeated:bytes")],
    "InferTensorContents": [("bool_contents", "repeated:bool"), ("int_contents", "repeated:int32"),
                            ("int64_contents", "repeated:int64"), ("uint_contents", "repeated:uint32"),
                            ("uint64_contents", "repeated:uint64"), ("fp32_contents", "repeated:float"),
                            ("fp64_contents", "repeated:double"), ("bytes_contents", "repeated:bytes")],
}
# The real .proto nests TensorMetadata and the tensors in their messages; the wire does not know names, only
# field numbers, so top-level messages with the same numbers are the same bytes.
_PARAMETER_FIELDS = [("bool_param", "bool"), ("int64_param", "int64"), ("string_param", "string"),
                     ("double_param", "double"), ("uint64_param", "uint64")]

METHODS = ("ServerLive", "ServerReady", "ModelReady", "ServerMetadata", "ModelMetadata", "ModelInfer")
SERVICE = "inference.GRPCInferenceService"

# V2 datatype -> the typed contents field (for answers that use contents instead of raw bytes).
_CONTENTS = {"BOOL": "bool_contents", "INT8": "int_contents", "INT16": "int_contents", "INT32": "int_contents",
             "INT64": "int64_contents", "UINT8": "uint_contents", "UINT16": "uint_contents",
             "UINT32": "uint_contents", "UINT64": "uint64_contents", "FP32": "fp32_contents",
             "FP64": "fp64_contents", "BYTES": "bytes_contents"}


@functools.cache
def messages() -> SimpleNamespace:
    """Every message class by name (``messages().ModelInferRequest``), built once."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    scalar = descriptor_pb2.FieldDescriptorProto
    types = {"bool": scalar.TYPE_BOOL, "string": scalar.TYPE_STRING, "bytes": scalar.TYPE_BYTES,
             "int32": scalar.TYPE_INT32, "int64": scalar.TYPE_INT64, "uint32": scalar.TYPE_UINT32,
             "uint64": scalar.TYPE_UINT64, "float": scalar.TYPE_FLOAT, "double": scalar.TYPE_DOUBLE}
    file = descriptor_pb2.FileDescriptorProto(name="mds_grpc_service.proto", package="inference", syntax="proto3")
    parameter = file.message_type.add(name="InferParameter")
    parameter.oneof_decl.add(name="parameter_choice")
    for number, (name, kind) in enumerate(_PARAMETER_FIELDS, start=1):
        parameter.field.add(name=name, number=number, type=types[kind], label=scalar.LABEL_OPTIONAL, oneof_index=0)
    for message_name, fields in _MESSAGES.items():
        message = file.message_type.add(name=message_name)
        for number, (name, kind) in enumerate(fields, start=1):
            repeated = kind.startswith(("repeated:", "map:"))
            kind = kind.split(":", 1)[-1]
            label = scalar.LABEL_REPEATED if repeated else scalar.LABEL_OPTIONAL
            if name == "parameters":  # map<string, InferParameter>: a nested entry message
                entry = message.nested_type.add(name="ParametersEntry")
                entry.options.map_entry = True
                entry.field.add(name="key", number=1, type=scalar.TYPE_STRING, label=scalar.LABEL_OPTIONAL)
                entry.field.add(name="value", number=2, type=scalar.TYPE_MESSAGE, label=scalar.LABEL_OPTIONAL,
                                type_name=".inference.InferParameter")
                message.field.add(name=name, number=number, type=scalar.TYPE_MESSAGE, label=label,
                                  type_name=f".inference.{message_name}.ParametersEntry")
            elif kind in types:
                message.field.add(name=name, number=number, type=types[kind], label=label)
            else:
                message.field.add(name=name, number=number, type=scalar.TYPE_MESSAGE, label=label,
                                  type_name=f".inference.{kind}")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return SimpleNamespace(**{name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"inference.{name}"))
                              for name in ("InferParameter", *_MESSAGES)})


# -- V2 JSON body -> ModelInferRequest ------------------------------------------------------------------------------
def encode_infer(body: dict[str, Any], *, model: str, version: str = "", raw: bool = True) -> Any:
    """The ``ModelInferRequest`` for a V2 request body; ValueError naming the input that cannot be encoded.

    ``raw=False`` writes each tensor into its typed ``contents`` field instead (one protobuf value per element): the
    same answers; which one a server reads faster is ``GrpcTransport.sends_raw``'s choice. A datatype with no
    contents field (FP16) sends the whole request raw (the protocol does not mix the two)."""
    m = messages()
    request = m.ModelInferRequest(model_name=model, model_version=version, id=str(body.get("id") or ""))
    _set_parameters(request.parameters, body.get("parameters"))
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ValueError("a V2 request needs a non-empty 'inputs' list")
    raw = raw or any(isinstance(i, dict) and str(i.get("datatype") or "").upper() not in _CONTENTS for i in inputs)
    for item in inputs:
        if not isinstance(item, dict) or not item.get("name") or not item.get("datatype"):
            raise ValueError("every V2 input needs a name, a datatype, a shape and data")
        datatype = str(item["datatype"]).upper()
        tensor = request.inputs.add(name=str(item["name"]), datatype=datatype,
                                    shape=[int(s) for s in item.get("shape") or []])
        _set_parameters(tensor.parameters, item.get("parameters"))
        data, count = _raw_bytes(item.get("data"), datatype, tensor.name)
        expected = int(np.prod(tensor.shape)) if all(s >= 0 for s in tensor.shape) else count
        if count != expected:
            raise ValueError(f"input '{tensor.name}' has {count} value{'s' * (count != 1)} for its shape "
                             f"{list(tensor.shape)} ({expected} values)")
        if raw:
            request.raw_input_contents.append(data)
        else:
            getattr(tensor.contents, _CONTENTS[datatype]).extend(_typed(data, datatype))
    for output in body.get("outputs") or []:
        if isinstance(output, dict) and output.get("name"):
            _set_parameters(request.outputs.add(name=str(output["name"])).parameters, output.get("parameters"))
    return request


def _raw_bytes(data: Any, datatype: str, name: str) -> tuple[bytes, int]:
    """The tensor's bytes as ``raw_input_contents`` holds them, and how many values they are."""
    if datatype == "BYTES":
        values = data.reshape(-1).tolist() if isinstance(data, np.ndarray) else list(_flat(data))
        return b"".join(struct.pack("<I", len(b)) + b for b in map(_as_bytes, values)), len(values)
    dtype = NUMPY_DTYPE.get(datatype)
    if dtype is None:
        raise ValueError(f"input '{name}' has the datatype {datatype}, which the gRPC transport cannot send")
    try:
        array = np.asarray(data if isinstance(data, np.ndarray) else list(_flat(data)), dtype=np.dtype(dtype))
    except (TypeError, ValueError):
        raise ValueError(f"input '{name}' holds values that are not {datatype}") from None
    return array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes(), array.size


def _typed(raw: bytes, datatype: str) -> list[Any]:
    """The values of a tensor's raw bytes as its typed contents field takes them (Python values, BYTES as bytes)."""
    if datatype != "BYTES":
        return np.frombuffer(raw, dtype=np.dtype(NUMPY_DTYPE[datatype]).newbyteorder("<")).tolist()
    values, offset = [], 0
    while offset + 4 <= len(raw):
        (size,) = struct.unpack_from("<I", raw, offset)
        values.append(raw[offset + 4: offset + 4 + size])
        offset += 4 + size
    return values


def _flat(data: Any) -> Any:
    for value in data if isinstance(data, list | tuple) else [data]:
        if isinstance(value, list | tuple):
            yield from _flat(value)
        else:
            yield value


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return ("" if value is None else str(value)).encode("utf-8")


def _set_parameters(target: Any, parameters: Any) -> None:
    """Scalar parameters only, as the protocol's ``InferParameter`` allows (a list or a mapping has no field)."""
    for key, value in (parameters or {}).items() if isinstance(parameters, dict) else ():
        if isinstance(value, bool):
            target[key].bool_param = value
        elif isinstance(value, int):
            target[key].int64_param = value
        elif isinstance(value, float):
            target[key].double_param = value
        elif isinstance(value, str):
            target[key].string_param = value


# -- answers -> the V2 JSON documents REST gives ---------------------------------------------------------------------
def parameters_doc(parameters: Any) -> dict[str, Any]:
    return {key: getattr(value, value.WhichOneof("parameter_choice")) for key, value in parameters.items()
            if value.WhichOneof("parameter_choice")}


def decode_infer(response: Any) -> dict[str, Any]:
    """The V2 response document of a ``ModelInferResponse``: numeric data as numpy arrays, BYTES as text."""
    doc: dict[str, Any] = {"model_name": response.model_name}
    if response.model_version:
        doc["model_version"] = response.model_version
    if response.id:
        doc["id"] = response.id
    if response.parameters:
        doc["parameters"] = parameters_doc(response.parameters)
    raw = list(response.raw_output_contents)
    outputs = []
    for tensor in response.outputs:
        out: dict[str, Any] = {"name": tensor.name, "shape": list(tensor.shape), "datatype": tensor.datatype}
        if tensor.parameters:
            out["parameters"] = parameters_doc(tensor.parameters)
        field = _CONTENTS.get(tensor.datatype.upper(), "")
        contents = getattr(tensor.contents, field) if field and tensor.HasField("contents") else []
        if len(contents):
            out["data"] = _from_contents(contents, tensor.datatype.upper())
        elif raw:
            out["data"] = _from_raw(raw.pop(0), tensor.datatype.upper(), tensor.name)
        else:
            out["data"] = []
        outputs.append(out)
    doc["outputs"] = outputs
    return doc


def _from_contents(contents: Any, datatype: str) -> Any:
    if datatype == "BYTES":
        return [value.decode("utf-8", "replace") for value in contents]
    return np.asarray(contents, dtype=NUMPY_DTYPE.get(datatype))


def _from_raw(raw: bytes, datatype: str, name: str) -> Any:
    if datatype == "BYTES":
        return [value.decode("utf-8", "replace") for value in _typed(raw, datatype)]
    dtype = NUMPY_DTYPE.get(datatype)
    if dtype is None:
        raise ValueError(f"output '{name}' has the datatype {datatype}, which the workbench cannot read")
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))


def tensor_metadata_doc(tensor: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": tensor.name, "datatype": tensor.datatype, "shape": list(tensor.shape)}
    if tensor.parameters:
        doc["parameters"] = parameters_doc(tensor.parameters)
    return doc


def metadata_doc(response: Any) -> dict[str, Any]:
    """``GET /v2/models/<m>``'s document from a ``ModelMetadataResponse``."""
    doc: dict[str, Any] = {"name": response.name, "versions": list(response.versions), "platform": response.platform,
                           "inputs": [tensor_metadata_doc(t) for t in response.inputs],
                           "outputs": [tensor_metadata_doc(t) for t in response.outputs]}
    if response.parameters:
        doc["parameters"] = parameters_doc(response.parameters)
    return doc
