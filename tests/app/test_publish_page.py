"""The Publish page through AppTest: uploads, the form analysts will get, the steps, and what it refuses.

Against a real MLflow registry and MLServer (tests/mlflow_fixture.py, tests/publish_fixture.py); the model
is trained here with mixed column types and string classes.
"""

from __future__ import annotations

import io

import joblib
import pandas as pd
import pytest

from mds_client.registry import MlflowRegistry
from tests.workbench.publish.test_publish import classifier, orchard
from tests.workbench.publish.test_publish_mlflow import cases  # noqa: F401 (a fixture: the saved MLflow folders)
from workbench.publish.mlflow_folder import mlflow_upload
from workbench.settings import get_settings

pytestmark = pytest.mark.server


def texts(at) -> list[str]:
    return [e.value for kind in ("success", "error", "info", "caption", "markdown") for e in getattr(at, kind)]


@pytest.fixture
def publishing(app_env, monkeypatch, mlflow_registry, publish_server):
    monkeypatch.setenv("WORKBENCH_MLFLOW_URI", mlflow_registry.url)
    monkeypatch.setenv("WORKBENCH_HOME", str(publish_server.home))
    get_settings.cache_clear()
    return mlflow_registry


def model_file(frame: pd.DataFrame, grade) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(classifier(frame, grade), buffer)
    return buffer.getvalue()


def test_a_scientist_sees_the_form_then_publishes_step_by_step(logged_in, publishing):
    frame, grade = orchard(seed=21)
    at = logged_in("scientist", "publish")
    assert not at.exception, at.exception
    assert any("Upload the reference rows" in t for t in texts(at))
    at.file_uploader(key="publish.reference").upload("rows.csv", frame.to_csv(index=False).encode(), "text/csv").run()
    assert not at.exception, at.exception
    assert any("3 inputs from 240 reference rows" in t for t in texts(at)), texts(at)
    assert at.button(key="publish.go").disabled
    at.text_input(key="publish.name").input("page-grade")
    at.text_input(key="publish.alias").input("champion")
    at.file_uploader(key="publish.model").upload("grade.joblib", model_file(frame, grade), "application/octet-stream")
    at.run()
    at.button(key="publish.go").click().run(timeout=120)
    assert not at.exception, at.exception
    said = texts(at)
    assert any("page\\-grade version 1 is ready as champion" in t or "page-grade version 1 is ready as champion" in t
               for t in said), said
    for step in ("Checked", "Registered", "Serving", "Ready"):
        assert any(f"**{step}**" in t for t in said), (step, said)
    assert MlflowRegistry(publishing.url).version("page-grade", "champion").published_by == "scientist"


def test_an_mlflow_folder_zip_needs_no_reference_rows_and_shows_the_form_its_signature_makes(logged_in, publishing,
                                                                                             cases):  # noqa: F811
    data, file_name = mlflow_upload(cases / "custom")
    at = logged_in("scientist", "publish")
    at.text_input(key="publish.name").input("page-yield")
    at.file_uploader(key="publish.model").upload(file_name, data, "application/zip").run()
    assert not at.exception, at.exception
    assert any("3 inputs from the MLmodel's signature" in t.replace("\\", "") for t in texts(at)), texts(at)
    assert not at.button(key="publish.go").disabled
    at.button(key="publish.go").click().run(timeout=180)
    assert not at.exception, at.exception
    said = texts(at)
    for step in ("Checked", "Registered", "Serving", "Ready"):
        assert any(f"**{step}**" in t for t in said), (step, said)
    assert MlflowRegistry(publishing.url).version("page-yield", "1").published_by == "scientist"


def test_a_file_that_is_not_a_model_is_refused_with_its_reason(logged_in, publishing):
    frame, _ = orchard(seed=22)
    at = logged_in("scientist", "publish")
    at.file_uploader(key="publish.reference").upload("rows.csv", frame.to_csv(index=False).encode(), "text/csv")
    at.text_input(key="publish.name").input("not-a-model")
    at.file_uploader(key="publish.model").upload("notes.pkl", b"just some notes", "application/octet-stream")
    at.run()
    at.button(key="publish.go").click().run(timeout=60)
    assert not at.exception, at.exception
    assert any("is not a pickled or joblib model" in e.value for e in at.error), texts(at)
    assert MlflowRegistry(publishing.url).model("not-a-model") is None


def test_a_reference_file_that_is_not_csv_is_named(logged_in, publishing):
    at = logged_in("admin", "publish")
    at.file_uploader(key="publish.reference").upload("rows.csv", b"\xff\xfe\x00\x01", "text/csv").run()
    assert not at.exception, at.exception
    assert any("cannot be read as CSV" in e.value or "has no rows" in e.value for e in at.error), texts(at)


def test_with_no_registry_the_page_says_how_to_get_one(logged_in, app_env, monkeypatch, tmp_path, publish_server):
    monkeypatch.delenv("WORKBENCH_MLFLOW_URI", raising=False)
    monkeypatch.setenv("WORKBENCH_HOME", str(publish_server.home))  # its state.json lists no MLflow server
    get_settings.cache_clear()
    frame, grade = orchard(seed=23)
    at = logged_in("scientist", "publish")
    at.file_uploader(key="publish.reference").upload("rows.csv", frame.to_csv(index=False).encode(), "text/csv")
    at.text_input(key="publish.name").input("no-registry")
    at.file_uploader(key="publish.model").upload("m.joblib", model_file(frame, grade), "application/octet-stream")
    at.run()
    at.button(key="publish.go").click().run(timeout=60)
    assert not at.exception, at.exception
    assert any("There is no model registry" in e.value for e in at.error), texts(at)


def test_models_shows_a_published_models_versions_from_the_registry(logged_in, publishing, publish_server, client,
                                                                     monkeypatch):
    from workbench.publish import PublishRequest, publish

    frame, grade = orchard(seed=24)
    registry = MlflowRegistry(publishing.url)
    for user, alias in (("ada", None), ("bo", "champion")):
        publish(PublishRequest("listed-grade", model_file(frame, grade), "m.joblib", frame, description=f"by {user}",
                               alias=alias), registry=registry, target=publish_server.target, user=user,
                transport=client.transport)
    monkeypatch.setenv("WORKBENCH_CATALOG", str(publish_server.home / "catalog.yaml"))
    get_settings.cache_clear()
    at = logged_in("analyst", "models")
    at.selectbox(key="models.model").set_value("listed-grade").run()
    assert not at.exception, at.exception
    assert any("Versions in the model registry" in m.value for m in at.markdown), texts(at)
    tables = [t.value for t in [*at.dataframe, *at.table]]
    table = next(t for t in tables if "published_by" in t.columns or "Published by" in t.columns)
    rows = table.to_dict(orient="records")
    assert [str(r.get("Version", r.get("version"))) for r in rows] == ["2", "1"]
    first = rows[0]
    assert "champion" in str(first.get("Aliases", first.get("aliases")))
    assert str(first.get("Serving", "")) == "callers get this"
