"""Reading batch input files: CSV (any of , ; TAB |), Parquet and JSON lines, in chunks.

Bad files (not UTF-8, empty, unparseable) become an ``InputError`` that names the file and
what to do; nothing is read whole, so a file of millions of rows keeps memory flat.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from mds_client.errors import InputError

DEFAULT_CHUNK_ROWS = 10_000


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def read_chunks(path: Path | str, chunk_rows: int = DEFAULT_CHUNK_ROWS, *, skip_rows: int = 0) -> Iterator[pd.DataFrame]:
    """The file's rows in frames of at most ``chunk_rows``, after skipping ``skip_rows``."""
    path = Path(path)
    fmt = file_format(path)
    try:
        if fmt == "parquet":
            yield from _skip(_parquet_chunks(path, chunk_rows), skip_rows)
        elif fmt == "jsonl":
            yield from _skip(pd.read_json(path, lines=True, chunksize=chunk_rows), skip_rows)
        elif fmt == "json":
            yield from _skip(iter([_read_json_records(path)]), skip_rows)
        else:
            sep = sniff_delimiter(path)
            reader = pd.read_csv(
                path, sep=sep, chunksize=chunk_rows, skiprows=range(1, skip_rows + 1) if skip_rows else None,
                encoding_errors="strict", skipinitialspace=True,
            )
            yield from reader
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name} is empty: it needs a header row and at least one data row.") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name} could not be read as {fmt.upper()}: {str(exc).strip()}") from None
    except ValueError as exc:
        raise InputError(f"{path.name} could not be read as {fmt.upper()}: {exc}") from None


def _skip(chunks: Iterator[pd.DataFrame], skip_rows: int) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        if skip_rows >= len(chunk):
            skip_rows -= len(chunk)
            continue
        if skip_rows:
            chunk = chunk.iloc[skip_rows:]
            skip_rows = 0
        yield chunk


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    # pyarrow.parquet (~10 ms of imports) only when a file is Parquet.
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        yield batch.to_pandas()


def _read_json_records(path: Path) -> pd.DataFrame:
    doc = json.loads(path.read_text())
    if isinstance(doc, dict):
        doc = doc.get("instances") or doc.get("rows") or [doc]
    if not isinstance(doc, list):
        raise InputError(f"{path.name} must hold a list of records (one object per row).")
    return pd.DataFrame.from_records(doc)


def sniff_delimiter(path: Path) -> str:
    """Comma, semicolon, tab or pipe, whichever splits the header into most columns."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def input_file(source: Path | str) -> Path:
    """``source`` as a path to an existing file, else ``InputError``; a URL is a path here, never downloaded."""
    path = Path(source)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise InputError(f"The input file {source} {what}; give a local CSV, Parquet or JSON-lines file.")
    return path


def count_rows(path: Path | str) -> int | None:
    """Data rows in a CSV/JSONL file (fast line count), or Parquet metadata; None if unknown.

    For progress and ETA only: a CSV whose quoted cells hold line breaks counts high (each break is a
    line). A finished job's total is the rows it read, never this estimate.
    """
    path = Path(path)
    fmt = file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowException, OSError, ValueError) as exc:  # a corrupt upload, found before any thread
            raise InputError(f"{path.name} could not be read as PARQUET: {exc}") from None
    if fmt == "json":
        return None
    with open(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(max(0, os.path.getsize(path) - 1))
        last = handle.read(1)
    if last and last != b"\n":
        lines += 1
    return max(0, lines - 1) if fmt == "csv" else lines
