"""A model's inference parameters: the params of an MLflow signature (``ParamSchema``), sent beside the rows.

MLflow models may take params at predict time (``predict(data, params={"threshold": 0.7})``), each with a type and
a default. The published MLflow runtime lists them in its V2 metadata (model-level ``parameters.params``, in
MLflow's own ``ParamSpec.to_dict()`` shape); a V2 request carries the values a person chose in its ``parameters``,
which MLServer's MLflow runtime hands to ``predict(params=...)``. A param left out takes its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mds_client.errors import InputError

PARAM_TYPES = ("string", "boolean", "double", "float", "long", "integer", "datetime")
"""MLflow's param types (``mlflow.types.DataType`` names that a ParamSpec may have)."""


@dataclass(frozen=True)
class Param:
    """One inference parameter: its name, MLflow type, default, and shape (None: one value; ``(-1,)``: a list)."""

    name: str
    type: str
    default: Any = None
    shape: tuple[int, ...] | None = None

    @property
    def is_scalar(self) -> bool:
        return self.shape is None

    def value(self, given: Any) -> Any:
        """``given`` as the JSON value of this param's type; an ``InputError`` naming the param otherwise. A list
        param takes a list, or text of comma-separated elements (``0.5, 1.5``), each checked as its type."""
        if not self.is_scalar:
            items = list(given) if isinstance(given, list | tuple) else [
                part.strip() for part in str(given).split(",") if part.strip()]
            one = Param(self.name, self.type)
            try:
                return [one.value(item) for item in items]
            except InputError:
                raise InputError(f"Parameter '{self.name}': {given!r} is not a list of {self.type} values "
                                 "(write them separated by commas).") from None
        try:
            if self.type in ("double", "float"):
                return float(given)
            if self.type in ("long", "integer"):
                if isinstance(given, float) and not given.is_integer():
                    raise ValueError(given)
                return int(given)
            if self.type == "boolean":
                if isinstance(given, str) and given.lower() in ("true", "false"):
                    return given.lower() == "true"
                if isinstance(given, bool):
                    return given
                raise ValueError(given)
        except (TypeError, ValueError):
            raise InputError(f"Parameter '{self.name}': {given!r} is not a {self.type} value.") from None
        return str(given)


def params_from_metadata(specs: Any) -> tuple[Param, ...]:
    """The params a V2 metadata's ``parameters.params`` lists (MLflow's ParamSpec dicts); () when none."""
    if not isinstance(specs, list):
        return ()
    found = []
    for spec in specs:
        if not isinstance(spec, dict) or not spec.get("name") or spec.get("type") not in PARAM_TYPES:
            continue
        shape = spec.get("shape")
        found.append(Param(str(spec["name"]), str(spec["type"]), spec.get("default"),
                           tuple(int(d) for d in shape) if isinstance(shape, list) else None))
    return tuple(found)


def chosen_parameters(params: tuple[Param, ...], given: dict[str, Any]) -> dict[str, Any]:
    """The request's ``parameters`` for the values in ``given`` that differ from their param's default (a value
    left at its default is not sent: the model fills it in); an ``InputError`` for a name the model does not take."""
    by_name = {p.name: p for p in params}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        raise InputError(f"The model takes no parameter {', '.join(repr(n) for n in unknown)}"
                          + (f"; it takes {', '.join(by_name)}." if by_name else "; it takes none."))
    chosen = {name: by_name[name].value(value) for name, value in given.items() if value is not None}
    return {name: value for name, value in chosen.items() if value != by_name[name].default}
