"""A Triton model's configuration, where its V2 metadata is not enough: ``GET /v2/models/NAME/config``.

The metadata gives each tensor's shape; only the configuration says whether a leading -1 is a batch
dimension (``max_batch_size`` > 0: Triton adds it to ``dims``) or a variable length of one instance
(``max_batch_size: 0``: the model takes no batch dimension, one row per request), how many rows one
request may carry (``max_batch_size``), and which output has a label file (``label_filename``: Triton
names its classes when asked with the classification extension). Only Triton serves this document;
any other server answers 404, and its models have no ``ModelConfig``.

    config = model_config(client, ref)          # None: not Triton, or it did not answer
    config.rows_per_request                     # 64, or 1 without batching
    schema = with_model_config(schema, config)  # rows per request; labelled outputs asked for by class name
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from mds_client.errors import MDSError
from mds_client.refs import ModelRef
from mds_client.schema.model import ModelSchema
from mds_client.transport.sessions import NO_RETRY, Timeout

CONFIG_TIMEOUT_S = (2.0, 5.0)
"""Connect and read timeouts of the one GET a job makes for the configuration."""


@dataclass(frozen=True)
class TensorConfig:
    """One input or output as the configuration declares it; ``dims`` without the batch dimension."""

    name: str
    datatype: str = ""
    dims: tuple[int, ...] = ()
    label_filename: str = ""


@dataclass(frozen=True)
class ModelConfig:
    name: str
    max_batch_size: int = 0
    inputs: tuple[TensorConfig, ...] = ()
    outputs: tuple[TensorConfig, ...] = ()

    @property
    def batched(self) -> bool:
        """Whether the model takes a batch dimension (Triton puts it before ``dims``)."""
        return self.max_batch_size > 0

    @property
    def rows_per_request(self) -> int:
        """The most rows one request may carry: ``max_batch_size``, or one for a model without batching."""
        return self.max_batch_size if self.batched else 1

    def wire_shape(self, tensor: TensorConfig) -> tuple[int, ...]:
        """The V2 shape of ``tensor``: ``[-1, *dims]`` with a batch dimension, ``dims`` as declared without."""
        return (-1, *tensor.dims) if self.batched else tensor.dims

    @property
    def labelled_outputs(self) -> tuple[TensorConfig, ...]:
        """The outputs whose classes are named by a label file."""
        return tuple(o for o in self.outputs if o.label_filename)


def read_model_config(doc: Any) -> ModelConfig | None:
    """Triton's configuration document as a ``ModelConfig``; None for anything else."""
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        return None
    try:
        max_batch = int(doc.get("max_batch_size") or 0)
    except (TypeError, ValueError):
        return None
    return ModelConfig(name=doc["name"], max_batch_size=max(0, max_batch),
                       inputs=tuple(_tensor(t) for t in _list(doc.get("input"))),
                       outputs=tuple(_tensor(t) for t in _list(doc.get("output"))))


def model_config(client: Any, ref: ModelRef) -> ModelConfig | None:
    """The configuration ``ref``'s server gives, or None: not a V2 REST model, not Triton, or no answer.

    ``client`` is an ``MDSClient``; one GET without retries (a server without this document answers 404 at once).
    """
    transport = getattr(client, "transport", None)
    if ref.protocol != "v2" or getattr(ref, "transport", "rest") == "grpc" or transport is None:
        return None
    try:
        response = transport.send("GET", ref.metadata_url + "/config", headers=ref.headers, model=ref.name,
                                         retry=NO_RETRY, timeout=Timeout(*CONFIG_TIMEOUT_S))
        return read_model_config(response.json(model=ref.name))
    except MDSError:
        return None


def with_model_config(schema: ModelSchema, config: ModelConfig | None) -> ModelSchema:
    """``schema`` with what the configuration adds: the rows one request may carry (``rows_per_request``: one for a
    model without batching, whose ``[-1]`` inputs are lengths), and an output with a label file asked for with
    Triton's classification extension, its classes named by the server (``Output.classification``)."""
    if config is None:
        return schema
    schema = replace(schema, rows_per_request=config.rows_per_request)
    if not config.labelled_outputs:
        return schema
    counts = {o.name: math.prod(o.dims) for o in config.labelled_outputs if o.dims and all(d > 0 for d in o.dims)}
    outputs = tuple(replace(o, classification=counts[o.wire_name]) if o.wire_name in counts else o
                    for o in schema.outputs)
    return replace(schema, outputs=outputs)


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _tensor(spec: dict[str, Any]) -> TensorConfig:
    dims: tuple[int, ...] = ()
    try:
        dims = tuple(int(d) for d in spec.get("dims") or ())
    except (TypeError, ValueError):
        dims = ()
    datatype = str(spec.get("data_type") or "")
    return TensorConfig(name=str(spec.get("name") or ""), datatype=datatype.removeprefix("TYPE_"), dims=dims,
                        label_filename=str(spec.get("label_filename") or ""))
