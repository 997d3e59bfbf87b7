"""Where the partitions of a distributed batch job go, and how they become one output.

A folder output is the partitions themselves (``part-00000.<fmt>`` with a ``.done.json`` each);
a file output is staged in ``<output>.parts/`` in its own format and joined in input order at the
end (bytes for CSV and JSON lines, row groups for Parquet), under a temporary name then renamed;
a table output is staged as Parquet and loaded through the table sink, whose ``input_row`` makes
the load resumable. A partition counts as complete only once its ``.done.json`` names its input.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mds_client.batch.dask_partitions import Partition
from mds_client.batch.inputs import DEFAULT_CHUNK_ROWS, file_format
from mds_client.batch.output import is_database_url, join_parquet, open_output
from mds_client.errors import InputError

_EXT = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}


@dataclass
class Layout:
    output: str | Path
    staging: Path
    part_fmt: str
    final_dir: Path | None  # the output is this folder of partitions

    @classmethod
    def of(cls, output: str | Path, parts: list[Partition]) -> Layout:
        if is_database_url(output):
            table = str(output).rpartition("::")[2] or "output"
            return cls(output, Path.cwd() / f".{table}.parts", "parquet", None)
        path = Path(output)
        if path.suffix and not path.is_dir():
            fmt = file_format(path)
            if fmt not in _EXT:
                raise InputError(f"{path.name}: a distributed job writes CSV, JSON lines or Parquet.")
            return cls(path, path.with_name(path.name + ".parts"), fmt, None)
        fmt = parts[0].fmt if parts else "csv"
        return cls(path, path, fmt, path)

    def prepare(self, *, resume: bool) -> None:
        """Without resume, drop what an earlier run left; with it, keep the partitions it finished."""
        if is_database_url(self.output) and not resume:
            open_output(self.output).begin(resume=False)  # a table holding results: say so before scoring
        if not resume and self.staging.exists() and self.staging != self.final_dir:
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True, exist_ok=True)
        if not resume:
            for stale in self.staging.glob("part-*"):
                stale.unlink()

    def part_path(self, part: Partition) -> Path:
        return self.staging / f"part-{part.index:05d}.{_EXT[self.part_fmt]}"

    def publish(self, parts: list[Partition], *, resume: bool) -> None:
        """Join the partitions into the one output, when there is one; then drop the staging folder."""
        for leftover in self.staging.glob(".part-*"):  # what workers that died were writing
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        if self.final_dir is not None:
            return
        paths = [self.part_path(p) for p in parts]
        if is_database_url(self.output):
            _load_table(paths, self.output, resume=resume)
        elif self.part_fmt == "parquet":
            join_parquet(paths, Path(self.output))
        else:
            _join_text(paths, Path(self.output), header=self.part_fmt == "csv")
        shutil.rmtree(self.staging, ignore_errors=True)


def completed(layout: Layout, part: Partition) -> dict[str, Any] | None:
    path = layout.part_path(part)
    marker = path.with_name(path.name + ".done.json")
    try:
        summary = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    return summary if path.exists() and summary.get("url") == part.url else None


def _join_text(paths: list[Path], output: Path, *, header: bool) -> None:
    """Concatenate the partitions' bytes (one header) under a temporary name, then rename."""
    tmp = output.with_name(output.name + ".tmp")
    first_header: bytes | None = None
    with open(tmp, "wb") as out:
        for path in paths:
            with open(path, "rb") as handle:
                if header:
                    line = handle.readline()
                    if first_header is None:
                        first_header = line
                        out.write(line)
                    elif line != first_header:
                        raise InputError(f"{path.name} has other columns than the first partition; the inputs' "
                                         "columns differ.", hint="Give every input file the same columns.")
                shutil.copyfileobj(handle, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, output)


def _load_table(paths: list[Path], output: str | Path, *, resume: bool) -> None:
    """The partitions into the table in input order; its input_row makes this resumable too."""
    # pyarrow.parquet (~10 ms of imports) only when a file is Parquet.
    import pyarrow.parquet as pq

    sink = open_output(output)
    state = sink.begin(resume=resume) or {}
    skip = int(state.get("rows_done", 0))
    rows = 0
    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=DEFAULT_CHUNK_ROWS):
            frame = batch.to_pandas()
            if rows + len(frame) <= skip:
                rows += len(frame)
                continue
            if rows < skip:
                frame = frame.iloc[skip - rows:]
                rows = skip
            rows += len(frame)
            sink.write(frame, {"rows_done": rows})
    sink.finish()
