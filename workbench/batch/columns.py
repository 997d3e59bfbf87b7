"""How a file's columns meet a model's features, checked on the file's first rows before any call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mds_client import ModelSchema
from mds_client.batch.inputs import NumberReading, read_chunks
from mds_client.schema.model import check_value

HEAD_ROWS = 200


@dataclass
class ColumnPlan:
    """How a file's columns meet the model's features, before any call."""

    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    wrongly_typed: dict[str, str] = field(default_factory=dict)
    """feature -> what is wrong, in plain words"""
    column_map: dict[str, str] = field(default_factory=dict)
    """file column -> feature (hand-made or matched by a loose name)"""

    @property
    def ok(self) -> bool:
        return not self.missing

    def messages(self) -> list[str]:
        out = []
        if self.missing:
            out.append(f"Missing: {', '.join(self.missing)}. Map a column of the file to each, or the job cannot run.")
        for name, why in self.wrongly_typed.items():
            out.append(f"{name} looks wrong: {why}. Those rows will be rejected.")
        if self.extra:
            out.append(f"Not used by the model (kept in the results): {', '.join(self.extra)}.")
        return out


def _loose(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def plan_columns(head: pd.DataFrame, schema: ModelSchema, column_map: dict[str, str] | None = None) -> ColumnPlan:
    """Match the file's columns to the schema: exact names, then the hand-made map, then loose names."""
    features = schema.table_columns()
    mapping = {src: dst for src, dst in (column_map or {}).items() if src in head.columns and dst in features}
    taken = set(mapping.values())
    for col in head.columns:
        if col in features and col not in mapping and col not in taken:
            taken.add(col)
    loose = {_loose(f): f for f in features if f not in taken}
    for col in head.columns:
        if col in mapping or col in features:
            continue
        target = loose.get(_loose(col))
        if target is not None and target not in taken:
            mapping[col] = target
            taken.add(target)
    renamed = head.rename(columns=mapping)
    matched = [f for f in features if f in renamed.columns]
    missing = schema.missing_columns(renamed)
    extra = [str(c) for c in head.columns if c not in mapping and c not in features]
    wrongly: dict[str, str] = {}
    for name in matched:
        feature = schema._feature_of_column(name)
        values = [v for v in renamed[name].tolist() if not (isinstance(v, float) and v != v)]
        problems = [m for m in (check_value(feature, v, column=name) for v in values) if m]
        if values and len(problems) > len(values) / 2:
            wrongly[name] = f"{len(problems)} of the first {len(values)} values do not fit ({problems[0]})"
    return ColumnPlan(matched, missing, extra, wrongly, mapping)


def read_head(path: Path | str, rows: int = HEAD_ROWS, *, numbers: NumberReading | None = None) -> pd.DataFrame:
    """The first rows of a file, its numbers read as ``numbers`` says (raises mds_client's InputError on unreadable
    files)."""
    return next(iter(read_chunks(Path(path), rows, numbers=numbers)), pd.DataFrame())
