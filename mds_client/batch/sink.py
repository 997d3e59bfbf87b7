"""The interface every batch output implements, and the checkpoint it stores with each chunk.

``output`` holds the file sinks and picks a sink for a target; ``table`` the database sink.

    MDSError
    └── OutputError      the output cannot be written (changed since the checkpoint, database gone)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import pandas as pd

from mds_client.errors import MDSError

ROW_COLUMN = "input_row"
DB_RETRY_FOR_S = 60.0
"""How long a chunk keeps retrying while the output database is unreachable before the job fails."""

Checkpoint = dict[str, Any]


class OutputError(MDSError):
    hint = "Check the output location and run again with resume: no row committed so far is lost."


class OutputSink(ABC):
    """Receives scored chunks in input order; each ``write`` is durable before it returns."""

    name: str

    @abstractmethod
    def begin(self, *, resume: bool) -> Checkpoint | None:
        """Prepare for writing; with ``resume``, the last committed checkpoint (None: start afresh)."""

    @abstractmethod
    def write(self, frame: pd.DataFrame, checkpoint: Checkpoint) -> None:
        """Store these rows and the checkpoint that follows them, as one step."""

    def finish(self) -> None:  # noqa: B027 - most sinks have nothing to publish
        """The job is complete: drop the progress markers and publish the result."""

    def checkpoint(self) -> Checkpoint | None:
        """The last committed checkpoint, without preparing anything (None: nothing committed)."""
        return None

    def close(self) -> None:  # noqa: B027 - only sinks holding connections need it
        """Release connections; the sink may still be used again."""
