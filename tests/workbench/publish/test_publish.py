"""Publishing against real peers: an MLflow tracking server (SQLite, served artifacts) and MLServer.

The models are trained here, with mixed column types (a string category, integers, floats) and string
class names; nothing depends on the demo models. Each published version must answer through the
workbench exactly as the trained model answers the same rows in process.
"""

from __future__ import annotations

import io
import json
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import requests
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mds_client import MDSClient, load_catalog
from mds_client.registry import PUBLISHED_BY, MlflowRegistry, RegistryError
from tests.publish_fixture import PublishServer
from workbench.cli import main as mds
from workbench.publish import PublishError, PublishRequest, ServingTarget, promote, publish
from workbench.publish.model_file import check_model
from workbench.store import audit

pytestmark = pytest.mark.server


def orchard(n: int = 240, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "variety": rng.choice(["bramley", "cox", "gala"], n),
        "age_years": rng.integers(1, 40, n),
        "rainfall_mm": rng.normal(700.0, 120.0, n).round(1),
    })
    score = frame["rainfall_mm"] / 100 + (frame["variety"] == "cox") * 2 - frame["age_years"] / 10
    grade = np.where(score > 7.0, "premium", np.where(score > 5.5, "standard", "juice"))
    return frame, grade


def classifier(frame: pd.DataFrame, grade: np.ndarray):
    columns = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["variety"]),
                                 ("num", StandardScaler(), ["age_years", "rainfall_mm"])])
    return make_pipeline(columns, LogisticRegression(max_iter=500)).fit(frame, grade)


def joblib_bytes(model) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def registry(mlflow_registry):
    client = MlflowRegistry(mlflow_registry.url)
    yield client
    client.close()


def answers(server: PublishServer, client: MDSClient, name: str, rows: pd.DataFrame) -> list:
    """What the published model answers through the workbench's client, found in the catalog like any model."""
    ref = next(r for r in load_catalog(server.home / "catalog.yaml") if r.name == name)
    return list(client.predict(ref, rows, client.schema(ref)).labels)


def test_a_pipeline_is_checked_registered_served_and_answers_as_in_process(publish_server, registry, client):
    frame, grade = orchard()
    model = classifier(frame, grade)
    steps: list[str] = []
    done = publish(PublishRequest("orchard-grade", joblib_bytes(model), "grade.joblib", frame,
                                  description="Grades an orchard's crop.", card={"owner": "fruit team"},
                                  descriptions={"rainfall_mm": "Rain over the growing season."}),
                   registry=registry, target=publish_server.target, user="ada", transport=client.transport,
                   progress=lambda step, sentence: steps.append(step))
    assert steps == ["checked", "registered", "serving", "ready"]
    assert (done.version, done.new_model, done.kind) == ("1", True, "Pipeline")
    rows = frame.sample(25, random_state=1).reset_index(drop=True)
    assert answers(publish_server, client, "orchard-grade", rows) == list(model.predict(rows))
    version = registry.version("orchard-grade", "1")
    assert version.published_by == "ada" and version.source.endswith("/model")
    run = registry.run(version.run_id)
    assert run.user == "ada"
    mlmodel = registry.download(run, "model/MLmodel").decode()
    assert '"name": "variety"' in mlmodel and "mlflow.sklearn" in mlmodel
    assert pickle.loads(registry.download(run, "model/model.pkl")).predict(rows).tolist() == list(model.predict(rows))
    reference = pd.read_csv(io.BytesIO(registry.download(run, "reference/reference.csv")))
    assert reference.shape == frame.shape
    metadata = requests.get(f"{publish_server.url}/v2/models/orchard-grade", timeout=5).json()
    by_name = {i["name"]: i for i in metadata["inputs"]}
    assert by_name["variety"]["parameters"]["categories"] == ["bramley", "cox", "gala"]
    assert by_name["rainfall_mm"]["parameters"]["description"] == "Rain over the growing season."
    entry = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "orchard-grade")
    assert (entry.version, entry.versions) == ("1", ("1",))
    assert done.endpoint == f"{publish_server.url}/v2/models/orchard-grade/versions/1/infer"


def test_a_second_version_answers_beside_the_first_until_it_is_promoted(publish_server, registry, client, engine,
                                                                        tmp_path, capsys):
    frame, grade = orchard(seed=17)
    first = classifier(frame, grade)
    second = make_pipeline(first.steps[0][1], LogisticRegression(C=0.005, max_iter=500)).fit(frame, grade)
    other, _ = orchard(seed=19)
    assert list(first.predict(other)) != list(second.predict(other))  # the two versions must be told apart
    publish(PublishRequest("beside", joblib_bytes(first), "a.joblib", frame), registry=registry,
            target=publish_server.target, user="ida", transport=client.transport)
    done = publish(PublishRequest("beside", joblib_bytes(second), "b.joblib", frame), registry=registry,
                   target=publish_server.target, user="ida", transport=client.transport)
    assert (done.version, done.callers_get, done.served) == ("2", "1", ("1", "2"))
    entry = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "beside")
    assert (entry.version, entry.versions) == ("1", ("1", "2"))
    assert answers(publish_server, client, "beside", other) == list(first.predict(other))
    at_two = list(client.predict(entry.at_version("2"), other, client.schema(entry)).labels)
    assert at_two == list(second.predict(other))
    catalog = str(publish_server.home / "catalog.yaml")
    other.to_csv(tmp_path / "in.csv", index=False)
    assert mds(["--catalog", catalog, "predict", "beside@2", "--input", str(tmp_path / "in.csv"), "--output",
                str(tmp_path / "out.csv"), "--quiet"]) == 0
    assert pd.read_csv(tmp_path / "out.csv")["prediction"].tolist() == list(second.predict(other))
    capsys.readouterr()
    assert mds(["--catalog", catalog, "describe", "beside@9"]) == 1
    assert "Version 9 of 'beside' is not served (served: 1, 2)" in capsys.readouterr().err

    promote("beside", "2", registry=registry, target=publish_server.target, user="jo", engine=engine)
    assert answers(publish_server, client, "beside", other) == list(second.predict(other))
    assert registry.version("beside", "champion").version == "2"
    [event] = audit.events(engine, model="beside")
    assert (event.user, event.action, event.detail) == ("jo", "promote",
                                                         {"version": "2", "before": "1", "alias": "champion"})
    with pytest.raises(PublishError, match=r"Version 7 of 'beside' is not served here \(served: 1, 2\)"):
        promote("beside", "7", registry=registry, target=publish_server.target, user="jo", engine=engine)
    assert len(audit.events(engine, model="beside")) == 1
    capsys.readouterr()
    assert mds(["promote", "beside", "7", "--home", str(publish_server.home)]) == 1
    assert "Version 7 of 'beside' is not served here (served: 1, 2)" in capsys.readouterr().err


def test_a_second_version_published_as_champion_is_what_callers_get_while_others_answer(publish_server, registry,
                                                                                        client):
    frame, grade = orchard(seed=5)
    other, _ = orchard(seed=9)
    amount = frame["rainfall_mm"] * 0.3 + frame["age_years"]
    regressor = make_pipeline(ColumnTransformer([("num", "passthrough", ["age_years", "rainfall_mm"])]),
                              LinearRegression()).fit(frame, amount)
    publish(PublishRequest("orchard-yield", joblib_bytes(regressor), "yield.joblib", frame),
            registry=registry, target=publish_server.target, user="bo", transport=client.transport)
    before = answers(publish_server, client, "orchard-yield", other.head(5))
    np.testing.assert_allclose(before, regressor.predict(other.head(5)), rtol=1e-9)

    first = classifier(frame, grade)
    second = make_pipeline(first.steps[0][1], LogisticRegression(C=0.01, max_iter=500)).fit(frame, grade)
    publish(PublishRequest("orchard-grade-v", joblib_bytes(first), "a.joblib", frame),
            registry=registry, target=publish_server.target, user="bo", transport=client.transport)
    done = publish(PublishRequest("orchard-grade-v", joblib_bytes(second), "b.joblib", frame, alias="@champion"),
                   registry=registry, target=publish_server.target, user="cy", transport=client.transport)
    assert (done.version, done.new_model, done.alias) == ("2", False, "champion")
    assert registry.version("orchard-grade-v", "champion").version == "2"
    assert [v.version for v in registry.versions("orchard-grade-v")] == ["2", "1"]
    assert registry.versions("orchard-grade-v")[0].aliases == ("champion",)
    assert answers(publish_server, client, "orchard-grade-v", other) == list(second.predict(other))
    entry = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "orchard-grade-v")
    at_one = list(client.predict(entry.at_version("1"), other, client.schema(entry)).labels)
    assert at_one == list(first.predict(other))
    np.testing.assert_allclose(answers(publish_server, client, "orchard-yield", other.head(5)), before, rtol=1e-12)


@pytest.mark.parametrize(("data", "reference_cut", "said"), [
    (b"name,value\nnot,a model\n", None, "is not a pickled or joblib model"),
    (None, "rainfall_mm", "The model failed on its own reference rows: "),
    (pickle.dumps({"weights": [1, 2]}), None, "holds a dict, which has no predict method"),
])
def test_a_bad_model_is_refused_with_its_reason_and_nothing_is_registered(publish_server, registry, client, data,
                                                                          reference_cut, said):
    frame, grade = orchard()
    data = data if data is not None else joblib_bytes(classifier(frame, grade))
    reference = frame.drop(columns=[reference_cut]) if reference_cut else frame
    name = f"refused-{abs(hash(said)) % 10_000}"
    with pytest.raises(PublishError, match=said.replace("(", r"\(")):
        publish(PublishRequest(name, data, "model.joblib", reference), registry=registry,
                target=publish_server.target, user="dee", transport=client.transport)
    assert registry.model(name) is None
    assert not (publish_server.home / "models" / name).exists()


def test_a_registry_that_is_down_refuses_before_anything_is_written(publish_server, client, listener):
    frame, grade = orchard()
    down = MlflowRegistry("http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.raises(RegistryError, match="is not answering"):
        publish(PublishRequest("never-served", joblib_bytes(classifier(frame, grade)), "m.joblib", frame),
                registry=down, target=publish_server.target, user="eve", transport=client.transport)
    assert not (publish_server.home / "models" / "never-served").exists()


@pytest.mark.parametrize("name", ["Upper", "a b", "-dash", "x" * 70, "../up"])
def test_a_name_that_cannot_be_a_models_name_is_refused(publish_server, registry, client, name):
    frame, _ = orchard(n=30)
    with pytest.raises(PublishError, match="cannot be a model's name"):
        publish(PublishRequest(name, b"", "m.joblib", frame), registry=registry, target=publish_server.target,
                user="fay", transport=client.transport)


def test_a_name_the_embedded_mds_serves_unpublished_is_refused(publish_server, registry, client, tmp_path):
    (tmp_path / "models" / "wine").mkdir(parents=True)
    frame, grade = orchard(n=60)
    with pytest.raises(PublishError, match="'wine' is a model of the embedded MDS that was not published here"):
        publish(PublishRequest("wine", joblib_bytes(classifier(frame, grade)), "m.joblib", frame),
                registry=registry, target=ServingTarget(tmp_path, publish_server.url), user="gus",
                transport=client.transport)


def test_the_model_file_names_a_missing_package():
    payload = b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x0bno_such_pkg\x94\x8c\x05Model\x94\x93\x94)\x81\x94."
    with pytest.raises(PublishError, match="needs the package 'no_such_pkg'"):
        check_model(payload, "m.pkl", pd.DataFrame({"a": [1]}))


def test_mds_publish_prints_each_step_then_where_to_try_it(publish_server, mlflow_registry, tmp_path, monkeypatch,
                                                           capsys):
    frame, grade = orchard(seed=11)
    (tmp_path / "grade.joblib").write_bytes(joblib_bytes(classifier(frame, grade)))
    frame.to_csv(tmp_path / "reference.csv", index=False)
    (tmp_path / "card.yaml").write_text("owner: fruit team\ndescriptions:\n  variety: The apple variety.\n")
    monkeypatch.setenv("WORKBENCH_MLFLOW_URI", mlflow_registry.url)
    from workbench.settings import get_settings

    get_settings.cache_clear()
    try:
        code = mds(["publish", str(tmp_path / "grade.joblib"), "--name", "cli-grade", "--reference",
                    str(tmp_path / "reference.csv"), "--card", str(tmp_path / "card.yaml"), "--alias", "champion",
                    "--home", str(publish_server.home)])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["checked", "registered", "serving", "ready"]
    assert "cli-grade version 1 (alias champion) is a new model" in out
    assert f"endpoint   {publish_server.url}/v2/models/cli-grade/versions/1/infer" in out
    assert "/predict?model=cli-grade&version=1" in out
    card = json.loads((publish_server.home / "cards" / "cli-grade.json").read_text())
    assert card["owner"] == "fruit team"
    version = MlflowRegistry(mlflow_registry.url).version("cli-grade", "champion")
    assert version.tags[PUBLISHED_BY]


def test_mds_publish_says_what_is_wrong_with_a_reference_file(publish_server, tmp_path, capsys):
    (tmp_path / "m.joblib").write_bytes(b"x")
    (tmp_path / "ref.csv").write_bytes(b"\xff\xfe\x00garbage")
    code = mds(["publish", str(tmp_path / "m.joblib"), "--name", "x", "--reference", str(tmp_path / "ref.csv"),
                "--home", str(publish_server.home)])
    assert code == 1
    assert "cannot be read as CSV" in capsys.readouterr().err


class LocalPipeline(Pipeline):
    """Defined in this test module: MLServer's environment cannot import it (no pytest there), the app can."""


def test_a_version_the_server_cannot_load_leaves_the_one_before_serving(publish_server, registry, client):
    frame, grade = orchard(seed=13)
    first = classifier(frame, grade)
    publish(PublishRequest("keeps-serving", joblib_bytes(first), "a.joblib", frame), registry=registry,
            target=publish_server.target, user="hal", transport=client.transport)
    broken = LocalPipeline(first.steps)
    with pytest.raises(PublishError, match="Version 2 of 'keeps-serving' is registered but not served: The model "
                                           "server could not load 'keeps-serving'"):
        publish(PublishRequest("keeps-serving", joblib_bytes(broken), "b.joblib", frame), registry=registry,
                target=publish_server.target, user="hal", transport=client.transport)
    rows = frame.head(10)
    assert answers(publish_server, client, "keeps-serving", rows) == list(first.predict(rows))
    entry = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "keeps-serving")
    assert entry.version == "1"
    assert not list((publish_server.home / "models").glob("*keeps-serving*/.*"))


def test_a_versions_run_metrics_read_in_a_few_words(registry):
    from workbench.publish.versions import metrics_text

    run = registry.start_run(user="lu", name="train")
    registry.log(run, metrics={"recall": 0.5, "accuracy": 0.875, "f1": 0.8125, "auc": 0.91, "loss": 0.3})
    registry.finish_run(run)
    assert metrics_text(registry, run.run_id) == "accuracy 0.875 · auc 0.91 · f1 0.8125 · loss 0.3 (+1 more)"
    assert metrics_text(registry, "") == ""
