"""The embedded MDS's Triton demo model on the pages, as an analyst meets it: listed on Models with its card's line,
answered on Predict with its own label (a class name, the class of the largest probability), scored on Batch.

The MDS of this module runs Triton (the session's shared one leaves it out); the model is the one Triton serves,
found by its server, never by its name.
"""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from embedded_mds import local_mds
from embedded_mds.ports import LocalPorts
from mds_client import ModelRef, load_catalog
from tests.app.helpers import metric_values, shown_tables, texts
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.batch_jobs import get_job, list_jobs

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def triton_mds(tmp_path_factory):
    from tests.triton_fixture import require_triton

    require_triton()
    home = tmp_path_factory.mktemp("mds-triton")
    running = local_mds.up(home, LocalPorts.free(), alibi=False, prometheus=False, mlflow=False, timeout=120)
    if "triton" in running.failures:
        local_mds.down(home)
        pytest.fail(running.failures["triton"])
    yield running
    local_mds.down(home)


@pytest.fixture(scope="module")
def catalog_path(triton_mds):
    """The catalog ``app_env`` points the app at: this module's MDS, Triton included."""
    return triton_mds.catalog_path


@pytest.fixture(scope="module")
def triton_ref(triton_mds) -> ModelRef:
    url = triton_mds.url("triton")
    return next(ref for ref in load_catalog(triton_mds.catalog_path) if ref.endpoint == url)


def test_models_lists_it_with_its_purpose(logged_in, triton_ref):
    at = logged_in("analyst", "models")
    assert not at.exception, at.exception
    assert at.button(key=f"models.try.{triton_ref.name}") is not None
    assert triton_ref.description in texts(at)


def test_predict_answers_its_own_label_with_how_sure_it_is(logged_in, triton_ref):
    at = logged_in("analyst")
    at.session_state["models.selected"] = triton_ref.name
    at.switch_page("../pages/predict.py").run()
    assert not at.exception, at.exception
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    result = at.session_state["predict.last_result"]
    classes = [c for c, _p in sorted(result.probabilities.items(), key=lambda item: -item[1])]
    assert result.label == classes[0] and not str(result.label).isdigit()  # the model's label, a class name
    assert metric_values(at)["Prediction"] == result.label
    assert [i["shape"] for i in result.request["inputs"]] == [[1, 1]] * len(result.request["inputs"])
    assert not at.error


def test_batch_scores_its_sample_with_class_names(logged_in, app_env, monkeypatch, triton_ref):
    monkeypatch.setenv("WORKBENCH_HOME", str(app_env / "home"))
    get_settings.cache_clear()
    at = logged_in("analyst")
    at.session_state["models.selected"] = triton_ref.name
    at.switch_page("../pages/batch.py").run()
    frame = pd.read_csv(triton_ref.sample_data)
    at.file_uploader(key="batch.upload").set_value(("flowers.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    n = len(frame.columns)
    assert at.metric[0].value == f"{n} of {n}" and not at.error
    at.button(key="batch.start").click().run()
    engine = open_store(f"sqlite:///{app_env / 'wb.db'}")
    deadline = time.monotonic() + 60
    while not (jobs := list_jobs(engine, "analyst")) or jobs[0].active:
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.2)
    at.run()
    assert not at.exception, at.exception
    job = get_job(engine, jobs[0].id)
    assert job.state == "done" and job.rows_scored == len(frame) and job.rows_rejected == 0
    out = pd.read_csv(job.output_path)
    assert len(out) == len(frame) and out["prediction"].nunique() > 1
    assert not out["prediction"].astype(str).str.isdigit().any()  # class names from the model's label output


def test_the_payload_check_applies_tritons_rules_and_its_correction_is_answered(logged_in, triton_ref):
    """Each column sent as [n] (what MLServer takes) where Triton declares [-1, 1]: the check says so by Triton's rules
    and its corrected payload, sent with "Send it", is answered with the model's labels."""
    rows = pd.read_csv(triton_ref.sample_data).head(2)
    flat = {"inputs": [{"name": c, "datatype": "FP32", "shape": [2], "data": rows[c].tolist()} for c in rows.columns]}
    at = logged_in("scientist")
    at.session_state["models.selected"] = triton_ref.name
    at.switch_page("../pages/payload_check.py").run()
    at.text_area(key="payload_check.source.text").set_value(json.dumps(flat)).run()
    assert not at.exception, at.exception
    said = texts(at)
    assert "triton" in said.lower() and f"{rows.columns[0]}: shape [2], but the model declares [-1, 1]" in said, said
    at.radio(key="payload_check.send.choice").set_value("The corrected payload").run()
    at.button(key="payload_check.send.send").click().run()
    assert not at.exception, at.exception
    answers = [t for t in shown_tables(at) if {"row", "prediction"} <= set(t.columns)]
    assert len(answers) == 1 and len(answers[0]) == 2
    assert not answers[0]["prediction"].astype(str).str.isdigit().any()  # class names, from its label output
