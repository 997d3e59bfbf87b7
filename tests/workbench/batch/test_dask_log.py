"""Rows scored on Dask workers reach the batch log once: a real LocalCluster (2 worker processes) and a real MLServer.

The model is the tests' own (orchard grades: a string category, an integer and a float in, string class names
out), served on the publish tests' MLServer. Each test scores N rows on Dask with a ``DaskRowLog`` and reads the
log back with the store's readers (``run_frame``, and ``batch_logged_rows``, Monitor's reader of batch traffic):
N rows, each once, with the output's request ids and predictions, also when a worker is killed mid-partition,
when a run is resumed, and when the client died before indexing a finished partition.
"""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mds_client import MDSClient, ModelRef
from mds_client.batch.dask_scoring import score_with_dask
from workbench.batch.dask_log import DaskRowLog
from workbench.store import batch_log

ROWS = 900
FILES = 3
OPTIONS = {"batch_size": 50, "workers": 2, "chunk_rows": 100}


@pytest.fixture(scope="module")
def orchard_grade(publish_server) -> ModelRef:
    # scikit-learn loads here, not at every pytest start (about a second of imports)
    from tests.workbench.replay import served_versions as sv

    rows = sv.orchard(400, seed=3)
    return sv.serve_versions(publish_server.home / "models", publish_server.url, "dask-log-orchard",
                             {"1": (rows, sv.tree(rows, sv.grade_a(rows)))})


@pytest.fixture(scope="module")
def traffic(tmp_path_factory) -> Path:
    from tests.workbench.replay import served_versions as sv

    frame = sv.orchard(ROWS, seed=5)
    frame.insert(0, "row_id", range(ROWS))
    root = tmp_path_factory.mktemp("dask-log-in")
    for i, part in enumerate(np.array_split(frame, FILES)):
        part.to_csv(root / f"orchard-{i}.csv", index=False)
    return root


def row_log(engine, home: Path, ref: ModelRef, schema, run_id: str) -> DaskRowLog:
    return DaskRowLog(engine, home, ref, schema, run_id=run_id, user="tester", source="cli", output="out")


def assert_logged_once(engine, run_id: str, output: pd.DataFrame) -> pd.DataFrame:
    logged = batch_log.run_frame(engine, run_id)
    assert logged["row"].tolist() == list(range(1, ROWS + 1))  # every row once, numbered as the job's rows
    assert logged["request_id"].tolist() == output["request_id"].tolist()
    assert logged["prediction"].tolist() == output["prediction"].tolist()
    assert set(logged["prediction"]) <= {"premium", "standard", "juice"}
    assert {"variety", "age_years", "rainfall_mm", "p(premium)"} <= set(logged.columns)
    assert "row_id" not in logged.columns  # not a feature of the model
    return logged


def folder_rows(out: Path) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, keep_default_na=False) for p in sorted(out.glob("part-*.csv"))],
                     ignore_index=True)


def test_every_row_scored_on_dask_is_logged_once_and_monitor_reads_it(dask_cluster, orchard_grade, traffic, engine,
                                                                       tmp_path):
    schema = MDSClient().schema(orchard_grade)
    log = row_log(engine, tmp_path / "home", orchard_grade, schema, "run-a")
    before = datetime.now(UTC) - timedelta(seconds=1)
    result = score_with_dask(str(traffic / "orchard-*.csv"), orchard_grade, schema, tmp_path / "out",
                             client=dask_cluster, row_log=log, **OPTIONS)
    assert result.rows_total == ROWS == result.rows_scored and log.close() is None
    assert log.rows_indexed == ROWS
    output = folder_rows(tmp_path / "out")
    assert output["row_id"].tolist() == list(range(ROWS))
    assert_logged_once(engine, "run-a", output)
    # Monitor's reader of batch traffic sees the same rows, with the model's own class names
    seen = list(batch_log.batch_logged_rows(engine, "dask-log-orchard", before))
    assert len(seen) == ROWS and {r["variety"] for r in seen} <= {"bramley", "cox", "gala", "fuji"}
    seen.sort(key=lambda r: r["row"])  # partitions are indexed as they finish, not in input order
    assert [r["prediction"] for r in seen] == output["prediction"].tolist()
    # chunks written by the workers, indexed here with the run's model, version and source
    chunks = batch_log.run_chunks(engine, "run-a")
    assert len(chunks) == ROWS // OPTIONS["chunk_rows"]
    assert all(Path(path).parent == tmp_path / "home" / "batch_log" / "run-a" for _, _, path in chunks)


def test_a_worker_killed_mid_partition_logs_nothing_twice(dask_cluster, orchard_grade, traffic, engine, tmp_path):
    schema = MDSClient().schema(orchard_grade)
    log = row_log(engine, tmp_path / "home", orchard_grade, schema, "run-k")
    pids = dask_cluster.run(os.getpid)
    killed: list[str] = []

    def kill_a_busy_worker(progress: Any) -> None:
        if killed or progress.rows_done == 0:
            return
        busy = [w for w, keys in dask_cluster.processing().items() if keys]
        if busy:
            killed.append(busy[0])
            os.kill(pids[busy[0]], signal.SIGKILL)  # the nanny starts a new worker; the task goes elsewhere

    result = score_with_dask(str(traffic / "orchard-*.csv"), orchard_grade, schema, tmp_path / "out.csv",
                             client=dask_cluster, row_log=log, progress=kill_a_busy_worker, batch_size=10, workers=1,
                             chunk_rows=30)
    assert killed, "no worker was busy to kill"
    assert result.rows_total == ROWS and log.close() is None
    assert_logged_once(engine, "run-k", pd.read_csv(tmp_path / "out.csv", keep_default_na=False))


class _ClientDied(DaskRowLog):
    """A client that dies after its partitions are done and before it indexes them."""

    def index(self, notes: list[dict[str, Any]]) -> None:
        pass


def test_a_resumed_run_indexes_what_the_last_client_did_not_and_logs_each_row_once(dask_cluster, orchard_grade,
                                                                                   traffic, engine, tmp_path):
    schema = MDSClient().schema(orchard_grade)
    home, out = tmp_path / "home", tmp_path / "out"
    lost = _ClientDied(engine, home, orchard_grade, schema, run_id="run-r", user="tester", source="cli")
    score_with_dask(str(traffic / "orchard-*.csv"), orchard_grade, schema, out, client=dask_cluster, row_log=lost,
                    **OPTIONS)
    assert batch_log.logged_end(engine, "run-r") == 0
    # one partition half-done as well: it is scored again and indexed once
    (out / "part-00001.csv.done.json").unlink()
    log = row_log(engine, home, orchard_grade, schema, "run-r")
    again = score_with_dask(str(traffic / "orchard-*.csv"), orchard_grade, schema, out, client=dask_cluster,
                            row_log=log, resume=True, **OPTIONS)
    assert again.partitions_skipped == FILES - 1 and log.close() is None
    assert_logged_once(engine, "run-r", folder_rows(out))
    # and a third life changes nothing
    third = row_log(engine, home, orchard_grade, schema, "run-r")
    score_with_dask(str(traffic / "orchard-*.csv"), orchard_grade, schema, out, client=dask_cluster, row_log=third,
                    resume=True, **OPTIONS)
    assert third.rows_indexed == 0 and len(batch_log.run_frame(engine, "run-r")) == ROWS


def test_a_log_the_workers_cannot_write_is_reported_and_scoring_goes_on(dask_cluster, orchard_grade, traffic, engine,
                                                                        tmp_path):
    schema = MDSClient().schema(orchard_grade)
    home = tmp_path / "home"
    home.mkdir()
    (home / "batch_log").write_text("a file where the log's folder should be")
    log = row_log(engine, home, orchard_grade, schema, "run-w")
    result = score_with_dask(str(traffic / "orchard-*.csv"), orchard_grade, schema, tmp_path / "out.csv",
                             client=dask_cluster, row_log=log, **OPTIONS)
    assert result.rows_scored == ROWS and len(pd.read_csv(tmp_path / "out.csv")) == ROWS
    error = log.close()
    assert error is not None and "were not logged on the worker" in error and "more)" in error
    assert batch_log.logged_end(engine, "run-w") == 0
