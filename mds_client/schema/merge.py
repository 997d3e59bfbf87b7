"""Merge the schemas a model's sources give into one, and give outputs their wire names.

``resolve`` takes the most specific non-empty schema and fills in facts it lacks from the
others; bounds travel with where they came from (declared limits vs observed ranges).
``map_wire_names`` ties each output to the name the serving model itself declares: a catalog
schema may rename and describe an output, never change what goes on the wire.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mds_client.schema.model import Feature, FeatureKind, ModelSchema, Output

_FILLABLE = ("step", "default", "description", "unit", "datatype")


def resolve(candidates: list[ModelSchema], server_outputs: tuple[Output, ...] | None = None) -> ModelSchema:
    """The most specific non-empty schema, with facts it lacks filled from the others.

    ``server_outputs`` are the outputs the serving model's own V2 metadata declares (default: the
    first V2-metadata candidate's); output wire names come only from them.
    """
    usable = [c for c in candidates if not c.is_empty]
    # Like output wire names, how the model takes a request comes from its own V2 metadata only.
    content_type = next((c.request_content_type for c in candidates if c.source == "v2-metadata"), "")
    params = next((c.params for c in candidates if c.source == "v2-metadata"), ())
    if not usable:
        outputs = next((c.outputs for c in candidates if c.outputs), ())
        if server_outputs is None:
            server_outputs = next((c.outputs for c in candidates if c.source == "v2-metadata"), ())
        return ModelSchema((), map_wire_names(outputs, server_outputs), source="none",
                           request_content_type=content_type, params=params)
    base, rest = usable[0], usable[1:]
    features = []
    for feature in base.features:
        for other in rest:
            try:
                feature = _fill(feature, other.feature(feature.name))
            except KeyError:
                continue
        features.append(feature)
    outputs = base.outputs or next((c.outputs for c in rest if c.outputs), ())
    outputs = tuple(_fill_output(o, rest) for o in outputs)
    if server_outputs is None:
        server_outputs = next((c.outputs for c in candidates if c.source == "v2-metadata"), ())
    outputs = map_wire_names(outputs, server_outputs)
    messagetype = base.messagetype or next((c.messagetype for c in rest if c.messagetype), "")
    return replace(base, features=tuple(features), outputs=outputs, messagetype=messagetype,
                   request_content_type=content_type, params=params)


def _fill(feature: Feature, other: Feature) -> Feature:
    updates: dict[str, Any] = {}
    for name in _FILLABLE:
        if getattr(feature, name) in (None, "") and getattr(other, name) not in (None, ""):
            updates[name] = getattr(other, name)
    if not feature.wire_shape and other.wire_shape:
        updates["wire_shape"] = other.wire_shape  # how the server wants it sent, whoever describes it
    if feature.minimum is None and feature.maximum is None and (other.minimum, other.maximum) != (None, None):
        # Bounds travel together with where they came from: observed ranges stay warnings.
        updates.update(minimum=other.minimum, maximum=other.maximum, bounds_declared=other.bounds_declared)
    if not feature.categories and other.categories and feature.kind in (FeatureKind.CATEGORY, FeatureKind.TEXT):
        updates["categories"] = other.categories
        updates["kind"] = FeatureKind.CATEGORY
        if not feature.category_labels:
            updates["category_labels"] = other.category_labels
    return replace(feature, **updates) if updates else feature


_SERVER_KIND_NAMES = {"proba": ("predict_proba",), "label": ("predict",), "value": ("predict",)}


def map_wire_names(outputs: tuple[Output, ...], server: tuple[Output, ...]) -> tuple[Output, ...]:
    """Give each output the name the server declared for it, or none.

    Matched by name first, then by kind (a PROBA response onto the server's probability output,
    a label or value onto its ``predict``). An output the server does not declare gets no wire
    name, so no request ever asks the server for a name it does not know.
    """
    declared = {o.name: o for o in server}
    mapped = []
    for out in outputs:
        target = declared.get(out.name) or next((s for s in server if s.kind == out.kind), None)
        if target is None:
            target = next((declared[n] for n in _SERVER_KIND_NAMES.get(out.kind, ()) if n in declared), None)
        wire = target.name if target is not None else ""
        mapped.append(out if out.wire_name == wire else replace(out, wire_name=wire))
    return tuple(mapped)


def _fill_output(output: Output, others: list[ModelSchema]) -> Output:
    if output.class_names:
        return output
    for other in others:
        names = other.class_names
        if names:
            return replace(output, class_names=names)
    return output
