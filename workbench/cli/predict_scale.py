"""``mds predict`` at scale: the options for a database output and a Dask cluster, and the run itself.

    mds predict MODEL --input 'data/*.csv' --output scored.csv --dask local [--dask-workers 4]
    mds predict MODEL --input s3://bucket/data/ --output out/ --dask tcp://scheduler:8786
    mds predict MODEL --input in.parquet --output 'postgresql+psycopg://u@host/db::analytics.scores'
    mds predict MODEL --input semicolons.csv --numbers comma   # 13,5 is thirteen and a half
    mds predict MODEL --input rows.csv --param cutoff=0.7       # an inference parameter, for every row
    mds predict MODEL --input rows.csv --param cutoff=0.7 --resume   # the same values as the unfinished run

``add_scale_arguments`` adds the flags to the predict parser; ``run_predict`` picks the engine:
with ``--dask`` the distributed one (``dask_scoring``), else the single-process one, both into
any output ``batch_output`` knows (a file, a folder of partitions with Dask, or ``URL::table``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mds_client import MDSClient, ModelRef, ModelSchema
from mds_client.batch.inputs import READING_WORDS, READINGS, NumberReading, chosen_reading, file_format, sniff_numbers
from mds_client.batch.output import is_database_url
from mds_client.batch.progress import BatchResult, ProgressCallback, RowsCallback
from mds_client.batch.scorer import score_file
from mds_client.errors import InputError
from mds_client.schema.params import chosen_parameters


def add_scale_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dask", metavar="ADDRESS", help="score on a Dask cluster: its scheduler (tcp://host:8786) or "
                   "'local' for a cluster of worker processes on this machine")
    p.add_argument("--dask-workers", type=int, default=2, metavar="N", help="with --dask local: worker processes "
                   "(default 2)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="one of the model's inference parameters (an MLflow signature's params: 'mds describe' "
                        "lists them), sent with every call; repeat for several")
    p.add_argument("--numbers", choices=["auto", *READINGS], default="auto",
                   help="how a CSV writes numbers: 'auto' reads what its cells say (default); " + "; ".join(
                       f"'{key}': {words}" for key, words in READING_WORDS.items()))


def output_of(args: argparse.Namespace) -> str | Path:
    """--output as given (a database URL stays text), else ``<input>.predictions.csv`` beside one input file."""
    if args.output:
        return args.output if is_database_url(args.output) else Path(args.output)
    if getattr(args, "dask", None):
        raise InputError("--dask needs --output: a file (joined in input order), a folder (one file per partition) "
                         "or a table (URL::table).")
    return Path(args.input).with_suffix(".predictions.csv")


def run_predict(
    args: argparse.Namespace,
    client: MDSClient,
    ref: ModelRef,
    schema: ModelSchema,
    output: str | Path,
    *,
    progress: ProgressCallback | None = None,
    on_rows: RowsCallback | None = None,
    row_log: Any = None,
) -> BatchResult:
    """Score ``args.input`` into ``output`` on the engine the flags ask for; with Dask ``row_log`` (a
    ``dask_scoring.RowLog``) logs the rows from the workers, else ``on_rows`` receives them here."""
    parameters = given_parameters(getattr(args, "param", None) or [], schema)
    if getattr(args, "dask", None):
        # The Dask path loads only for --dask (then distributed and dask, about a second of imports).
        from mds_client.batch.dask_scoring import score_with_dask

        if args.dask_workers < 1:
            raise InputError("--dask-workers must be at least 1.")
        choice = getattr(args, "numbers", "auto")
        return score_with_dask(args.input, ref, schema, output, address=args.dask, n_workers=args.dask_workers,
                               batch_size=args.batch_size, workers=args.workers, resume=args.resume, progress=progress,
                               row_log=row_log, numbers=None if choice == "auto" else chosen_reading(choice),
                               parameters=parameters)
    reading = chosen_reading(getattr(args, "numbers", "auto"), args.input)
    note = number_note(args.input, reading)
    if note:
        print(f"mds: {note}", file=sys.stderr)
    return score_file(client, ref, schema, args.input, output, batch_size=args.batch_size, workers=args.workers,
                      resume=args.resume, progress=progress, on_rows=on_rows, numbers=reading, parameters=parameters)


def given_parameters(items: list[str], schema: ModelSchema) -> dict[str, Any]:
    """``--param NAME=VALUE`` options as ``{NAME: VALUE}``, checked against the model's params (``schema.params``):
    an ``InputError`` names a malformed option, an unknown name or a value of the wrong type."""
    given: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {item!r}: write it as NAME=VALUE, e.g. --param cutoff=0.7.")
        given[name.strip()] = value
    chosen_parameters(schema.params, given)  # raises for a wrong name or type, before any row is read
    return given


def number_note(source: str | Path, reading: NumberReading | None = None) -> str:
    """How a text file's numbers are read, when that needed deciding (decimal commas, thousands) or was chosen
    (``reading``), else ""."""
    path = Path(source)
    if not path.is_file() or file_format(path) != "csv":
        return ""
    reading = reading or sniff_numbers(path)
    if reading.ambiguous:
        return reading.note + " Add --numbers thousands to have the commas read as thousands."
    return reading.note
