"""The batch log of a job scored on Dask: workers write the chunk files, the client indexes them.

    log = DaskRowLog(engine, home, ref, schema, run_id=..., user=..., source="cli", output=...)
    score_with_dask(..., row_log=log)      # write() on the workers, index() here per finished partition
    error = log.close()                    # None when every row was logged

Each worker writes its rows as the local batch log does (``log_writer.write_chunk_file``: one Arrow
file per chunk under ``<home>/batch_log/<run>/``) and hands back a small note per chunk; the client
indexes a partition's notes (``batch_log.record_chunk``) once the partition is complete, so rows go
from the workers to the disk, not through the client. A partition redone after a failure writes
the same files again and is indexed once; a note indexed before is a no-op (unique run and start
row), so a resumed run logs each row once. A remote cluster's workers need the MDS home on a
filesystem the client sees too, like the output folder, and this package importable (the log travels
to them pickled by reference); a note whose file the client cannot see is reported, not indexed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from mds_client import ModelRef, ModelSchema
from workbench.batch.log_writer import write_chunk_file
from workbench.store import batch_log
from workbench.store.batch_log import ChunkEntry


class DaskRowLog:
    """A ``mds_client.batch.dask_scoring.RowLog`` into the workbench's batch log."""

    def __init__(self, engine: Engine, home: Path | str, ref: ModelRef, schema: ModelSchema, *, run_id: str,
                 user: str, source: str = "batch", batch_job_id: str | None = None, output: str = "") -> None:
        self.engine: Engine | None = engine
        self.directory = Path(home) / "batch_log" / run_id
        self.template = ChunkEntry(run_id=run_id, model=ref.name, start_row=0, end_row=0, path="",
                                   batch_job_id=batch_job_id, version=ref.version or "", protocol=str(ref.protocol),
                                   user=user, source=source, task=schema.task, output=output)
        self.features = [str(c) for c in schema.table_columns()]
        self.rows_indexed = 0
        self.errors: list[str] = []

    @property
    def run_id(self) -> str:
        return self.template.run_id

    def __getstate__(self) -> dict[str, Any]:
        # What travels to the workers: paths and names; the store's engine stays with the client.
        return {**self.__dict__, "engine": None, "errors": []}

    def write(self, start_row: int, frame: pd.DataFrame) -> dict[str, Any]:
        """On a worker: the rows into their chunk file; a failure is noted, scoring goes on."""
        note: dict[str, Any] = {"start": start_row, "end": start_row + len(frame)}
        try:
            written = write_chunk_file(self.directory, self.features, start_row, frame)
        except Exception as exc:
            return {**note, "error": f"{type(exc).__name__}: {exc}"}
        return {**note, "path": str(written.path), "scored": written.rows_scored, "rejected": written.rows_rejected,
                "requests": written.request_ids}

    def index(self, notes: list[dict[str, Any]]) -> None:
        """On the client: index each chunk of a finished partition; what cannot be indexed is kept as an error."""
        if self.engine is None:
            raise RuntimeError("DaskRowLog.index runs on the client, which holds the store")
        for note in notes:
            rows = f"rows {note['start'] + 1}-{note['end']}"
            if "error" in note:
                self.errors.append(f"{rows} were not logged on the worker ({note['error']})")
                continue
            if not Path(note["path"]).exists():
                self.errors.append(f"{rows}: the worker's log file {note['path']} is not visible here; workers need "
                                   "the MDS home on a filesystem this machine shares")
                continue
            entry = ChunkEntry(**{**self.template.__dict__, "start_row": note["start"], "end_row": note["end"],
                                  "path": note["path"], "rows_scored": note["scored"],
                                  "rows_rejected": note["rejected"]})
            try:
                if batch_log.record_chunk(self.engine, entry, note["requests"]):
                    self.rows_indexed += note["end"] - note["start"]
            except Exception as exc:
                self.errors.append(f"{rows} could not be indexed ({type(exc).__name__}: {exc})")

    def close(self) -> str | None:
        """The first problem, with how many more, or None when every note was indexed."""
        if not self.errors:
            return None
        more = len(self.errors) - 1
        return self.errors[0] + (f" (and {more} more)" if more else "")
