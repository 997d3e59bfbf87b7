"""A model that serves two versions side by side, through AppTest: the Version box on Predict and Compare calls
the version chosen, and a data scientist (never an analyst) promotes one on Models, recorded in the audit log.

Against a real MLflow registry and MLServer; the two versions are trained here and give different answers.
"""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from mds_client import MDSClient
from tests.app.helpers import shown_tables, texts
from tests.workbench.publish.test_publish import classifier, joblib_bytes, orchard
from workbench.publish import PublishRequest, publish
from workbench.settings import get_settings
from workbench.store import audit
from workbench.store.engine import open_store

pytestmark = pytest.mark.server
NAME = "two-versions"


@pytest.fixture(scope="module")
def two_versions(mlflow_registry, publish_server):
    """Version 1 (what callers get) and version 2 of one model, answering differently on some rows."""
    from mds_client.registry import MlflowRegistry

    frame, grade = orchard(seed=31)
    first = classifier(frame, grade)
    second = make_pipeline(first.steps[0][1], LogisticRegression(C=0.002, max_iter=500)).fit(frame, grade)
    registry, client = MlflowRegistry(mlflow_registry.url), MDSClient()
    for model in (first, second):
        publish(PublishRequest(NAME, joblib_bytes(model), "m.joblib", frame), registry=registry,
                target=publish_server.target, user="ada", transport=client.transport)
    publish_server.models = (first, second, frame)  # type: ignore[attr-defined]
    yield publish_server
    client.close()
    registry.close()


@pytest.fixture
def versions_app(app_env, monkeypatch, mlflow_registry, two_versions):
    monkeypatch.setenv("WORKBENCH_MLFLOW_URI", mlflow_registry.url)
    monkeypatch.setenv("WORKBENCH_HOME", str(two_versions.home))
    monkeypatch.setenv("WORKBENCH_CATALOG", str(two_versions.home / "catalog.yaml"))
    get_settings.cache_clear()
    return two_versions


def test_predict_offers_the_versions_and_calls_the_one_chosen(logged_in, versions_app):
    at = logged_in("analyst", "predict")
    at.selectbox(key="predict.model").set_value(NAME).run()
    box = at.selectbox(key=f"predict.version.{NAME}")
    assert box.value == "1" and list(box.options) == ["1 (what callers get)", "2"]
    box.set_value("2").run()
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    assert f"/v2/models/{NAME}/versions/2/infer" in texts(at)


def test_compare_puts_the_other_version_beside_the_one_callers_get(logged_in, versions_app):
    at = logged_in("analyst", "compare")
    at.selectbox(key="compare.model").set_value(NAME).run()
    assert at.multiselect(key=f"compare.others.{NAME}@1").value == [f"{NAME}@2"]
    at.button(key="compare.send").click().run()
    assert not at.exception, at.exception
    [table] = shown_tables(at)
    assert list(table["Model"]) == [f"{NAME}@1", f"{NAME}@2"]
    assert "Problem" not in table.columns  # both answered


def test_a_scientist_replays_the_logged_traffic_to_the_other_version_and_sees_what_changes(logged_in, versions_app):
    from mds_client import load_catalog
    from tests.workbench.replay.served_versions import log_calls

    first, second, _ = versions_app.models
    traffic, _ = orchard(n=120, seed=33)
    ref = next(r for r in load_catalog(versions_app.home / "catalog.yaml") if r.name == NAME)
    client = MDSClient()
    try:
        log_calls(open_store(get_settings().database_url), client, ref, traffic, rows_per_call=30)
    finally:
        client.close()
    changes = int((first.predict(traffic) != second.predict(traffic)).sum())
    assert 0 < changes < len(traffic)

    at = logged_in("scientist", "models")
    at.selectbox(key="models.model").set_value(NAME).run()
    at.button(key=f"models.replay.go.{NAME}").click().run()
    assert not at.exception, at.exception
    assert f"**{changes} of 120 answers change" in texts(at).replace("\\", "")
    confusion = next(t for t in shown_tables(at) if "logged" in t.columns)
    assert int(confusion.drop(columns=["logged"]).to_numpy().sum()) == 120


def test_a_scientist_promotes_a_version_and_an_analyst_cannot(logged_in, versions_app):
    analyst = logged_in("analyst", "models")
    analyst.selectbox(key="models.model").set_value(NAME).run()
    assert "Versions in the model registry" in texts(analyst)
    assert not [b for b in analyst.button if b.key == f"models.promote.go.{NAME}"]

    at = logged_in("scientist", "models")
    at.selectbox(key="models.model").set_value(NAME).run()
    at.button(key=f"models.promote.go.{NAME}").click().run()
    assert not at.exception, at.exception
    assert "now get version 2" in texts(at)
    [event] = audit.events(open_store(get_settings().database_url), model=NAME)
    assert (event.user, event.action, event.detail["version"], event.detail["before"]) == ("scientist", "promote",
                                                                                           "2", "1")
    # The other tests of this module may run after this one (pytest-xdist steals tests): callers get 1 again.
    from mds_client.registry import MlflowRegistry
    from workbench.publish.service import promote

    registry = MlflowRegistry(get_settings().mlflow_uri)
    promote(NAME, "1", registry=registry, target=versions_app.target, user="tests")
    registry.close()


def test_models_shows_each_versions_run_metrics_and_the_registrys_unserved_models(logged_in, versions_app,
                                                                                 mlflow_registry):
    from mds_client.registry import MlflowRegistry

    registry = MlflowRegistry(mlflow_registry.url)
    registry.create_model("only-registered", "A churn model nobody serves yet.")
    run = registry.start_run(user="kim", name="train")
    registry.log(run, metrics={"accuracy": 0.875, "f1": 0.8125})
    registry.finish_run(run)
    registry.create_version("only-registered", run, path="model", description="first try")
    registry.close()

    analyst = logged_in("analyst", "models")
    assert not [e for e in analyst.expander if "not served here" in e.label]
    at = logged_in("scientist", "models")
    at.selectbox(key="models.model").set_value(NAME).run()
    assert not at.exception, at.exception
    # a static table's headers read as words, and its short values keep whole with no-break hyphens and spaces
    tables = [t.rename(columns=str.lower).map(lambda v: str(v).replace("\u2011", "-").replace("\u00a0", " "))
              for t in shown_tables(at)]
    unserved = next(t for t in tables if "latest" in t.columns)
    row = unserved[unserved["model"] == "only-registered"].iloc[0]
    assert (float(row["latest"]), row["description"]) == (1.0, "A churn model nobody serves yet.")
    assert NAME not in set(unserved["model"])
    versions = next(t for t in tables if "serving" in t.columns)
    assert sorted(versions["serving"]) == ["answers beside it", "callers get this"]
