"""Reading a document a server or a file sent about a model: its parts checked for shape, so that a string
where an object belongs or a number where a list does is a ``SchemaError`` naming the document, never a
crash. Used by the parsers in ``schema_sources``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mds_client.errors import SchemaError
from mds_client.schema.model import ModelSchema


def document(what: str) -> Callable[[Callable[..., ModelSchema]], Callable[..., ModelSchema]]:
    """A parser of a document a server or a file sent: a part of the wrong shape (a string where an object
    belongs, a number where a list does) is a ``SchemaError`` naming the document, never a crash."""

    def wrap(parse: Callable[..., ModelSchema]) -> Callable[..., ModelSchema]:
        @functools.wraps(parse)
        def parsed(doc: Any) -> ModelSchema:
            try:
                return parse(doc)
            except SchemaError:
                raise
            except (TypeError, AttributeError, ValueError, KeyError, IndexError, OverflowError) as exc:
                raise SchemaError(f"The {what} has a part of an unexpected shape ({type(exc).__name__}: "
                                  f"{str(exc)[:120]}).") from None
        return parsed

    return wrap


def items(value: Any, what: str) -> list[Any]:
    if value is None or value == [] or value == {}:
        return []
    if not isinstance(value, list):
        raise SchemaError(f"{what} must be a list, not a JSON {type(value).__name__}.")
    return value


def mapping(value: Any, what: str) -> dict[Any, Any]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise SchemaError(f"{what} must be an object, not a JSON {type(value).__name__}.")
    return value


def as_int(value: Any, what: str) -> int:
    # Seldon's schema tooling writes n_categories and shapes as strings at times.
    try:
        return int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{what}: {value!r} is not a whole number") from exc


def as_shape(value: Any, what: str) -> tuple[int, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip().strip("[]()")
        parts = [p for p in text.replace(" ", "").split(",") if p]
        return tuple(as_int(p, what) for p in parts)
    if isinstance(value, (int, float)):
        return (as_int(value, what),)
    return tuple(as_int(v, what) for v in value)


MAX_TENSOR_CELLS = 1 << 20   # a form or a CSV row of a million cells is already more than anyone fills in


def form_shape(shape: tuple[int, ...], what: str) -> tuple[int, ...]:
    """The shape of one input's instance, checked for what a form and a CSV row need: fixed sizes.

    A variable dimension (-1) inside an instance, a size below 1 or more than ``MAX_TENSOR_CELLS`` cells is a
    ``SchemaError`` saying so: the model stays callable with a payload written by hand, it has no form.
    """
    for dim in shape:
        if dim == -1:
            raise SchemaError(f"{what}: {list(shape)} has a variable dimension (-1), so the workbench cannot lay "
                              "the input out as a form or as CSV columns. Declare a fixed shape in the "
                              "catalog's schema for this model, or send a payload written by hand.")
        if dim < 1:
            raise SchemaError(f"{what}: {dim} in {list(shape)} is not a size (sizes are whole numbers from 1).")
    cells = 1
    for dim in shape:
        cells *= dim
        if cells > MAX_TENSOR_CELLS:
            raise SchemaError(f"{what}: {list(shape)} is more than {MAX_TENSOR_CELLS:,} values per row, too many "
                              "for a form or a CSV row.")
    return shape


def instance_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Drop the batch dimension and trailing 1s: [-1, 8, 8] -> (8, 8); [-1, 1] -> ()."""
    dims = list(shape[1:]) if shape and shape[0] in (-1, 0, None) else list(shape)
    while dims and dims[-1] == 1:
        dims.pop()
    return tuple(dims)
