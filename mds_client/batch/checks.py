"""What batch scoring checks before and while it runs: the columns a model needs, each row's problems, and
the checkpoint an unfinished job left (``load_state``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from mds_client.batch.output import open_output
from mds_client.batch.sink import OutputSink
from mds_client.errors import InputError
from mds_client.schema.model import ModelSchema


def check_columns(frame: pd.DataFrame, schema: ModelSchema) -> None:
    """Stop before any call when a required column is missing, naming it."""
    missing = schema.missing_columns(frame)
    if missing:
        have = ", ".join(map(str, frame.columns[:10]))
        raise InputError(
            f"The input lacks the column(s) {', '.join(missing)} that model needs (it has: {have}).",
            hint="Rename the columns or map them to the model's features.",
        )


def row_errors(frame: pd.DataFrame, schema: ModelSchema) -> list[str]:
    """Per row: '' when valid, else every problem in plain words, joined by '; '."""
    problems: list[list[str]] = [[] for _ in range(len(frame))]
    for err in schema.validate(frame):
        if err.row >= 0:
            problems[err.row].append(err.message)
    return ["; ".join(p) for p in problems]


@dataclass
class State:
    """The scorer's checkpoint; sinks store it with each chunk (file sinks add their own keys)."""

    rows_done: int = 0
    rows_scored: int = 0
    rows_rejected: int = 0
    columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

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
