"""A model's input features: their kinds and the facts a form and a validator need."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FeatureKind(StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    CATEGORY = "category"
    BOOLEAN = "boolean"
    TEXT = "text"
    TENSOR = "tensor"
    IMAGE = "image"


TABULAR_KINDS = frozenset(
    {FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.CATEGORY, FeatureKind.BOOLEAN, FeatureKind.TEXT}
)

# V2 datatypes a feature kind travels as when nothing more specific is known.
DEFAULT_DATATYPE = {
    FeatureKind.NUMBER: "FP64",
    FeatureKind.INTEGER: "INT64",
    FeatureKind.CATEGORY: "BYTES",
    FeatureKind.BOOLEAN: "BOOL",
    FeatureKind.TEXT: "BYTES",
    FeatureKind.TENSOR: "FP32",
    FeatureKind.IMAGE: "FP32",
}


_INT_BITS = {f"{'U' if not signed else ''}INT{width}": (signed, width)
             for signed in (True, False) for width in (8, 16, 32, 64)}


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind
    datatype: str = ""
    """V2 datatype on the wire (FP64, INT64, BOOL, BYTES, ...); empty: from ``kind``."""
    shape: tuple[int, ...] = ()
    """Per-instance shape for tensors and images, e.g. (8, 8)."""
    wire_shape: tuple[int, ...] = ()
    """The shape the server declares for this input (V2 metadata), batch dimension included: (-1,), (-1, 1)
    (Triton's column with a batch dimension), (-1, 8, 8), or a fixed (2,) of a model without batching;
    () when no server said. The codecs send what it says (``wire_dims``)."""
    minimum: float | None = None
    maximum: float | None = None
    bounds_declared: bool = True
    """True: ``minimum``/``maximum`` are limits the schema declares (a value outside is an error).
    False: they are the range seen in reference data (a value outside is only a warning: the model
    can still score it, and drift monitoring must see it)."""
    step: float | None = None
    categories: tuple[Any, ...] = ()
    """Values sent on the wire, in order."""
    category_labels: dict[Any, str] = field(default_factory=dict)
    """Readable names for wire values (Seldon's category_map); the form shows these."""
    one_hot: bool = False
    """Sent as one 0/1 column per category (Seldon's ONE_HOT)."""
    default: Any = None
    description: str = ""
    unit: str = ""
    required: bool = True

    @property
    def wire_datatype(self) -> str:
        return self.datatype or DEFAULT_DATATYPE[self.kind]

    @property
    def wire_limits(self) -> tuple[int, int] | None:
        """The whole numbers the wire datatype holds (INT8: -128 to 127, UINT64: 0 to 2**64-1); None when the
        datatype is not an integer one. A value outside would be refused by the server, or wrapped round."""
        bits = _INT_BITS.get(self.wire_datatype.upper())
        if bits is None:
            return None
        signed, width = bits
        return (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2**width - 1)

    @property
    def missing_allowed(self) -> bool:
        """The schema allows a missing value here (not ``required``) and the wire can carry one: NaN (null in
        JSON) in a floating-point input, null in text. An input declared INT64 or BOOL has no missing value."""
        if self.required:
            return False
        if self.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.TENSOR, FeatureKind.IMAGE):
            return not self.datatype or self.datatype.upper().startswith("FP")
        return self.kind != FeatureKind.BOOLEAN

    @property
    def hard_minimum(self) -> float | None:
        return self.minimum if self.bounds_declared else None

    @property
    def hard_maximum(self) -> float | None:
        return self.maximum if self.bounds_declared else None

    @property
    def is_tensor(self) -> bool:
        return self.kind in (FeatureKind.TENSOR, FeatureKind.IMAGE)

    @property
    def batched(self) -> bool:
        """False when the server declared a fixed shape with no batch dimension (Triton's ``max_batch_size: 0``):
        such an input takes exactly one instance per request."""
        return not self.wire_shape or any(d < 1 for d in self.wire_shape)

    def wire_dims(self, n_rows: int) -> list[int]:
        """The shape an input of ``n_rows`` instances goes on the wire as.

        What the server declared, its batch dimension (-1) set to ``n_rows``: [n], [n, 1], [n, 8, 8]; a fixed
        shape without a batch dimension as it is (one instance). Without a declaration, or with one that does
        not fit this feature's values per instance, [n, *shape].
        """
        per_row = _product(self.shape) if self.is_tensor else 1
        plain = [n_rows, *self.shape] if self.is_tensor else [n_rows]
        declared = self.wire_shape
        if not declared:
            return plain
        if declared[0] == -1 and all(d >= 1 for d in declared[1:]) and _product(declared[1:]) == per_row:
            return [n_rows, *declared[1:]]
        if n_rows == 1 and all(d >= 1 for d in declared) and _product(declared) == per_row:
            return list(declared)
        return plain

    def label_of(self, value: Any) -> str:
        return self.category_labels.get(value, str(value))

    def value_of_label(self, label: str) -> Any:
        for value, name in self.category_labels.items():
            if name == label:
                return value
        return label


def _product(dims: tuple[int, ...]) -> int:
    out = 1
    for d in dims:
        out *= d
    return out
