"""The batch log: chunk files off the scoring path, one index row per chunk, exactly once across kills.

The kill test runs ``mds predict`` in a subprocess against the real seldon-core server, kills it
(SIGKILL) once some chunks are logged, resumes it, and checks every row of the output is in the
log once, with the request id the output gives it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import update

from mds_client import FeatureKind, ModelRef, ModelSchema
from mds_client.schema.model import Feature
from workbench.batch.log_writer import BatchLogWriter, output_rows, run_for_output
from workbench.store import batch_log, open_store, session_scope
from workbench.store.tables import BatchLogChunk

REPO = Path(__file__).resolve().parents[3]
SCHEMA = ModelSchema(features=(Feature("size", FeatureKind.NUMBER), Feature("colour", FeatureKind.CATEGORY,
                                                                            categories=("red", "blue"))),
                     )
REF = ModelRef(name="toy", protocol="seldon", endpoint="http://127.0.0.1:9")


def scored(start: int, n: int, request: str = "req") -> pd.DataFrame:
    rows = range(start, start + n)
    return pd.DataFrame({"size": [float(i) for i in rows], "colour": ["red" if i % 2 else "blue" for i in rows],
                         "extra": "not a feature", "prediction": ["a" if i % 3 else "b" for i in rows],
                         "confidence": 0.9, "p(a)": 0.9, "p(b)": 0.1,
                         "request_id": [f"{request}-{i // 4}" for i in rows], "error": ""})


def test_chunks_are_files_indexed_once_and_a_second_life_skips_what_is_logged(engine, tmp_path):
    writer = BatchLogWriter(engine, tmp_path, REF, SCHEMA, run_id="r1", user="ana")
    for start in (0, 10, 20):
        writer.on_rows(scored(start, 10))
    assert writer.close() is None
    chunks = batch_log.run_chunks(engine, "r1")
    assert [(s, e) for s, e, _ in chunks] == [(0, 10), (10, 20), (20, 30)]
    assert all(Path(p).parent == tmp_path / "batch_log" / "r1" and Path(p).suffix == ".arrow" for _, _, p in chunks)
    frame = batch_log.run_frame(engine, "r1")
    assert frame["row"].tolist() == list(range(1, 31)) and "extra" not in frame
    assert frame["colour"].iloc[0] == "blue" and frame["p(a)"].iloc[0] == pytest.approx(0.9)
    # The same run again from row 0 (a resume whose output was rewritten): nothing is logged twice.
    again = BatchLogWriter(engine, tmp_path, REF, SCHEMA, run_id="r1", user="ana")
    for start in (0, 10, 20, 30):
        again.on_rows(scored(start, 10))
    assert again.close() is None
    assert batch_log.run_frame(engine, "r1")["row"].tolist() == list(range(1, 41))


def test_catch_up_logs_the_rows_the_output_has_and_the_log_lacks(engine, tmp_path):
    output = tmp_path / "out.csv"
    pd.concat([scored(0, 25), scored(25, 5)]).drop(columns="extra").to_csv(output, index=False)
    writer = BatchLogWriter(engine, tmp_path, REF, SCHEMA, run_id="r2", user="ana")
    writer.on_rows(scored(0, 12))  # a life killed after its output reached row 30 but its log row 12
    writer.close()
    resumed = BatchLogWriter(engine, tmp_path, REF, SCHEMA, run_id="r2", user="ana", first_row=30)
    assert resumed.catch_up(output, 30) == 18
    resumed.on_rows(scored(30, 10))
    assert resumed.close() is None
    frame = batch_log.run_frame(engine, "r2")
    assert frame["row"].tolist() == list(range(1, 41))
    assert frame["request_id"].tolist() == scored(0, 40)["request_id"].tolist()
    assert [len(f) for f in output_rows(output, 3, 30)] == [27]


def test_run_for_output_is_new_per_run_and_kept_on_resume(tmp_path):
    first = run_for_output(tmp_path, "/x/out.csv", resume=False)
    assert run_for_output(tmp_path, "/x/out.csv", resume=True) == first
    assert run_for_output(tmp_path, "/x/out.csv", resume=False) != first
    assert run_for_output(tmp_path, "/x/other.csv", resume=True) not in (first, "")


def test_a_failing_log_reports_and_never_blocks_scoring(engine, tmp_path):
    blocker = tmp_path / "batch_log"
    blocker.write_text("a file where the log's folder should be")
    writer = BatchLogWriter(engine, tmp_path, REF, SCHEMA, run_id="r3", user="ana")
    for start in range(0, 100, 10):  # more chunks than the queue holds: on_rows must not hang
        writer.on_rows(scored(start, 10))
    assert writer.close() is not None and batch_log.run_chunks(engine, "r3") == []


def test_monitor_reads_a_models_batch_rows_in_time_windows(engine, tmp_path):
    writer = BatchLogWriter(engine, tmp_path, REF, SCHEMA, run_id="r4", user="ana")
    for start in (0, 10, 20):
        writer.on_rows(scored(start, 10))
    writer.close()
    other = BatchLogWriter(engine, tmp_path, ModelRef(name="other", protocol="seldon", endpoint="x"), SCHEMA,
                           run_id="r5", user="ana")
    other.on_rows(scored(0, 5))
    other.close()
    day = datetime(2026, 3, 1, tzinfo=UTC)
    with session_scope(engine) as session:  # the three chunks logged on three days
        for i, start in enumerate((0, 10, 20)):
            session.execute(update(BatchLogChunk).where(BatchLogChunk.run_id == "r4", BatchLogChunk.start_row == start)
                            .values(created=day + timedelta(days=i)))
    window = list(batch_log.batch_logged_rows(engine, "toy", day + timedelta(days=1), day + timedelta(days=2)))
    assert [r["row"] for r in window] == list(range(11, 21))
    assert window[0]["size"] == 10.0 and window[0]["prediction"] == "a"
    assert pd.Timestamp(window[0]["created"]).tz_localize(None) == pd.Timestamp(day + timedelta(days=1)).tz_localize(None)
    everything = list(batch_log.batch_logged_rows(engine, "toy", day))
    assert [r["row"] for r in everything] == list(range(1, 31))
    assert list(batch_log.batch_logged_rows(engine, "toy", day + timedelta(days=3))) == []


def _cli_env(tmp_path: Path, store_url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "WORKBENCH_DATABASE_URL": store_url,
            "WORKBENCH_HOME": str(tmp_path / "home"), "WORKBENCH_USER": "kim"}


def test_killed_and_resumed_mds_predict_logs_every_row_exactly_once(catalog_path, refs, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'wb.db'}"
    engine = open_store(store_url)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.concat([pd.read_csv(refs["wine-v1"].sample_data)] * 1500, ignore_index=True).to_csv(source, index=False)
    total = 75_000
    argv = [sys.executable, "-m", "workbench.cli", "--catalog", str(catalog_path), "predict", "wine-v1",
            "--input", str(source), "--output", str(output), "--quiet", "--batch-size", "250", "--workers", "2"]
    env = _cli_env(tmp_path, store_url)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while True:  # kill once two chunks are logged: others are in flight, written, or half-written
        with session_scope(engine) as session:
            logged = session.query(BatchLogChunk).count()
        if logged >= 2:
            break
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        assert time.monotonic() < deadline, "no chunk logged"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = subprocess.run([*argv, "--resume"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = pd.read_csv(output)
    assert len(results) == total
    with session_scope(engine) as session:
        runs = {r for (r,) in session.query(BatchLogChunk.run_id).distinct()}
    assert len(runs) == 1
    frame = batch_log.run_frame(engine, runs.pop())
    assert frame["row"].tolist() == list(range(1, total + 1))
    assert frame["request_id"].tolist() == results["request_id"].tolist()
    assert frame["prediction"].tolist() == results["prediction"].tolist()
