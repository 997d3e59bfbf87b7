"""What batch scoring checks before and while it runs: the columns a model needs, its inference parameters, each
row's problems, and the checkpoint an unfinished job left (``load_state``) with the parameters it was scored with."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from mds_client.batch.output import open_output
from mds_client.batch.sink import OutputSink
from mds_client.errors import InputError
from mds_client.refs import ModelRef
from mds_client.schema.model import ModelSchema
from mds_client.schema.params import chosen_parameters


def check_columns(frame: pd.DataFrame, schema: ModelSchema) -> None:
    """Stop before any call when a required column is missing, naming it."""
    missing = schema.missing_columns(frame)
    if missing:
        have = ", ".join(map(str, frame.columns[:10]))
        raise InputError(
            f"The input lacks the column(s) {', '.join(missing)} that model needs (it has: {have}).",
            hint="Rename the columns or map them to the model's features.",
        )


def checked_parameters(ref: ModelRef, schema: ModelSchema, given: dict[str, Any] | None) -> dict[str, Any]:
    """The ``parameters`` every call of a job sends (typed, those differing from their defaults); an ``InputError``
    naming a wrong name or value, or a model that cannot take any over its protocol, before any row is read."""
    chosen = chosen_parameters(schema.params, given or {})
    if chosen and ref.protocol != "v2":
        raise InputError(f"Model '{ref.name}' takes no inference parameters over {ref.protocol}.")
    return chosen


def check_resumed_parameters(checkpoint: dict[str, Any] | None, chosen: dict[str, Any]) -> None:
    """Refuse to resume a job with other parameters than its rows so far were scored with (a checkpoint from before
    parameters were recorded is not checked)."""
    recorded = (checkpoint or {}).get("parameters")
    if recorded is None or recorded == chosen:
        return
    raise InputError(f"The unfinished job was scored with {_said(recorded)}, not {_said(chosen)}.",
                     hint="Resume with the same --param values, or start again without --resume.")


def _said(parameters: dict[str, Any]) -> str:
    if not parameters:
        return "the model's default parameters"
    return ", ".join(f"{name}={','.join(map(str, v)) if isinstance(v, list) else v}" for name, v in parameters.items())


def row_errors(frame: pd.DataFrame, schema: ModelSchema) -> list[str]:
    """Per row: '' when valid, else every problem in plain words, joined by '; '."""
    problems: dict[int, list[str]] = {}  # only the bad rows: most files have none
    for err in schema.validate(frame):
        if err.row >= 0:
            problems.setdefault(err.row, []).append(err.message)
    rows = [""] * len(frame)
    for row, messages in problems.items():
        rows[row] = "; ".join(messages)
    return rows


@dataclass
class State:
    """The scorer's checkpoint; sinks store it with each chunk (file sinks add their own keys)."""

    rows_done: int = 0
    rows_scored: int = 0
    rows_rejected: int = 0
    columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, Any] | None = None  # what every call sent (None: a checkpoint from before they were kept)

    @classmethod
    def of(cls, checkpoint: dict[str, Any] | None) -> State:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (checkpoint or {}).items() if k in known})


def load_state(output: Path | str | OutputSink) -> State | None:
    """The checkpoint of an unfinished job writing to ``output`` (None: none to resume)."""
    sink = open_output(output)
    try:
        checkpoint = sink.checkpoint()
    finally:
        sink.close()
    return None if checkpoint is None else State.of(checkpoint)
