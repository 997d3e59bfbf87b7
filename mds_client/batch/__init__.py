"""Batch scoring: a file in, results out, at the server's pace, resumable after a crash.

``scorer`` scores a file chunk by chunk with concurrent calls (``BatchScorer``, ``score_file``);
``inputs`` reads CSV, Parquet and JSON lines in chunks; ``checks`` checks columns and rows;
``output`` and ``table`` write results to a file or a database table behind the ``sink`` interface.
On a Dask cluster, ``dask_scoring`` splits the input into ``dask_partitions`` and joins them with
``dask_output``.
"""

from typing import Any

from mds_client.batch.scorer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_WORKERS,
    BatchProgress,
    BatchResult,
    BatchScorer,
    score_file,
)
from mds_client.batch.sink import OutputError, OutputSink

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_WORKERS",
    "BatchProgress",
    "BatchResult",
    "BatchScorer",
    "OutputError",
    "OutputSink",
    "score_file",
    "score_with_dask",
]


def __getattr__(name: str) -> Any:
    # The Dask path loads only for a Dask job (then distributed and dask, about a second of imports).
    if name == "score_with_dask":
        from mds_client.batch.dask_scoring import score_with_dask

        return score_with_dask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
