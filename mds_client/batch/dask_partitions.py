"""The partitions of a distributed batch job: which rows of which input each Dask task scores.

Inputs are paths or fsspec URLs (``s3://bucket/data/*.parquet`` once the protocol's package is
installed): a glob, a Parquet dataset folder, or single files. Partitions follow the input order
(inputs as given, a glob's matches sorted): one per CSV / JSON-lines file (text cannot be split
without reading it), and for Parquet consecutive row groups of about ``target_rows`` rows.
Workers read their partition themselves, in chunks, so nothing passes through the client.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mds_client.batch.inputs import SNIFF_LINES, NumberReading, file_format, sniff_lines, text_numbers
from mds_client.errors import InputError

DEFAULT_PARTITION_ROWS = 100_000


@dataclass(frozen=True)
class Partition:
    index: int
    url: str
    fmt: str
    rows: int | None
    row_groups: tuple[int, ...] | None = None

    @property
    def label(self) -> str:
        groups = f" row groups {self.row_groups[0]}-{self.row_groups[-1]}" if self.row_groups else ""
        return f"{self.url}{groups}"


def expand_inputs(inputs: str | Path | Sequence[str | Path], storage_options: dict | None = None) -> list[str]:
    """Every input file, in order: globs expanded and sorted, Parquet folders listed."""
    # fsspec (~20 ms) only on the Dask path: importing this module must not load it (test_predict_scale).
    import fsspec

    items = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    found: list[str] = []
    for item in items:
        text = str(item)
        fs, _, paths = fsspec.get_fs_token_paths(text, storage_options=storage_options or {})
        protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
        prefix = "" if protocol in ("file", "local") else f"{protocol}://"
        for path in sorted(paths):
            if fs.isdir(path):
                inner = sorted(p for p in fs.find(path) if file_format(Path(p)) == "parquet")
                found.extend(prefix + p for p in inner)
            elif fs.exists(path):
                found.append(prefix + path)
        if not paths or not any(fs.exists(p) for p in paths):
            raise InputError(f"No input file matches {text}.", hint="Check the path or glob pattern.")
    return found


def plan_partitions(files: list[str], *, target_rows: int = DEFAULT_PARTITION_ROWS,
                    storage_options: dict | None = None) -> list[Partition]:
    """Partitions in input order; row counts from Parquet footers and a line count of text files."""
    parts: list[Partition] = []
    for url in files:
        fmt = file_format(Path(url))
        if fmt == "parquet":
            # pyarrow.parquet (~10 ms of imports) only when a file is Parquet.
            import pyarrow.parquet as pq

            with _open(url, storage_options) as handle:
                meta = pq.ParquetFile(handle).metadata
            group: list[int] = []
            rows = 0
            for i in range(meta.num_row_groups):
                group.append(i)
                rows += meta.row_group(i).num_rows
                if rows >= target_rows or i == meta.num_row_groups - 1:
                    parts.append(Partition(len(parts), url, fmt, rows, tuple(group)))
                    group, rows = [], 0
        elif fmt in ("csv", "jsonl"):
            parts.append(Partition(len(parts), url, fmt, _count_lines(url, storage_options, header=fmt == "csv")))
        else:
            raise InputError(f"{url}: a distributed job reads CSV, JSON lines or Parquet, not {fmt.upper()}.")
    return parts


def read_partition(part: Partition, chunk_rows: int, storage_options: dict | None = None,
                   numbers: NumberReading | None = None) -> Iterator[pd.DataFrame]:
    """The partition's rows in frames of at most ``chunk_rows`` (read on the worker). ``numbers``: how a CSV
    writes numbers, by default what its first lines say (``inputs.sniff_lines``), as for one file."""
    with _open(part.url, storage_options) as handle:
        if part.fmt == "parquet":
            # pyarrow.parquet (~10 ms of imports) only when a file is Parquet.
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(handle).iter_batches(batch_size=chunk_rows, row_groups=part.row_groups):
                yield batch.to_pandas()
        elif part.fmt == "jsonl":
            yield from pd.read_json(handle, lines=True, chunksize=chunk_rows)
        else:
            header = handle.readline().decode("utf-8", errors="replace")
            counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
            sep = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
            if numbers is None:
                lines = [handle.readline().decode("utf-8", errors="replace") for _ in range(SNIFF_LINES)]
                numbers = sniff_lines([line for line in lines if line], sep)
            handle.seek(0)
            reader = pd.read_csv(handle, sep=sep, chunksize=chunk_rows, encoding_errors="strict", skipinitialspace=True,
                                 decimal=numbers.decimal)
            yield from (text_numbers(chunk, numbers) for chunk in reader) if numbers.key != "point" else reader


def _open(url: str, storage_options: dict | None):  # type: ignore[no-untyped-def]
    # fsspec (~20 ms) only on the Dask path: importing this module must not load it (test_predict_scale).
    import fsspec

    return fsspec.open(url, "rb", **(storage_options or {})).open()


def _count_lines(url: str, storage_options: dict | None, *, header: bool) -> int:
    lines, last = 0, b"\n"
    with _open(url, storage_options) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1) if header else lines
