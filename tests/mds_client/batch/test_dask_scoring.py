"""Batch scoring on a real ``distributed.LocalCluster`` (2 worker processes) against the session's MLServer.

Each distributed result is compared row for row with the single-process engine's output of the
same rows; one test SIGKILLs a worker process in the middle of a partition and checks that the
job still ends with every row exactly once.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mds_client import InputError
from mds_client.batch.dask_scoring import score_with_dask
from mds_client.batch.scorer import BatchScorer

ROWS = 1_200
FILES = 3
OPTIONS = {"batch_size": 100, "workers": 2, "chunk_rows": 200}


@pytest.fixture(scope="module")
def inputs(refs, tmp_path_factory) -> dict[str, Path]:
    sample = pd.read_csv(refs["wine"].sample_data)
    frame = pd.concat([sample] * (-(-ROWS // len(sample))), ignore_index=True).iloc[:ROWS]
    rng = np.random.default_rng(11)
    low, high = frame["alcohol"].min(), frame["alcohol"].max()
    frame["alcohol"] = (frame["alcohol"] + rng.uniform(-0.05, 0.05, ROWS)).clip(low, high).round(3)
    frame.insert(0, "row_id", range(ROWS))
    root = tmp_path_factory.mktemp("dask-in")
    (root / "csv").mkdir()
    # Names sort in input order; the glob must give the files in that order.
    for i, part in enumerate(np.array_split(frame, FILES)):
        part.to_csv(root / "csv" / f"wine-{i:02d}.csv", index=False)
    (root / "dataset").mkdir()
    for i, part in enumerate(np.array_split(frame, 2)):
        part.to_parquet(root / "dataset" / f"part-{i}.parquet", index=False, row_group_size=100)
    frame.to_csv(root / "all.csv", index=False)
    frame.to_parquet(root / "all.parquet", index=False)
    return {"root": root, "csv_glob": root / "csv" / "wine-*.csv", "dataset": root / "dataset",
            "all_csv": root / "all.csv", "all_parquet": root / "all.parquet"}


@pytest.fixture(scope="module")
def expected(client, refs, inputs) -> dict[str, pd.DataFrame]:
    """The single-process engine's output of all the rows, from the CSV and from the Parquet file."""
    ref = refs["wine"]
    root = inputs["root"]
    scorer = BatchScorer(client, ref, client.schema(ref), **OPTIONS)
    scorer.run(inputs["all_csv"], root / "single.csv")
    scorer.run(inputs["all_parquet"], root / "single.parquet")
    return {"csv": pd.read_csv(root / "single.csv", keep_default_na=False),
            "parquet": pd.read_parquet(root / "single.parquet")}


def assert_same_rows(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    assert actual["row_id"].tolist() == list(range(ROWS))  # every row exactly once, in input order
    pd.testing.assert_frame_equal(expected.drop(columns=["request_id"]), actual.drop(columns=["request_id"]))
    assert actual["request_id"].astype(str).str.len().gt(0).all()


def test_a_globbed_csv_set_joined_into_one_file_equals_the_single_process_output(dask_cluster, client, refs, inputs,
                                                                                 expected, tmp_path):
    ref = refs["wine"]
    seen = []
    result = score_with_dask(str(inputs["csv_glob"]), ref, client.schema(ref), tmp_path / "out.csv",
                             client=dask_cluster, progress=seen.append, **OPTIONS)
    assert result.partitions == FILES and result.rows_total == ROWS == result.rows_scored
    assert seen and seen[-1].rows_done == ROWS and seen[-1].rows_total == ROWS
    assert [p.rows_done for p in seen] == sorted(p.rows_done for p in seen)
    assert not (tmp_path / "out.csv.parts").exists()
    assert_same_rows(expected["csv"], pd.read_csv(tmp_path / "out.csv", keep_default_na=False))


def test_a_parquet_dataset_into_a_folder_of_partitions_then_resumed(dask_cluster, client, refs, inputs, expected,
                                                                     tmp_path):
    ref = refs["wine"]
    schema = client.schema(ref)
    out = tmp_path / "scored"
    result = score_with_dask(str(inputs["dataset"]), ref, schema, out, client=dask_cluster, partition_rows=300,
                             **OPTIONS)
    parts = sorted(out.glob("part-*.parquet"))
    assert result.partitions == len(parts) == 4 and result.rows_total == ROWS
    assert_same_rows(expected["parquet"], pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True))

    # A partition left half-done (a crash between writing it and marking it done) is redone;
    # the complete ones are skipped.
    (parts[2].with_name(parts[2].name + ".done.json")).unlink()
    parts[2].write_bytes(parts[2].read_bytes()[:100])
    again = score_with_dask(str(inputs["dataset"]), ref, schema, out, client=dask_cluster, partition_rows=300,
                            resume=True, **OPTIONS)
    assert again.partitions_skipped == 3 and again.resumed_from == ROWS - 300 and again.rows_total == ROWS
    assert_same_rows(expected["parquet"], pd.concat([pd.read_parquet(p) for p in sorted(out.glob("part-*.parquet"))],
                                         ignore_index=True))


def test_a_worker_killed_mid_partition_redoes_it_and_duplicates_nothing(dask_cluster, client, refs, inputs, expected,
                                                                         tmp_path):
    ref = refs["wine"]
    pids = dask_cluster.run(os.getpid)
    killed: list[str] = []

    def kill_a_busy_worker(progress) -> None:
        if killed or progress.rows_done == 0:
            return
        busy = [w for w, keys in dask_cluster.processing().items() if keys]
        if busy:
            killed.append(busy[0])
            os.kill(pids[busy[0]], signal.SIGKILL)  # the nanny starts a new worker; the task goes elsewhere

    result = score_with_dask(str(inputs["csv_glob"]), ref, client.schema(ref), tmp_path / "out.csv",
                             client=dask_cluster, progress=kill_a_busy_worker, batch_size=10, workers=1, chunk_rows=50)
    assert killed, "no worker was busy to kill"
    assert result.rows_total == ROWS == result.rows_scored
    assert_same_rows(expected["csv"], pd.read_csv(tmp_path / "out.csv", keep_default_na=False))
    assert not list(tmp_path.glob("**/.part-*"))  # the dead worker's half-written file is gone


def test_into_a_database_table(dask_cluster, client, refs, inputs, expected, tmp_path):
    from sqlalchemy import create_engine, text

    ref = refs["wine"]
    db = tmp_path / "r.db"
    result = score_with_dask(str(inputs["csv_glob"]), ref, client.schema(ref), f"sqlite:///{db}::scores",
                             client=dask_cluster, **OPTIONS)
    assert result.rows_total == ROWS
    with create_engine(f"sqlite:///{db}").connect() as conn:
        table = pd.read_sql(text("SELECT * FROM scores ORDER BY input_row"), conn)
    assert table["input_row"].tolist() == list(range(1, ROWS + 1)) and table["row_id"].tolist() == list(range(ROWS))
    assert table["prediction"].tolist() == expected["csv"]["prediction"].tolist()


def test_no_matching_input_a_missing_column_and_no_scheduler_are_plain_errors(client, refs, inputs, tmp_path):
    ref = refs["wine"]
    with pytest.raises(InputError, match="No input file matches"):
        score_with_dask(str(tmp_path / "nothing-*.csv"), ref, client.schema(ref), tmp_path / "o.csv")
    (tmp_path / "in.csv").write_text("alcohol,b\n1,2\n")
    with pytest.raises(InputError, match=r"lacks the column.*proline"):  # said before any scheduler is asked
        score_with_dask(str(tmp_path / "in.csv"), ref, client.schema(ref), tmp_path / "o.csv",
                        address="tcp://127.0.0.1:1", connect_timeout_s=2)
    with pytest.raises(InputError, match=r"No Dask scheduler answers at tcp://127\.0\.0\.1:1"):
        score_with_dask(str(inputs["all_csv"]), ref, client.schema(ref), tmp_path / "o.csv",
                        address="tcp://127.0.0.1:1", connect_timeout_s=2)
