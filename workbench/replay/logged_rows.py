"""Logged calls as rows a target can be sent: their inputs in the target's columns, their logged answers
beside them, and every call that cannot be sent, with the reason why.

A logged instance is sent again only when it has both halves: the inputs of its request event and the
answer of its response event. A call that failed when it was logged, a half that never arrived, or inputs
that lack one of the target's columns are skipped and counted, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from mds_client import FeatureKind, ModelSchema
from workbench.store.traffic import LoggedRow

CLASS, VALUE = "class", "value"
"""What a model answers: a class name (classifiers) or a number (regression)."""

CALL_COLUMNS = ["request_id", "row_index", "source", "time", "logged", "logged_confidence"]

FAILED_WHEN_LOGGED = "the logged call failed, so there is no answer to compare"
NO_ANSWER = "no answer was logged (the response event never arrived)"
NO_INPUTS = "no inputs were logged (the request event never arrived)"
NOT_A_RECORD = "the logged inputs are not a record of features"
NOT_A_NUMBER = "the logged answer is not a number"


@dataclass(frozen=True)
class LoggedRows:
    inputs: pd.DataFrame
    """One row per call that can be sent, in the target's columns (``columns``)."""
    calls: pd.DataFrame
    """The same rows' ``CALL_COLUMNS``: which call, when, and what was answered then."""
    skipped: list[tuple[str, str]]
    """(request id, reason) of every call that is not sent."""


def answer_kind(schema: ModelSchema, calls: list[LoggedRow]) -> str:
    """``VALUE`` for a regression (the schema says so, or the log holds numbers), else ``CLASS``."""
    if schema.task in ("classification", "regression"):
        return VALUE if schema.task == "regression" else CLASS
    answered = [c for c in calls if c.status == "ok"]
    with_value = sum(1 for c in answered if c.value is not None)
    return VALUE if answered and with_value * 2 > len(answered) else CLASS


def input_columns(schema: ModelSchema, calls: list[LoggedRow]) -> list[str]:
    """The target's columns; with no schema, the keys of the first logged record."""
    if not schema.is_empty:
        return schema.table_columns()
    first = next((c.inputs for c in calls if isinstance(c.inputs, dict)), {})
    return [str(k) for k in first]


def read_logged(calls: list[LoggedRow], columns: list[str], kind: str, schema: ModelSchema) -> LoggedRows:
    """Split ``calls`` into rows to send (inputs and logged answers) and calls skipped with their reason."""
    tensor = schema.tensor_feature
    tensor_columns = schema.tensor_columns(tensor) if tensor is not None else []
    wanted = set(columns)
    take = itemgetter(*columns) if len(columns) > 1 else (lambda row: tuple(row[c] for c in columns))
    values: list[tuple[Any, ...]] = []
    kept: list[tuple[Any, ...]] = []
    skipped: list[tuple[str, str]] = []
    for source, request_id, row_index, ts, inputs, label, value, confidence, status in calls:
        reason = _unanswered(status, label, value)
        if reason is None and isinstance(inputs, dict) and tensor is not None and tensor.name in inputs:
            inputs = _flat_tensor(inputs[tensor.name], tensor_columns)
            reason = None if inputs is not None else f"the logged {tensor.name} does not have the shape the target takes"
        if reason is None:
            reason = _unreadable(inputs, wanted)
        logged = label
        if reason is None and kind == VALUE:
            logged = _number(value if value is not None else label)
            reason = NOT_A_NUMBER if logged is None else None
        if reason is not None:
            skipped.append((request_id, reason))
            continue
        values.append(take(inputs))
        kept.append((request_id, row_index, source, ts, logged, confidence))
    frame = pd.DataFrame.from_records(values, columns=columns) if values else pd.DataFrame(columns=columns)
    sent = pd.DataFrame.from_records(kept, columns=CALL_COLUMNS)
    sent["time"] = pd.to_datetime(sent["time"].astype(float), unit="s", utc=True)
    return LoggedRows(frame, sent, skipped)


def _unanswered(status: str, label: Any, value: Any) -> str | None:
    if status == "error":
        return FAILED_WHEN_LOGGED
    if status != "ok" or (label is None and value is None):
        return NO_ANSWER
    return None


def _unreadable(inputs: Any, wanted: set[str]) -> str | None:
    if inputs is None:
        return NO_INPUTS
    if not isinstance(inputs, dict):
        return NOT_A_RECORD
    if wanted.issubset(inputs.keys()):
        return None
    missing = sorted(wanted - inputs.keys())
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return f"the logged inputs lack {', '.join(missing[:3])}{more}"


def _flat_tensor(value: Any, columns: list[str]) -> dict[str, Any] | None:
    try:
        flat = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None
    return dict(zip(columns, flat.tolist(), strict=True)) if flat.size == len(columns) else None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def feature_kinds(schema: ModelSchema, frame: pd.DataFrame) -> dict[str, str]:
    """Per column, how a change can concentrate on it: ``number`` or ``category`` (tensors are left out)."""
    kinds: dict[str, str] = {}
    if schema.tensor_feature is not None:
        return kinds  # pixels one by one say nothing a person can act on
    for column in frame.columns:
        feature = schema.feature_or_none(str(column)) if not schema.is_empty else None
        if feature is not None and feature.is_tensor:
            continue
        if feature is not None:
            number = feature.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER)
        else:  # no schema: the column's own type says
            number = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
        kinds[str(column)] = "number" if number else "category"
    return kinds
