"""Reading batch input files: CSV (any of , ; TAB |), Parquet and JSON lines, in chunks.

Numbers with a decimal comma (``13,5``), as spreadsheets write them where the locale uses one, are read in
a file separated by ``;``, TAB or ``|`` when its cells say so (``sniff_numbers``); ``1,234`` alone could be
one and a quarter or a thousand: the reading used is said in words (``NumberReading.note``), and a caller
may choose the other one (``READINGS``).

Bad files (not UTF-8, empty, unparseable) become an ``InputError`` that names the file and
what to do; nothing is read whole, so a file of millions of rows keeps memory flat.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from mds_client.errors import InputError

DEFAULT_CHUNK_ROWS = 10_000
SNIFF_LINES = 200
"""Lines looked at to decide how numbers are written."""


@dataclass(frozen=True)
class NumberReading:
    """How a text file writes numbers: its decimal mark, its thousands separator, and why we think so."""

    key: str = "point"
    decimal: str = "."
    thousands: str | None = None
    note: str = ""
    """What was read and how, in plain words ("" when nothing in the file needed deciding)."""
    ambiguous: bool = False
    """The cells allow another reading (``1,234``): a person should be able to choose."""

    def explained(self, note: str, *, ambiguous: bool = False) -> NumberReading:
        return NumberReading(self.key, self.decimal, self.thousands, note, ambiguous)


READINGS = {
    "point": NumberReading("point", ".", None),
    "comma": NumberReading("comma", ",", None),
    "comma-dots": NumberReading("comma-dots", ",", "."),
    "thousands": NumberReading("thousands", ".", ","),
}
"""Every reading by key: ``13.5``; ``13,5``; ``1.234,5``; ``1,234.5`` and ``1,234`` as a thousand and more."""
READING_WORDS = {
    "point": "1.5 is one and a half (decimal point)",
    "comma": "1,5 is one and a half (decimal comma)",
    "comma-dots": "1.234,5 is a thousand and more (decimal comma, dots between thousands)",
    "thousands": "1,234 is a thousand and more (commas between thousands, decimal point)",
}
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")  # 13,5  0,25  ,5  1,234 (the last one ambiguous)
_DOTS_AND_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234  12,345,678  1,234.5
_THREE_AFTER = re.compile(r"^[+-]?\d{1,3},\d{3}$")  # 1,234: either reading


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def read_chunks(path: Path | str, chunk_rows: int = DEFAULT_CHUNK_ROWS, *, skip_rows: int = 0,
                numbers: NumberReading | None = None) -> Iterator[pd.DataFrame]:
    """The file's rows in frames of at most ``chunk_rows``, after skipping ``skip_rows``.

    ``numbers``: how a text file writes numbers; by default what ``sniff_numbers`` finds in it.
    """
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
            numbers = numbers or sniff_numbers(path, sep)
            # No thousands= for pandas: it drops the separator wherever it is ('13,5' read as 135 with commas
            # between thousands); text_numbers reads only cells grouped in threes, and leaves the rest as text.
            reader = pd.read_csv(
                path, sep=sep, chunksize=chunk_rows, skiprows=range(1, skip_rows + 1) if skip_rows else None,
                encoding_errors="strict", skipinitialspace=True, decimal=numbers.decimal,
            )
            yield from (text_numbers(chunk, numbers) for chunk in reader) if numbers.key != "point" else reader
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name} is empty: it needs a header row and at least one data row.") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name} could not be read as {fmt.upper()}: {str(exc).strip()}") from None
    except ValueError as exc:
        raise InputError(f"{path.name} could not be read as {fmt.upper()}: {exc}") from None


_WRITTEN = {
    "comma": re.compile(r"^[+-]?\d*,\d+$"),
    "comma-dots": re.compile(r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$"),
    "thousands": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"),
}


def text_numbers(chunk: pd.DataFrame, numbers: NumberReading) -> pd.DataFrame:
    """A column with one word in it stays text, its numbers too ('13,5'): those are read here, cell by cell,
    so one bad cell rejects its own row and not every row of the column."""
    written = _WRITTEN[numbers.key]
    marks = (numbers.decimal, numbers.thousands or numbers.decimal)
    for column in chunk.select_dtypes(include="object").columns:
        def read(value: object) -> object:
            if isinstance(value, str) and any(m in value for m in marks) and written.match(value.strip()):
                plain = value.strip().replace(numbers.thousands, "") if numbers.thousands else value.strip()
                return float(plain.replace(numbers.decimal, "."))
            return value
        chunk[column] = chunk[column].map(read)
    return chunk


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


def sniff_numbers(path: Path | str, sep: str | None = None) -> NumberReading:
    """How the file writes numbers, from its first ``SNIFF_LINES`` lines; a decimal point unless the cells say
    otherwise. Only a file not separated by commas can hold an unquoted decimal comma."""
    path = Path(path)
    if file_format(path) != "csv":
        return READINGS["point"]
    sep = sep or sniff_delimiter(path)
    if sep == ",":
        return READINGS["point"]
    with open(path, encoding="utf-8", errors="replace") as handle:
        next(handle, None)
        return sniff_lines([line for _n, line in zip(range(SNIFF_LINES), handle, strict=False)], sep)


def sniff_lines(lines: list[str], sep: str) -> NumberReading:
    """``sniff_numbers`` of a file's data lines (its header left out) already read, split by ``sep``."""
    if sep == ",":
        return READINGS["point"]
    cells = []
    for line in lines:
        cells += [c.strip().strip('"').strip() for c in line.rstrip("\r\n").split(sep)]
    cells = [c for c in cells if "," in c]
    dots = next((c for c in cells if _DOTS_AND_COMMA.match(c)), None)
    thousands = next((c for c in cells if _THOUSANDS.match(c) and not _THREE_AFTER.match(c)), None)
    decimal = next((c for c in cells if _DECIMAL_COMMA.match(c) and not _THREE_AFTER.match(c)), None)
    either = next((c for c in cells if _THREE_AFTER.match(c)), None)
    if dots is not None:
        return READINGS["comma-dots"].explained(
            f"Numbers are read with a decimal comma and dots between thousands ('{dots}' is {_as_number(dots, ',', '.')}).")
    if thousands is not None and decimal is None:
        return READINGS["thousands"].explained(
            f"Numbers are read with commas between thousands ('{thousands}' is {_as_number(thousands, '.', ',')}).")
    if decimal is not None:
        also = f"; so '{either}' is {_as_number(either, ',', None)}" if either else ""
        return READINGS["comma"].explained(
            f"Numbers are read with a decimal comma ('{decimal}' is {_as_number(decimal, ',', None)}{also}).")
    if either is not None:
        return READINGS["comma"].explained(
            f"'{either}' could be {_as_number(either, ',', None)} or {_as_number(either, '.', ',')}: it was read with "
            "a decimal comma, as files not separated by commas write numbers.", ambiguous=True)
    return READINGS["point"]


def chosen_reading(choice: str, path: Path | str | None = None) -> NumberReading:
    """The reading a person chose by key (``READINGS``), or with "auto" what ``sniff_numbers`` finds in ``path``
    (a decimal point without one); an unknown key is an ``InputError`` listing the choices."""
    if choice == "auto":
        return sniff_numbers(path) if path is not None and Path(path).is_file() else READINGS["point"]
    if choice not in READINGS:
        raise InputError(f"'{choice}' is not a way to read numbers; choose auto, {', '.join(READINGS)}.")
    reading = READINGS[choice]
    return reading.explained(f"Numbers are read as chosen: {READING_WORDS[choice]}.")


def _as_number(text: str, decimal: str, thousands: str | None) -> str:
    plain = text.replace(thousands, "") if thousands else text
    return f"{float(plain.replace(decimal, '.')):.10g}"


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
