"""The server's own rate: rows per second on one large request, measured once per model and kept.

A batch job's rows/s means little alone; against what the server does with one request of
``SAMPLE_ROWS`` rows (no chunking, no threads, no output) it says how much of the server's pace
the job gets. The sample is the job's own valid rows, repeated up to ``SAMPLE_ROWS``; one small
call first opens the connection so the figure is the server's, not the handshake's. A failed
measurement gives None: the page then shows rows/s alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd

from mds_client import MDSClient, MDSError, ModelRef, ModelSchema
from mds_client.batch.checks import row_errors
from mds_client.batch.inputs import read_chunks

SAMPLE_ROWS = 10_000
_CACHE: dict[tuple[str, str, str], float] = {}
_LOCK = threading.Lock()


def server_rate(client: MDSClient, ref: ModelRef, schema: ModelSchema, source: Path | str, *,
                column_map: dict[str, str] | None = None) -> float | None:
    """Rows/s of one ``SAMPLE_ROWS``-row request to ``ref``, from this process's cache after the first time."""
    key = (ref.name, ref.version or "", ref.endpoint or "")
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    try:
        sample = _sample(Path(source), schema, column_map or {})
        if sample is None:
            return None
        client.predict(ref, sample.iloc[:1], schema, validate=False)
        started = time.perf_counter()
        client.predict(ref, sample, schema, validate=False)
        rate = len(sample) / (time.perf_counter() - started)
    except MDSError:
        return None
    with _LOCK:
        _CACHE[key] = rate
    return rate


def cached_rate(ref: ModelRef) -> float | None:
    with _LOCK:
        return _CACHE.get((ref.name, ref.version or "", ref.endpoint or ""))


def forget() -> None:
    """Drop every measurement (a redeployed model is measured again)."""
    with _LOCK:
        _CACHE.clear()


def _sample(source: Path, schema: ModelSchema, column_map: dict[str, str]) -> pd.DataFrame | None:
    frame = next(iter(read_chunks(source, SAMPLE_ROWS)), None)
    if frame is None or frame.empty:
        return None
    frame = frame.rename(columns=column_map).reset_index(drop=True)
    if schema.missing_columns(frame):
        return None
    if not schema.is_empty:
        ok = [not e for e in row_errors(frame, schema)]
        frame = frame[ok].reset_index(drop=True)
    if frame.empty:
        return None
    repeats = -(-SAMPLE_ROWS // len(frame))
    return pd.concat([frame] * repeats, ignore_index=True).iloc[:SAMPLE_ROWS]
