"""Batch page: upload, column plan and hand mapping, a job to the end, summary, downloads, past jobs."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from tests.app.helpers import shown_tables, texts, unescape
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.batch_jobs import get_job, list_jobs


@pytest.fixture
def batch_env(app_env, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(app_env / "home"))
    get_settings.cache_clear()
    return app_env


def open_batch(logged_in, model: str = "wine"):
    at = logged_in("analyst")
    at.session_state["models.selected"] = model
    at.switch_page("../pages/batch.py").run()
    assert not at.exception, at.exception
    return at


def _wait_done(at, batch_env, timeout=60):
    engine = open_store(f"sqlite:///{batch_env / 'wb.db'}")
    deadline = time.monotonic() + timeout
    while True:
        jobs = list_jobs(engine, "analyst")
        if jobs and not jobs[0].active:
            break
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.2)
    at.run()
    assert not at.exception, at.exception
    return get_job(engine, jobs[0].id)


def test_upload_run_summary_downloads_and_past_jobs(logged_in, batch_env, refs):
    at = open_batch(logged_in)
    assert at.title[0].value == "Score a file"
    frame = pd.concat([pd.read_csv(refs["wine"].sample_data)] * 4, ignore_index=True)
    frame["proline"] = frame["proline"].astype(object)
    frame.loc[7, "proline"] = "a lot"  # not a number: rejected (a value outside observed ranges is only a warning)
    at.file_uploader(key="batch.upload").set_value(("cellar.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "13 of 13" and not at.error
    at.button(key="batch.start").click().run()
    assert not at.exception, at.exception
    job = _wait_done(at, batch_env)
    assert job.state == "done" and job.rows_scored == len(frame) - 1 and job.rows_rejected == 1
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows scored"] == f"{len(frame) - 1:,}" and metrics["Rows rejected"] == "1"
    assert at.get("plotly_chart"), "no label chart"
    downloads = at.get("download_button")
    assert len(downloads) == 2
    assert "cellar.csv" in texts(at) or any("cellar.csv" in unescape(str(s.value)) for s in at.subheader)
    assert shown_tables(at), "past jobs are listed"
    assert at.query_params.get("job") in ([job.id], job.id)


def test_missing_column_is_called_out_and_mapped_by_hand(logged_in, batch_env, refs):
    at = open_batch(logged_in)
    frame = pd.read_csv(refs["wine"].sample_data).rename(columns={"proline": "Proline (mg/L)"})
    at.file_uploader(key="batch.upload").set_value(("renamed.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert "proline" in " ".join(e.value for e in at.error) + texts(at)
    assert at.button(key="batch.start").disabled
    at.selectbox(key="batch.plan.wine.map.proline").set_value("Proline (mg/L)").run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "13 of 13"
    assert not at.button(key="batch.start").disabled
    at.button(key="batch.start").click().run()
    job = _wait_done(at, batch_env)
    assert job.state == "done" and job.rows_scored == len(frame)


@pytest.mark.parametrize(("content", "words"), [(b"", "is empty"), ("x\ncaf\xe9\n".encode("latin-1"), "UTF-8")])
def test_bad_file_shows_a_plain_message(logged_in, batch_env, content, words):
    at = open_batch(logged_in)
    at.file_uploader(key="batch.upload").set_value(("bad.csv", content, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any(words in unescape(e.value) for e in at.error)


def test_sample_file_of_the_model_can_be_scored(logged_in, batch_env):
    at = open_batch(logged_in, "tips")
    at.segmented_control(key="batch.origin").set_value("Use the model's sample file").run()
    assert not at.exception, at.exception
    at.button(key="batch.start").click().run()
    job = _wait_done(at, batch_env)
    assert job.state == "done" and job.model == "tips" and job.rows_scored > 0


def test_rejected_rows_are_listed_and_a_scored_row_takes_feedback(logged_in, batch_env, refs):
    from workbench.feedback.capture import feedback_for_prediction

    at = open_batch(logged_in, "wine-v1")
    frame = pd.concat([pd.read_csv(refs["wine-v1"].sample_data)] * 2, ignore_index=True)
    frame.loc[4, "proline"] = -1
    at.file_uploader(key="batch.upload").set_value(("cellar.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    at.button(key="batch.start").click().run()
    job = _wait_done(at, batch_env)
    rejects = next(t for t in shown_tables(at) if "reason" in t.columns)
    assert len(rejects) == 1 and "proline" in rejects.loc[0, "reason"]
    assert not any(b.key == "batch.resume" for b in at.button), "a finished job offers no Resume"
    at.number_input(key=f"batch.rows.{job.id}.number").set_value(5).run()
    assert any("rejected" in i.value for i in at.info), "a rejected row has nothing to judge"
    at.number_input(key=f"batch.rows.{job.id}.number").set_value(3).run()
    assert not at.exception, at.exception
    correct = next(b for b in at.button if b.key and b.key.startswith(f"batch.feedback.{job.id}.")
                   and b.key.endswith(".correct"))
    prediction_id = int(correct.key.split(".")[-2])
    correct.click().run()
    assert not at.exception, at.exception
    engine = open_store(f"sqlite:///{batch_env / 'wb.db'}")
    items = feedback_for_prediction(engine, prediction_id, "analyst")
    assert [i.verdict for i in items] == ["correct"] and items[0].model == "wine-v1"
    assert any("You said: **Correct**" in s.value for s in at.success)


def test_a_cancelled_job_can_be_resumed_from_the_page(logged_in, batch_env, refs, client):
    from workbench.batch.service import BatchService

    at = open_batch(logged_in)
    ref = refs["wine"]
    frame = pd.concat([pd.read_csv(ref.sample_data)] * 300, ignore_index=True)  # 15,000 rows, 2 chunks
    frame.to_csv(batch_env / "big.csv", index=False)
    engine = open_store(f"sqlite:///{batch_env / 'wb.db'}")
    outside = BatchService(engine, client, get_settings().home)
    job_id = outside.start(user="analyst", ref=ref, schema=client.schema(ref), source=batch_env / "big.csv",
                           workers=1, batch_size=50)
    outside.cancel(job_id)
    assert outside.wait(job_id, 120).state == "cancelled"
    at.session_state["batch.job"] = job_id
    at.run()
    assert not at.exception, at.exception
    at.button(key="batch.resume").click().run()
    assert not at.exception, at.exception
    job = _wait_done(at, batch_env, timeout=120)
    assert job.state == "done" and job.rows_scored == len(frame) == job.rows_done


def test_speed_in_rows_per_second_and_the_job_runs_on_while_the_user_is_elsewhere(logged_in, batch_env,
                                                                                             refs):
    at = open_batch(logged_in, "wine-v1")
    frame = pd.concat([pd.read_csv(refs["wine-v1"].sample_data)] * 300, ignore_index=True)  # 15,000 rows
    at.file_uploader(key="batch.upload").set_value(("long.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    at.slider(key="batch.workers").set_value(1)
    at.select_slider(key="batch.size").set_value(50)
    at.button(key="batch.start").click().run()
    assert not at.exception, at.exception
    assert any("You can leave this page" in c.value for c in at.caption), "a running job says it runs on"
    engine = open_store(f"sqlite:///{batch_env / 'wb.db'}")
    job_id = list_jobs(engine, "analyst")[0].id
    at.switch_page("../pages/models.py").run()  # elsewhere, while the job runs
    assert not at.exception, at.exception
    seen = [get_job(engine, job_id).rows_done]
    deadline = time.monotonic() + 180
    while get_job(engine, job_id).active:
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.3)
        seen.append(get_job(engine, job_id).rows_done)
    job = get_job(engine, job_id)
    assert job.state == "done" and job.rows_scored == len(frame)
    assert len(set(seen)) > 1, "the job made progress while the user was on another page"
    at.switch_page("../pages/batch.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    rate, server = job.options["rows_per_s"], job.options["server_rows_per_s"]
    assert metrics["Speed"] == f"{rate:,.0f} rows/s" and server > 0
    # the comparison with the server's own rate is for admins (tests/components/test_batch_view.py)
    assert not any("server's own rate" in unescape(c.value) for c in at.caption), "an analyst is shown server rates"
