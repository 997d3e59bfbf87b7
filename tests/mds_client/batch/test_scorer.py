"""The batch engine against real MLServer (V2) and seldon-core v1 microservices.

The server-restart test starts its own seldon-core microservice (the launcher the embedded MDS
uses, on free ports, serving the session's wine-v1 model folder), kills its whole process group
after the second chunk is written, and starts it again on the same port three seconds later;
the engine rides out the outage by retrying the failed minibatches.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedded_mds.ports import LocalPorts
from embedded_mds.server_specs import SELDON_SKLEARN_CLASS, server_env
from mds_client import InputError
from mds_client.batch.checks import load_state
from mds_client.batch.inputs import read_chunks
from mds_client.batch.scorer import BatchScorer, progress_path, score_file

WINE_ROWS = 3_000


def _wine(ref, rows: int) -> pd.DataFrame:
    sample = pd.read_csv(ref.sample_data)
    reps = -(-rows // len(sample))
    frame = pd.concat([sample] * reps, ignore_index=True).iloc[:rows]
    # Small jitter so that rows differ; stays inside the schema's ranges.
    rng = np.random.default_rng(7)
    low, high = frame["alcohol"].min(), frame["alcohol"].max()
    frame["alcohol"] = (frame["alcohol"] + rng.uniform(-0.05, 0.05, len(frame))).clip(low, high).round(3)
    return frame


@pytest.fixture(scope="module")
def wine_csv(tmp_path_factory, refs) -> Path:
    path = tmp_path_factory.mktemp("batch") / "wine.csv"
    frame = _wine(refs["wine"], WINE_ROWS)
    frame.insert(0, "row_id", range(len(frame)))  # a column the model does not know: kept, not sent
    frame.to_csv(path, index=False)
    return path


def _direct(client, ref, schema, frame: pd.DataFrame) -> pd.DataFrame:
    return client.predict(ref, frame, schema).to_frame()


@pytest.mark.parametrize("model", ["wine", "wine-v1", "tips"])
def test_results_match_the_models_own_predictions_row_for_row(client, refs, tmp_path, model):
    ref = refs[model]
    schema = client.schema(ref)
    frame = _wine(ref, 1_200) if model.startswith("wine") else pd.read_csv(ref.sample_data)
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    result = BatchScorer(client, ref, schema, batch_size=64, workers=3, chunk_rows=300).run(source, tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    direct = _direct(client, ref, schema, frame)
    assert result.rows_total == len(frame) == len(out) and result.rows_rejected == 0
    assert out["prediction"].astype(str).tolist() == direct["prediction"].astype(str).tolist()
    for cls in schema.class_names:
        np.testing.assert_allclose(out[f"p({cls})"].astype(float), direct[f"p({cls})"].astype(float), rtol=1e-6)
    assert (out["error"] == "").all() and out["request_id"].astype(str).str.len().gt(0).all()


def test_rejects_carry_the_right_reason_and_the_rest_is_scored(client, refs, tmp_path):
    ref = refs["tips"]
    schema = client.schema(ref)
    frame = pd.read_csv(ref.sample_data).astype({"total_bill": object, "day": object})
    frame.loc[3, "total_bill"] = "heavy"
    frame.loc[5, "day"] = "Funday"
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = score_file(client, ref, schema, tmp_path / "in.csv", tmp_path / "out.csv", batch_size=8)
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert result.rows_rejected == 2 and result.rows_scored == len(frame) - 2
    assert "total_bill" in out.loc[3, "error"] and "heavy" in out.loc[3, "error"] and "number" in out.loc[3, "error"]
    assert "day" in out.loc[5, "error"] and "Funday" in out.loc[5, "error"]
    assert out.loc[3, "prediction"] == "" and out.loc[4, "prediction"] != ""
    assert set(result.reasons) == {"total_bill", "day"}


def test_resume_after_a_stop_gives_exactly_the_rows_of_an_uninterrupted_run(client, refs, wine_csv, tmp_path):
    ref = refs["wine"]
    schema = client.schema(ref)
    scorer = BatchScorer(client, ref, schema, batch_size=100, workers=2, chunk_rows=500)
    whole = scorer.run(wine_csv, tmp_path / "whole.csv")

    first = scorer.run(wine_csv, tmp_path / "part.csv", should_stop=lambda: True)
    assert first.cancelled and first.rows_total == 500 and load_state(tmp_path / "part.csv").rows_done == 500
    second = scorer.run(wine_csv, tmp_path / "part.csv", resume=True)
    assert second.resumed_from == 500 and second.rows_total == WINE_ROWS == whole.rows_total
    assert not progress_path(tmp_path / "part.csv").exists()
    _same_rows(tmp_path / "whole.csv", tmp_path / "part.csv")


def test_output_never_keeps_a_half_written_row(client, refs, wine_csv, tmp_path):
    ref = refs["wine-v1"]
    schema = client.schema(ref)
    scorer = BatchScorer(client, ref, schema, batch_size=100, workers=2, chunk_rows=1_000)
    scorer.run(wine_csv, tmp_path / "whole.csv")
    out = tmp_path / "out.csv"
    chunks = iter(range(10))
    scorer.run(wine_csv, out, should_stop=lambda: next(chunks) == 1)  # stops after two chunks
    # A crash while appending the third chunk: some whole rows and a torn one after the checkpoint.
    with open(out, "ab") as handle:
        handle.write(b"2000,13.1,1.2,2.3\n2001,12.9,2.")
    resumed = scorer.run(wine_csv, out, resume=True)
    assert resumed.resumed_from == 2_000
    text = out.read_text()
    assert "2001,12.9,2.\n" not in text and text.endswith("\n")
    _same_rows(tmp_path / "whole.csv", out)


def _same_rows(expected: Path, actual: Path) -> None:
    a = pd.read_csv(expected, keep_default_na=False).drop(columns=["request_id"])
    b = pd.read_csv(actual, keep_default_na=False).drop(columns=["request_id"])
    assert b["row_id"].tolist() == list(range(len(a)))  # every row once, in input order
    pd.testing.assert_frame_equal(a, b)


# --- a server that dies halfway and comes back ---------------------------------------------
class _OwnSeldon:
    """A seldon-core microservice for wine-v1 that the test may kill and restart."""

    def __init__(self, home: Path, run_dir: Path) -> None:
        from embedded_mds import processes
        from embedded_mds.layout import HomeLayout, seldon_python

        self.processes = processes
        ports = LocalPorts.free()
        self.http, self.metrics = ports.seldon_http, ports.seldon_metrics
        self.argv = [str(seldon_python()), "-m", "embedded_mds.served.seldon_launcher", "--name", "wine-v1",
                     "--model-dir", str(HomeLayout(home).seldon_dir("wine-v1")), "--class", SELDON_SKLEARN_CLASS,
                     "--host", "127.0.0.1", "--http-port", str(self.http), "--metrics-port", str(self.metrics)]
        self.env = server_env()
        self.run_dir = run_dir
        self.process = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http}"

    def start(self, timeout: float = 60) -> None:
        self.process = self.processes.start_process(self.argv, log_path=self.run_dir / "seldon.log", env=self.env,
                                                    cwd=self.run_dir)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while not self.processes.http_ok(self.url + "/health/ping"):
            assert self.process.poll() is None, (self.run_dir / "seldon.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "seldon microservice not ready"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.processes.stop_group(self.process.pid)
            self.process.wait(timeout=10)


@pytest.fixture
def own_seldon(local_mds, tmp_path):
    server = _OwnSeldon(Path(local_mds.home), tmp_path)
    server.start()
    yield server
    server.stop()


def test_server_stopped_halfway_and_restarted_finishes_with_every_row_once(client, refs, wine_csv, own_seldon, tmp_path):
    ref = dataclasses.replace(refs["wine-v1"], endpoint=own_seldon.url)
    schema = client.schema(ref)
    restarted = threading.Event()

    def restart_later() -> None:
        time.sleep(3)
        own_seldon.start()
        restarted.set()

    chunks_seen = []

    def on_rows(frame: pd.DataFrame) -> None:
        chunks_seen.append(len(frame))
        if len(chunks_seen) == 2:
            own_seldon.stop()  # the server is gone before the third chunk is sent
            threading.Thread(target=restart_later, daemon=True).start()

    scorer = BatchScorer(client, ref, schema, batch_size=100, workers=2, chunk_rows=500, retry_for_s=60)
    result = scorer.run(wine_csv, tmp_path / "out.csv", on_rows=on_rows)
    assert restarted.is_set() and own_seldon.starts == 2
    assert result.rows_total == WINE_ROWS and result.rows_scored == WINE_ROWS and result.rows_rejected == 0
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert out["row_id"].tolist() == list(range(WINE_ROWS))
    direct = _direct(client, refs["wine-v1"], schema, pd.read_csv(wine_csv))
    assert out["prediction"].tolist() == direct["prediction"].tolist()


# --- bad input --------------------------------------------------------------------------------
def test_semicolon_file_is_sniffed(client, refs, tmp_path):
    ref = refs["wine"]
    frame = _wine(ref, 20)
    frame.to_csv(tmp_path / "semi.csv", index=False, sep=";")
    result = score_file(client, ref, client.schema(ref), tmp_path / "semi.csv", tmp_path / "out.csv")
    assert result.rows_scored == 20


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"alcohol,malic_acid\n13,1.5\n", "lacks the column"),
        ("name,price\ncaf\xe9,1\n".encode("latin-1"), "not UTF-8"),
        (b"foo,bar,baz\n1,2,3\n", "lacks the column"),
        (b"alcohol,malic_acid,ash,alcalinity_of_ash,magnesium,total_phenols,flavanoids,nonflavanoid_phenols,"
         b"proanthocyanins,color_intensity,hue,od280/od315_of_diluted_wines,proline\n", "no data rows"),
    ],
    ids=["empty", "some-columns-missing", "latin-1", "header-matches-nothing", "header-only"],
)
def test_bad_files_give_a_clear_input_error(client, refs, tmp_path, content, message):
    ref = refs["wine"]
    (tmp_path / "bad.csv").write_bytes(content)
    with pytest.raises(InputError) as info:
        score_file(client, ref, client.schema(ref), tmp_path / "bad.csv", tmp_path / "out.csv")
    text = str(info.value)
    assert "bad.csv" in text or "column" in text
    if message:
        assert message in text
    if "lacks" in text:
        assert "alcohol" in text or "proline" in text  # names what is missing


def test_parquet_and_jsonl_read_in_chunks(tmp_path):
    frame = pd.DataFrame({"a": range(25), "b": [f"x{i}" for i in range(25)]})
    frame.to_parquet(tmp_path / "f.parquet")
    frame.to_json(tmp_path / "f.jsonl", orient="records", lines=True)
    for name in ("f.parquet", "f.jsonl"):
        chunks = list(read_chunks(tmp_path / name, 10, skip_rows=5))
        assert max(len(c) for c in chunks) <= 10
        pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), frame.iloc[5:].reset_index(drop=True))
