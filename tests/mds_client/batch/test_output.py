"""Batch results into files and database tables (SQLite, the real Postgres of tests/postgres_fixture.py).

The kill tests run the scorer in a subprocess against the session's MLServer, SIGKILL it once some
chunks are committed, resume, and check that every input row is there exactly once. The outage
tests put a TCP relay between the sink and Postgres and cut it: the only fault injected; the
database and the model server are real.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from mds_client import InputError
from mds_client.batch.checks import load_state
from mds_client.batch.output import open_output, parse_table_url
from mds_client.batch.scorer import BatchScorer
from mds_client.batch.sink import OutputError

ROWS = 3_000
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def wine(refs, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    sample = pd.read_csv(refs["wine"].sample_data)
    frame = pd.concat([sample] * (-(-ROWS // len(sample))), ignore_index=True).iloc[:ROWS]
    rng = np.random.default_rng(3)
    low, high = frame["alcohol"].min(), frame["alcohol"].max()
    frame["alcohol"] = (frame["alcohol"] + rng.uniform(-0.05, 0.05, ROWS)).clip(low, high).round(3)
    frame.insert(0, "row_id", range(ROWS))
    path = tmp_path_factory.mktemp("out") / "wine.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def expected(client, refs, wine, tmp_path_factory) -> pd.DataFrame:
    """The single-process file output: what every other output must hold, row for row."""
    ref = refs["wine"]
    out = tmp_path_factory.mktemp("expected") / "whole.csv"
    BatchScorer(client, ref, client.schema(ref), batch_size=200, workers=2, chunk_rows=500).run(wine[0], out)
    return pd.read_csv(out, keep_default_na=False)


def read_table(url: str) -> pd.DataFrame:
    db, schema, table = parse_table_url(url)
    engine = create_engine(db)
    name = f'"{schema}"."{table}"' if schema else f'"{table}"'
    with engine.connect() as conn:
        frame = pd.read_sql(text(f"SELECT * FROM {name} ORDER BY input_row"), conn)
    engine.dispose()
    return frame


def read_output(output: str | Path) -> pd.DataFrame:
    text_out = str(output)
    if "::" in text_out:
        frame = read_table(text_out)
        assert frame["input_row"].tolist() == list(range(1, len(frame) + 1))
        return frame.drop(columns=["input_row"])
    if text_out.endswith(".parquet"):
        return pd.read_parquet(output)
    if text_out.endswith(".jsonl"):
        return pd.read_json(output, lines=True, precise_float=True)
    return pd.read_csv(output, keep_default_na=False)


def assert_same_rows(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    assert actual["row_id"].tolist() == list(range(len(expected)))  # every input row once, in order
    assert list(actual.columns) == list(expected.columns)
    assert actual["prediction"].astype(str).tolist() == expected["prediction"].astype(str).tolist()
    for col in [c for c in expected.columns if c.startswith("p(")] + ["alcohol", "proline"]:
        np.testing.assert_allclose(actual[col].astype(float), expected[col].astype(float), rtol=1e-9)
    assert (actual["error"].fillna("") == "").all() and actual["request_id"].astype(str).str.len().gt(0).all()


@pytest.fixture(params=["sqlite", "postgres", "parquet", "jsonl"])
def output(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.db'}::scores"
    if request.param == "postgres":
        db = request.getfixturevalue("postgres_db")
        engine = create_engine(db)
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA analytics"))
        engine.dispose()
        return f"{db}::analytics.scores"
    return str(tmp_path / f"results.{request.param}")


def test_every_output_holds_the_file_outputs_rows(client, refs, wine, expected, output):
    ref = refs["wine"]
    result = BatchScorer(client, ref, client.schema(ref), batch_size=200, workers=2, chunk_rows=700).run(wine[0], output)
    assert result.rows_total == ROWS == result.rows_scored
    assert load_state(output) is None or "::" in output  # a finished file job leaves no checkpoint
    assert_same_rows(expected, read_output(output))


CHILD = """
import sys
from mds_client import MDSClient, load_catalog
from mds_client.batch.scorer import BatchScorer
catalog, source, output, resume = sys.argv[1:5]
ref = next(r for r in load_catalog(catalog) if r.name == "wine")
client = MDSClient()
# Small calls, one thread: slow enough that the parent's kill lands in the middle of the job.
BatchScorer(client, ref, client.schema(ref), batch_size=10, workers=1, chunk_rows=100).run(
    source, output, resume=resume == "1")
"""


def test_a_killed_job_resumes_with_every_row_exactly_once(catalog_path, client, refs, wine, expected, output):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(catalog_path), str(wine[0]), output, "0"], env=env,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    state = None
    while time.monotonic() < deadline and child.poll() is None:
        state = load_state(output)
        if state is not None and state.rows_done >= 400:
            break
        time.sleep(0.01)
    assert child.poll() is None, f"the job ended before the kill: {child.stderr.read().decode()[-2000:]}"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    killed_at = load_state(output).rows_done
    assert 400 <= killed_at < ROWS
    ref = refs["wine"]
    resumed = BatchScorer(client, ref, client.schema(ref), batch_size=200, workers=2, chunk_rows=500).run(
        wine[0], output, resume=True)
    assert resumed.resumed_from == killed_at and resumed.rows_total == ROWS
    assert_same_rows(expected, read_output(output))


def test_a_table_holding_results_is_not_overwritten(client, refs, wine, tmp_path):
    ref = refs["wine"]
    out = f"sqlite:///{tmp_path / 'r.db'}::scores"
    BatchScorer(client, ref, client.schema(ref), chunk_rows=500).run(wine[0], out)
    with pytest.raises(InputError, match="already holds 3000 rows"):
        BatchScorer(client, ref, client.schema(ref)).run(wine[0], out)


@pytest.mark.parametrize("bad", ["sqlite:///x.db", "sqlite:///x.db::", "postgresql://h/db::a.b.c", "sqlite:///x.db::1x"])
def test_a_database_url_without_a_table_says_how_to_write_one(bad):
    with pytest.raises(InputError, match=r"::\[schema.\]table"):
        open_output(bad)


# --- the output database going away -------------------------------------------------------------
class Relay:
    """A TCP relay to Postgres that the test can cut and restore on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        assert self.listener is not None
        with __import__("contextlib").suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in progress; close() alone would not
        self.listener.close()
        for conn in self.conns:
            with __import__("contextlib").suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        self.conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                down, _ = listener.accept()
            except OSError:
                return
            up = socket.create_connection(self.upstream)
            self.conns += [down, up]
            for a, b in ((down, up), (up, down)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            with __import__("contextlib").suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relay(postgres_db):
    from sqlalchemy.engine import make_url

    url = make_url(postgres_db)
    relay = Relay((url.host, url.port))
    relay.start()
    yield relay, url.set(port=relay.port).render_as_string(hide_password=False), postgres_db
    relay.cut()


def test_the_database_away_for_a_while_loses_no_row_and_repeats_none(client, refs, wine, expected, relay):
    from mds_client.batch.table import TableSink

    proxy, via_relay, direct = relay
    ref = refs["wine"]
    chunks = []
    times: list[float] = []

    def on_rows(frame: pd.DataFrame) -> None:
        chunks.append(len(frame))
        times.append(time.monotonic())
        if len(chunks) == 2:
            proxy.cut()  # the database is gone before the third chunk is written
            threading.Timer(2.0, proxy.start).start()

    sink = TableSink(via_relay, "scores", retry_for_s=30)
    result = BatchScorer(client, ref, client.schema(ref), batch_size=200, workers=2, chunk_rows=500).run(
        wine[0], sink, on_rows=on_rows)
    assert result.rows_total == ROWS and len(chunks) == ROWS // 500
    assert times[2] - times[1] >= 2.0  # the third chunk waited for the database to come back
    assert_same_rows(expected, read_output(f"{direct}::scores"))


def test_the_database_gone_for_good_stops_the_job_with_a_clear_message(client, refs, wine, relay):
    from mds_client.batch.table import TableSink

    proxy, via_relay, direct = relay
    ref = refs["wine"]

    committed = []

    def on_rows(frame: pd.DataFrame) -> None:
        committed.append(len(frame))
        proxy.cut()

    sink = TableSink(via_relay, "scores", retry_for_s=2)
    started = time.monotonic()
    with pytest.raises(OutputError) as info:
        BatchScorer(client, ref, client.schema(ref), batch_size=250, chunk_rows=500).run(wine[0], sink,
                                                                                         on_rows=on_rows)
    assert time.monotonic() - started < 20
    message = str(info.value)
    assert "scores" in message and "unreachable" in message and "resume" in message
    assert committed == [500] and len(read_output(f"{direct}::scores")) == 500  # the committed chunk stays
