"""Batch jobs through the service: store state, bulk prediction log, cancel, resume, column plan."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from mds_client import FeatureKind, ModelSchema
from mds_client.schema.model import Feature
from workbench.batch.columns import plan_columns
from workbench.batch.service import BatchService
from workbench.errors import BatchJobError
from workbench.store import PredictionRow, batch_log, session_scope


@pytest.fixture
def service(tmp_path, client, engine):
    return BatchService(engine, client, tmp_path / "home")


def _wine_file(ref, path, reps=40):
    frame = pd.concat([pd.read_csv(ref.sample_data)] * reps, ignore_index=True)
    frame.to_csv(path, index=False)
    return frame


def test_a_job_runs_in_the_background_and_leaves_everything_in_the_store(service, client, refs, tmp_path):
    ref = refs["wine"]
    frame = _wine_file(ref, tmp_path / "w.csv")
    frame["proline"] = frame["proline"].astype(object)
    frame.loc[4, "proline"] = "lots"  # not a number (wine's bounds are only observed ranges: outside them is scored)
    frame.to_csv(tmp_path / "w.csv", index=False)
    job_id = service.start(user="ana", ref=ref, schema=client.schema(ref), source=tmp_path / "w.csv", batch_size=200)
    job = service.wait(job_id, 60)
    assert job.state == "done" and job.rows_done == len(frame) == job.rows_total
    assert job.rows_rejected == 1 and job.rows_scored == len(frame) - 1
    summary = service.summary(job_id)
    assert sum(summary.labels.values()) == len(frame) - 1 and set(summary.labels) <= {"cultivar_1", "cultivar_2", "cultivar_3"}
    assert summary.reasons == {"proline": 1}
    rejects = pd.read_csv(summary.rejects_path, keep_default_na=False)
    assert len(rejects) == 1 and "proline" in rejects.loc[0, "error"]
    assert summary.results_path == tmp_path / "home" / "jobs" / job_id / "results.csv"
    logged = batch_log.run_frame(service.engine, job_id)  # the batch log, not one prediction row per row
    assert logged["row"].tolist() == list(range(1, len(frame) + 1)) and (logged["error"] != "").sum() == 1
    assert logged.loc[4, "error"].startswith("proline") and logged["request_id"].iloc[0]
    with session_scope(service.engine) as session:
        assert session.scalar(select(func.count()).where(PredictionRow.batch_job_id == job_id)) == 0
    assert service.get(job_id).server_rows_per_s > 0, "the server's own rate was measured"
    assert [j.id for j in service.jobs("ana")] == [job_id] and service.jobs("bob") == []
    # A new service over the same store (a browser refresh, a restarted app) sees the job.
    again = BatchService(service.engine, client, tmp_path / "home")
    assert again.get(job_id).record.state == "done" and again.get(job_id).fraction == 1.0


def test_cancel_then_resume_finishes_every_row_once(service, client, refs, tmp_path):
    ref = refs["wine-v1"]
    frame = _wine_file(ref, tmp_path / "w.csv", reps=600)  # 30,000 rows, 3 chunks
    schema = client.schema(ref)
    job_id = service.start(user="ana", ref=ref, schema=schema, source=tmp_path / "w.csv", workers=1, batch_size=100)
    service.cancel(job_id)
    job = service.wait(job_id, 120)
    assert job.state == "cancelled" and 0 < job.rows_done < len(frame)
    service.resume(job_id, ref=ref, schema=schema)
    job = service.wait(job_id, 120)
    assert job.state == "done" and job.rows_done == len(frame) == job.rows_scored
    assert len(pd.read_csv(service.results_path(job_id))) == len(frame)
    logged = batch_log.run_frame(service.engine, job_id)
    assert logged["row"].tolist() == list(range(1, len(frame) + 1))
    assert logged["request_id"].tolist() == pd.read_csv(service.results_path(job_id))["request_id"].tolist()


def test_unknown_job_and_missing_file_are_service_errors(service, client, refs, tmp_path):
    with pytest.raises(BatchJobError):
        service.get("nope")
    with pytest.raises(BatchJobError, match="gone"):
        service.start(user="a", ref=refs["wine"], schema=ModelSchema(), source=tmp_path / "missing.csv")


def test_plan_columns_calls_out_missing_extra_and_wrongly_typed_and_takes_a_hand_map():
    schema = ModelSchema(features=(Feature("weight_kg", FeatureKind.NUMBER), Feature("colour", FeatureKind.CATEGORY,
                                                                                       categories=("red", "blue")),
                                   Feature("Age Years", FeatureKind.INTEGER)))
    head = pd.DataFrame({"weight_kg": ["heavy", "light", "1"], "paint": ["red", "blue", "red"],
                         "age_years": [1, 2, 3], "id": [1, 2, 3]})
    plan = plan_columns(head, schema)
    assert plan.matched == ["weight_kg", "Age Years"] and plan.missing == ["colour"]
    assert plan.column_map == {"age_years": "Age Years"} and set(plan.extra) == {"paint", "id"}
    assert "weight_kg" in plan.wrongly_typed and "heavy" in plan.wrongly_typed["weight_kg"]
    assert not plan.ok and any("Missing: colour" in m for m in plan.messages())
    fixed = plan_columns(head, schema, {"paint": "colour"})
    assert fixed.ok and fixed.extra == ["id"] and fixed.column_map["paint"] == "colour"


def test_feedback_on_a_batch_row_of_a_seldon_model_is_delivered_by_the_seldon_sink(service, client, refs, tmp_path):
    from workbench.feedback.capture import get_feedback, record_feedback
    from workbench.feedback.outbox import deliver_pending
    from workbench.feedback.sinks import SeldonFeedbackSink
    from workbench.predict.log import seldon_exchange

    ref = refs["wine-v1"]
    schema = client.schema(ref)
    frame = _wine_file(ref, tmp_path / "w.csv", reps=2)
    job_id = service.start(user="ana", ref=ref, schema=schema, source=tmp_path / "w.csv", batch_size=7)
    assert service.wait(job_id, 60).state == "done"
    row = service.row(job_id, 9)
    results = pd.read_csv(service.results_path(job_id))
    assert row.status == "ok" and row.label == results.loc[8, "prediction"]
    assert row.inputs["alcohol"] == pytest.approx(frame.loc[8, "alcohol"])
    with session_scope(service.engine) as session:
        logged = session.get(PredictionRow, row.prediction_id)
        assert logged.request is None and logged.response is None
        request, response = seldon_exchange(logged.inputs, logged.outputs, logged.request_id, schema)
    # What the sink sends: the row's own request and the response rebuilt from its logged outputs.
    assert request["data"]["ndarray"] == [[pytest.approx(v) for v in frame.loc[8, schema.table_columns()]]]
    assert response["meta"]["puid"] == results.loc[8, "request_id"] and len(response["data"]["ndarray"][0]) == 3
    wrong = next(c for c in schema.class_names if c != row.label)
    item = record_feedback(service.engine, row.prediction_id, "ana", "wrong", truth=wrong, schema=schema)
    assert item.forwarded == "pending"
    report = deliver_pending(service.engine, [SeldonFeedbackSink(client, [ref])], respect_backoff=False)
    assert report.delivered == 1 and get_feedback(service.engine, item.id).forwarded == "delivered"
    with pytest.raises(BatchJobError, match="Row 9999"):
        service.row(job_id, 9999)


def test_batch_rows_store_no_bodies_and_their_seldon_exchange_is_derived(client, refs):
    from mds_client import codec_for, jsonable
    from workbench.predict.log import prediction_rows, seldon_exchange

    ref = refs["wine-v1"]
    schema = client.schema(ref)
    frame = pd.read_csv(ref.sample_data).head(5)
    answer = client.predict(ref, frame, schema).to_frame()
    frame = pd.concat([frame, answer], axis=1)
    frame["request_id"], frame["error"] = "abc", ""
    frame.loc[2, "error"] = "alcohol: too high"
    rows = prediction_rows(frame, ref, schema, user="u", source="batch", start=10,
                           features=list(schema.table_columns()), task=schema.task)
    codec = codec_for("seldon")
    for i, row in enumerate(rows):
        assert row["request"] is None and row["response"] is None  # derived when feedback is sent, not stored
        if i == 2:
            assert row["status"] == "error" and row["outputs"] is None
            continue
        assert row["outputs"]["row"] == 11 + i
        request, response = seldon_exchange(row["inputs"], row["outputs"], "abc", schema)
        assert request == jsonable(codec.encode(frame[schema.table_columns()].iloc[[i]], schema))
        assert response["meta"]["puid"] == "abc"
        assert response["data"]["names"] == list(schema.class_names)
        assert response["data"]["ndarray"][0] == pytest.approx([frame.loc[i, f"p({c})"] for c in schema.class_names])
