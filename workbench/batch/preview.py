"""A file's preview before a batch job starts: its first rows, the cells the model's schema refuses and why.

The check is the one the job makes (``ModelSchema.validate`` on the mapped columns), so the rows counted bad
here are the rows the job will reject. Rows are numbered as in the file (1 = the first data row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mds_client import ModelSchema
from mds_client.batch.inputs import READING_WORDS, READINGS, NumberReading, count_rows, read_chunks, sniff_numbers

PREVIEW_ROWS = 20
"""Rows drawn as a table."""
CHECK_ROWS = 500
"""Rows checked for bad cells before Start (the job checks every row)."""


@dataclass(frozen=True)
class BadCell:
    row: int
    """The file's data row, 1 = the first."""
    column: str
    """The file's column name (before mapping)."""
    value: str
    reason: str


@dataclass(frozen=True)
class FilePreview:
    head: pd.DataFrame
    """The first ``PREVIEW_ROWS`` rows as read, with the file's column names."""
    bad_cells: list[BadCell] = field(default_factory=list)
    checked: int = 0
    good: int = 0
    bad: int = 0
    total: int | None = None
    """Data rows in the whole file (an estimate for text files), None when unknown."""
    numbers: NumberReading = READINGS["point"]

    def counts_words(self) -> str:
        of = f"the first {self.checked:,} of {self.total:,} rows" if self.total and self.total > self.checked \
            else f"all {self.checked:,} rows" if self.checked != 1 else "the only row"
        if not self.bad:
            return f"Checked {of}: every one fits the model's inputs."
        return (f"Checked {of}: {self.good:,} {'fits' if self.good == 1 else 'fit'} the model's inputs, {self.bad:,} "
                f"{'has' if self.bad == 1 else 'have'} bad cells.")


BAD_ROWS_WORDS = ("Rows with a bad cell are not sent to the model: the results list each one with its reason "
                  "(status rejected), and every other row is scored. Fix them in the file and score it again, "
                  "or map a different column.")


def reading_of(path: Path | str, choice: str | None = None) -> NumberReading:
    """How the file's numbers are read: a person's ``choice`` (a ``READINGS`` key), else what the file says."""
    found = sniff_numbers(path)
    if choice is None or choice == found.key or choice not in READINGS:
        return found
    return READINGS[choice].explained(f"Numbers are read as chosen: {READING_WORDS[choice]}.")


def preview_file(path: Path | str, schema: ModelSchema, column_map: dict[str, str] | None = None, *,
                 numbers: NumberReading | None = None, rows: int = CHECK_ROWS) -> FilePreview:
    """The first rows of ``path`` and every bad cell among its first ``rows`` (raises ``InputError``)."""
    numbers = numbers or reading_of(path)
    frame = next(iter(read_chunks(Path(path), rows, numbers=numbers)), pd.DataFrame())
    mapping = {src: dst for src, dst in (column_map or {}).items() if src in frame.columns}
    back = {dst: src for src, dst in mapping.items()}
    renamed = frame.rename(columns=mapping).reset_index(drop=True)
    cells = []
    for err in schema.validate(renamed) if not schema.is_empty else []:
        if err.row < 0:
            continue  # a missing column: the column plan says so
        column = back.get(err.column, err.column)
        value = frame[column].iat[err.row] if column in frame.columns else ""
        cells.append(BadCell(err.row + 1, str(column), "" if _missing(value) else str(value), err.message))
    bad = len({c.row for c in cells})
    try:
        total = count_rows(path)
    except (OSError, ValueError):
        total = None
    return FilePreview(frame.head(PREVIEW_ROWS), cells, len(frame), len(frame) - bad, bad, total, numbers)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def write_with_reading(source: Path, target: Path, numbers: NumberReading) -> None:
    """``source`` written again as a comma-separated file with decimal points, read with ``numbers``: what a
    job reads when a person chose another reading than the file's own (so a resume reads it the same)."""
    first = True
    for chunk in read_chunks(source, numbers=numbers):
        chunk.to_csv(target, mode="w" if first else "a", header=first, index=False)
        first = False
