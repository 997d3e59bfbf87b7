"""Batch jobs through a fault-injecting proxy (``tests/faults.py``) in front of a real model server.

Nothing is lost: when a fault outlasts the job's patience the job fails with a plain message, every
row is either in the results (scored, or rejected with its reason) or still to do, and a resume after
the fault clears finishes the file with every row exactly once; a fault that clears while the job
waits is ridden out.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mds_client import MDSClient, Timeout, Transport
from mds_client.transport.sessions import Retry
from tests.faults import FAULTS, assert_plain, origin, start_proxy, through
from workbench.batch.service import BatchService
from workbench.store import batch_log

ROWS, BATCH, CHUNK = 60, 10, 20
HEALTHY_CALLS = 2 + 3  # the server-rate probe (2 calls), then one chunk and a half of minibatches
WORDS = {"delay": "did not answer", "drop": "without answering", "reset": "reset", "garbage": "not HTTP",
         "html_5xx": "502 Bad Gateway", "truncate": "closed the connection after", "trickle": "deadline"}


@pytest.fixture(scope="module")
def target(refs, client):
    ref = next((r for r in refs.values() if r.protocol == "v2" and "test" not in r.tags and r.reference_data
                and not client.schema(r).is_empty), None)
    if ref is None:
        pytest.skip("no V2 model with a schema and reference data")
    schema = client.schema(ref)
    frame = pd.read_csv(ref.reference_data)[schema.table_columns()]
    frame = pd.concat([frame] * (ROWS // len(frame) + 1)).head(ROWS).reset_index(drop=True)
    proxy = start_proxy(origin(ref.endpoint))
    proxy.delay_s = 1.5
    yield through(ref, proxy), schema, frame, proxy
    proxy.close()


@pytest.fixture
def fast_client():
    client = MDSClient(Transport(timeout=Timeout(connect=2.0, read=1.0, answer=2.0), retry=Retry(attempts=1)))
    yield client
    client.close()


def _check_complete(service: BatchService, job_id: str, frame: pd.DataFrame) -> None:
    results = pd.read_csv(service.results_path(job_id), keep_default_na=False)
    assert len(results) == len(frame), "every row once"
    pd.testing.assert_frame_equal(results[frame.columns.tolist()], frame, check_dtype=False)
    assert (results["error"] == "").all() and (results["request_id"] != "").all()
    logged = batch_log.run_frame(service.engine, job_id)
    assert len(logged) == len(frame) and logged["request_id"].tolist() == results["request_id"].tolist()


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_mid_job_fails_it_plainly_and_resume_finishes_every_row_once(target, fast_client, engine, tmp_path,
                                                                           fault):
    ref, schema, frame, proxy = target
    frame.to_csv(tmp_path / "in.csv", index=False)
    service = BatchService(engine, fast_client, tmp_path / "home", retry_for_s=0.5, chunk_rows=CHUNK)
    try:
        proxy.mode, proxy.healthy_left = fault, HEALTHY_CALLS
        job_id = service.start(user="ana", ref=ref, schema=schema, source=tmp_path / "in.csv", batch_size=BATCH,
                               workers=2)
        job = service.wait(job_id, 180)
        assert job.state == "failed", job
        assert WORDS[fault] in job.error and "resume" in job.error.lower(), job.error
        assert_plain(job.error)
        kept = pd.read_csv(service.results_path(job_id)) if job.rows_done else pd.DataFrame()
        assert job.rows_done == len(kept) and job.rows_done % CHUNK == 0 and job.rows_done < ROWS
        assert f"{job.rows_done:,} of {ROWS:,} rows" in job.error  # the rest is listed as still to do
    finally:
        proxy.mode, proxy.healthy_left = "pass", 0
    service.resume(job_id, ref=ref, schema=schema)
    job = service.wait(job_id, 180)
    assert job.state == "done" and job.rows_done == ROWS and job.rows_scored == ROWS, job
    _check_complete(service, job_id, frame)


def test_a_fault_that_clears_while_the_job_waits_is_ridden_out(target, fast_client, engine, tmp_path):
    import threading

    ref, schema, frame, proxy = target
    frame.to_csv(tmp_path / "in.csv", index=False)
    service = BatchService(engine, fast_client, tmp_path / "home", retry_for_s=30.0, chunk_rows=CHUNK)
    clear = threading.Timer(3.0, lambda: setattr(proxy, "mode", "pass"))
    try:
        proxy.mode, proxy.healthy_left = "reset", HEALTHY_CALLS
        clear.start()
        job_id = service.start(user="ana", ref=ref, schema=schema, source=tmp_path / "in.csv", batch_size=BATCH,
                               workers=2)
        job = service.wait(job_id, 180)
    finally:
        clear.cancel()
        proxy.mode, proxy.healthy_left = "pass", 0
    assert job.state == "done" and job.rows_scored == ROWS, job
    assert sum(n for path, n in proxy.seen.items() if path.endswith("/infer")) > ROWS // BATCH  # it did retry
    _check_complete(service, job_id, frame)
