"""Publishing MLflow model folders against real peers: MLflow's registry, MLServer's MLflow runtime, MLflow's own
environment for the check.

The folders are trained and saved here, by ``mlflow_models.py`` run in .venvs/mlflow (the app's environment has no
MLflow): a scikit-learn pipeline on mixed columns (a string, integers, floats) with string class names, a custom
``PythonModel``, one whose predict fails, one with neither signature nor input example. Each published version
must answer through the workbench exactly as ``mlflow.pyfunc.load_model(folder).predict`` answers the same rows.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from mds_client import MDSClient, load_catalog
from mds_client.batch import score_file
from mds_client.batch.output import progress_path
from mds_client.errors import InputError
from mds_client.registry import MlflowRegistry
from tests.publish_fixture import PublishServer
from workbench.batch.service import BatchService
from workbench.cli import main as mds
from workbench.errors import BatchJobError
from workbench.predict import service as predict_service
from workbench.publish import PublishError, PublishRequest, publish
from workbench.publish.mlflow_folder import mlflow_upload
from workbench.publish.mlflow_service import RUNTIME
from workbench.store import batch_jobs

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def cases(mlflow_cases) -> Path:
    """The saved folders, reference.csv, rows.csv and expected.json (MLflow's own answers on rows.csv)."""
    return mlflow_cases


@pytest.fixture(scope="module")
def registry(mlflow_registry):
    client = MlflowRegistry(mlflow_registry.url)
    yield client
    client.close()


def expected(cases: Path, case: str) -> list:
    return json.loads((cases / "expected.json").read_text())[case]


def answers(server: PublishServer, client: MDSClient, name: str, rows: pd.DataFrame) -> list:
    """What the published model answers through the workbench's client, found in the catalog like any model."""
    ref = next(r for r in load_catalog(server.home / "catalog.yaml") if r.name == name)
    return list(client.predict(ref, rows, client.schema(ref)).labels)


def request(cases: Path, case: str, name: str, reference: pd.DataFrame | None = None) -> PublishRequest:
    data, file_name = mlflow_upload(cases / case)
    return PublishRequest(name, data, file_name, pd.DataFrame() if reference is None else reference)


def test_an_sklearn_folder_is_checked_registered_unchanged_served_and_answers_as_mlflow_does(
        cases, publish_server, registry, client):
    reference = pd.read_csv(cases / "reference.csv")
    steps: list[str] = []
    done = publish(request(cases, "sklearn", "ml-grade", reference), registry=registry, target=publish_server.target,
                   user="ada", transport=client.transport, progress=lambda step, sentence: steps.append(step))
    assert steps == ["checked", "registered", "serving", "ready"]
    assert (done.version, done.kind) == ("1", "MLflow sklearn model (Pipeline)")
    rows = pd.read_csv(cases / "rows.csv")
    assert answers(publish_server, client, "ml-grade", rows) == expected(cases, "sklearn")

    # the registry's run holds the folder as it was handed in, the reference rows beside it
    run = registry.run(registry.version("ml-grade", "1").run_id)
    for name in ("MLmodel", "model.skops", "input_example.json"):
        assert registry.download(run, f"model/{name}") == (cases / "sklearn" / name).read_bytes()
    assert pd.read_csv(io.BytesIO(registry.download(run, "reference/reference.csv"))).shape == reference.shape

    # served by MLServer's MLflow runtime from the same files, with the form's facts in its metadata
    version_dir = publish_server.home / "models" / "ml-grade" / "1"
    assert (version_dir / "model" / "MLmodel").read_bytes() == (cases / "sklearn" / "MLmodel").read_bytes()
    settings = json.loads((version_dir / "model-settings.json").read_text())
    assert (settings["implementation"], settings["parameters"]["uri"]) == (RUNTIME, "./model")
    metadata = requests.get(f"{publish_server.url}/v2/models/ml-grade", timeout=5).json()
    by_name = {i["name"]: i for i in metadata["inputs"]}
    assert [i["name"] for i in metadata["inputs"]] == ["variety", "age_years", "rainfall_mm"]
    assert by_name["variety"]["parameters"]["categories"] == ["bramley", "cox", "gala"]
    assert (by_name["age_years"]["datatype"], by_name["rainfall_mm"]["datatype"]) == ("INT64", "FP64")
    example = pd.read_json(io.BytesIO((cases / "sklearn" / "input_example.json").read_bytes()), orient="split")
    assert by_name["rainfall_mm"]["parameters"]["default"] == example["rainfall_mm"].iloc[0]
    assert [(o["name"], o["parameters"]["class_names"]) for o in metadata["outputs"]] == [
        ("predict", ["juice", "premium", "standard"]), ("predict_proba", ["juice", "premium", "standard"])]
    # the input example is the model's sample rows
    entry = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "ml-grade")
    assert pd.read_csv(entry.sample_data).equals(example)


@pytest.mark.parametrize("case", ["sklearn", "shelf"])
def test_a_classifier_answers_its_class_and_each_class_probability_as_its_own_predict_proba(
        cases, publish_server, registry, client, case, tmp_path):
    """Both the flavor's own classifier (sklearn) and a custom PythonModel exposing classes_ and predict_proba."""
    name = f"ml-sure-{case}"
    publish(request(cases, case, name, pd.read_csv(cases / "reference.csv")), registry=registry,
            target=publish_server.target, user="ada", transport=client.transport)
    rows = pd.read_csv(cases / "rows.csv")
    ref = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == name)
    answer = client.predict(ref, rows, client.schema(ref))
    own = json.loads((cases / "expected_proba.json").read_text())[case]
    assert list(answer.labels) == expected(cases, case)
    assert list(answer.probabilities.columns) == own["classes"] == ["juice", "premium", "standard"]
    # the custom pyfunc fits at load, in each environment with its own numpy: equal to the last digits, not bitwise
    tolerance = 1e-12 if case == "sklearn" else 1e-6
    np.testing.assert_allclose(answer.probabilities.to_numpy(), own["proba"], rtol=tolerance)
    assert answer.confidence(0) == pytest.approx(max(own["proba"][0]))

    # Batch writes both: the class, how sure, and the probability of each class, per row
    score_file(client, ref, client.schema(ref), cases / "rows.csv", tmp_path / "scored.csv")
    scored = pd.read_csv(tmp_path / "scored.csv")
    assert list(scored.columns[3:8]) == ["prediction", "confidence", "p(juice)", "p(premium)", "p(standard)"]
    assert list(scored["prediction"]) == expected(cases, case)
    np.testing.assert_allclose(scored[["p(juice)", "p(premium)", "p(standard)"]].to_numpy(), own["proba"],
                               rtol=tolerance, atol=1e-15)  # as CSV text: the last bit of tiny values


def test_probabilities_that_do_not_back_the_class_are_not_served(cases, publish_server, registry, client):
    publish(request(cases, "biased", "ml-biased"), registry=registry, target=publish_server.target, user="ada",
            transport=client.transport)
    metadata = requests.get(f"{publish_server.url}/v2/models/ml-biased", timeout=5).json()
    assert [o["name"] for o in metadata["outputs"]] == ["predict"]
    rows = pd.read_csv(cases / "rows.csv")
    ref = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "ml-biased")
    answer = client.predict(ref, rows, client.schema(ref))
    assert list(answer.labels) == expected(cases, "biased")
    assert answer.probabilities is None


def test_signature_params_are_offered_with_their_defaults_and_sent_as_the_requests_parameters(
        cases, publish_server, registry, client):
    publish(request(cases, "cutoff", "ml-cutoff", pd.read_csv(cases / "reference.csv")), registry=registry,
            target=publish_server.target, user="ada", transport=client.transport)
    metadata = requests.get(f"{publish_server.url}/v2/models/ml-cutoff", timeout=5).json()
    assert metadata["parameters"]["params"] == [
        {"name": "cutoff", "type": "double", "default": 7.0, "shape": None},
        {"name": "rain_unit", "type": "string", "default": "mm", "shape": None}]
    ref = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "ml-cutoff")
    schema = client.schema(ref)
    assert [(p.name, p.type, p.default) for p in schema.params] == [("cutoff", "double", 7.0),
                                                                   ("rain_unit", "string", "mm")]
    rows = pd.read_csv(cases / "rows.csv")
    by_default = client.predict(ref, rows, schema)
    assert list(by_default.labels) == expected(cases, "cutoff")
    assert "cutoff" not in by_default.request_json().get("parameters", {})
    # as a person types them into the form: text, sent typed
    chosen = client.predict(ref, rows, schema, parameters={"cutoff": "5.5", "rain_unit": "in"})
    assert chosen.request_json()["parameters"] == {"content_type": "pd", "cutoff": 5.5, "rain_unit": "in"}
    assert list(chosen.labels) == expected(cases, "cutoff-chosen") != expected(cases, "cutoff")

    with pytest.raises(InputError, match=r"Parameter 'cutoff': 'high' is not a double value"):
        client.predict(ref, rows, schema, parameters={"cutoff": "high"})
    with pytest.raises(InputError, match=r"takes no parameter 'cut_off'; it takes cutoff, rain_unit"):
        client.predict(ref, rows, schema, parameters={"cut_off": 5.0})


def test_mds_publish_takes_a_custom_pyfunc_folder_without_reference_rows(cases, publish_server, mlflow_registry,
                                                                         client, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_MLFLOW_URI", mlflow_registry.url)
    from workbench.settings import get_settings

    get_settings.cache_clear()
    try:
        code = mds(["publish", str(cases / "custom"), "--name", "ml-yield", "--home", str(publish_server.home)])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["checked", "registered", "serving", "ready"]
    assert "MLflow python_function model (YieldModel) answered 2 rows of its input example" in lines[0]
    assert "ml-yield version 1 is a new model" in out
    rows = pd.read_csv(cases / "rows.csv")
    np.testing.assert_allclose(answers(publish_server, client, "ml-yield", rows), expected(cases, "custom"),
                               rtol=1e-12)


def test_a_folder_with_neither_signature_nor_reference_rows_is_published_with_a_warning(cases, publish_server,
                                                                                        registry, client):
    said: list[tuple[str, str]] = []
    done = publish(request(cases, "bare", "ml-bare"), registry=registry, target=publish_server.target, user="bo",
                   transport=client.transport, progress=lambda step, sentence: said.append((step, sentence)))
    assert [step for step, _ in said] == ["checked", "warning", "registered", "serving", "ready"]
    assert "the form will have no inputs" in said[1][1]
    assert done.schema.is_empty
    rows = pd.read_csv(cases / "rows.csv")
    assert answers(publish_server, client, "ml-bare", rows) == expected(cases, "bare")


def test_a_pyfunc_that_fails_on_its_input_example_is_refused_with_its_error(cases, publish_server, registry, client):
    with pytest.raises(PublishError, match=r"broken\.zip failed on its input example: ValueError: rainfall_mm must "
                                           r"be given in inches"):
        publish(request(cases, "broken", "ml-broken"), registry=registry, target=publish_server.target, user="cy",
                transport=client.transport)
    assert registry.model("ml-broken") is None
    assert not (publish_server.home / "models" / "ml-broken").exists()


def test_a_pyfunc_the_model_server_cannot_unpickle_is_refused_before_it_is_registered(cases, publish_server, registry,
                                                                                     client):
    """Checked where it will be served: a pickle of numpy 2 arrays (MLflow's environment) fails on the server's
    numpy 1.26, so it is refused with why, not registered and then left unserved."""
    with pytest.raises(PublishError, match=r"weighted\.zip could not be loaded with mlflow\.pyfunc\.load_model: "
                                           r"ModuleNotFoundError: No module named 'numpy\._core") as refused:
        publish(request(cases, "weighted", "ml-weighted"), registry=registry, target=publish_server.target,
                user="cy", transport=client.transport)
    assert "pickled with numpy 2" in refused.value.hint
    assert registry.model("ml-weighted") is None
    assert not (publish_server.home / "models" / "ml-weighted").exists()


def test_a_folder_or_zip_without_mlmodel_is_refused_with_what_it_lacks(cases, publish_server, registry, client,
                                                                       tmp_path, capsys):
    (tmp_path / "trained").mkdir()
    (tmp_path / "trained" / "model.skops").write_bytes((cases / "sklearn" / "model.skops").read_bytes())
    assert mds(["publish", str(tmp_path / "trained"), "--name", "ml-none", "--home", str(publish_server.home)]) == 1
    assert "is a folder with no MLmodel file (so not an MLflow model folder)" in capsys.readouterr().err
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("trained/model.skops", b"weights")
    with pytest.raises(PublishError, match=r"trained\.zip has no MLmodel file, so it is not an MLflow model folder"):
        publish(PublishRequest("ml-none", buffer.getvalue(), "trained.zip", pd.DataFrame()), registry=registry,
                target=publish_server.target, user="dee", transport=client.transport)
    assert registry.model("ml-none") is None


CHOSEN_TEXT = {"cutoff": "5.5", "rain_unit": "in"}
"""The cutoff model's params as a person types them (tests/workbench/publish/mlflow_models.py: CHOSEN_PARAMS)."""


def published_cutoff(cases, server, registry, client, name: str):
    publish(request(cases, "cutoff", name, pd.read_csv(cases / "reference.csv")), registry=registry,
            target=server.target, user="ada", transport=client.transport)
    ref = next(r for r in load_catalog(server.home / "catalog.yaml") if r.name == name)
    return ref, client.schema(ref)


def test_a_batch_job_sends_the_params_set_once_records_them_and_a_resume_sends_the_same(
        cases, publish_server, registry, client, engine, tmp_path):
    ref, schema = published_cutoff(cases, publish_server, registry, client, "ml-cutoff-batch")
    rows = pd.read_csv(cases / "rows.csv")
    source = tmp_path / "orchard rows.csv"
    rows.to_csv(source, index=False)
    service = BatchService(engine, client, tmp_path / "home", log_predictions=False)

    job_id = service.start(user="ada", ref=ref, schema=schema, source=source, parameters=CHOSEN_TEXT)
    job = service.wait(job_id, timeout=120)
    assert job.state == "done", job.error
    assert job.options["parameters"] == {"cutoff": 5.5, "rain_unit": "in"}  # typed, as sent
    results = service.results_path(job_id)
    assert pd.read_csv(results)["prediction"].tolist() == expected(cases, "cutoff-chosen") != expected(cases, "cutoff")

    # a job that stopped before any row: its resume sends what the job recorded, not the model's defaults
    results.unlink()
    progress_path(results).unlink(missing_ok=True)
    batch_jobs.update_job(engine, job_id, state="failed", rows_done=0)
    service.resume(job_id, ref=ref, schema=schema)
    assert service.wait(job_id, timeout=120).state == "done"
    assert pd.read_csv(results)["prediction"].tolist() == expected(cases, "cutoff-chosen")

    # left at their defaults: nothing recorded, the model's own answers
    plain = service.wait(service.start(user="ada", ref=ref, schema=schema, source=source,
                                       parameters={"cutoff": 7.0, "rain_unit": "mm"}), timeout=120)
    assert plain.options["parameters"] == {}
    assert pd.read_csv(service.results_path(plain.id))["prediction"].tolist() == expected(cases, "cutoff")


@pytest.mark.parametrize(("given", "said"), [
    ({"cutoff": "high"}, "Model 'ml-cutoff-batch-bad': Parameter 'cutoff': 'high' is not a double value."),
    ({"cut_off": 5.0}, "Model 'ml-cutoff-batch-bad': The model takes no parameter 'cut_off'; it takes cutoff, "
                       "rain_unit."),
])
def test_a_batch_job_with_a_wrong_param_is_refused_before_it_starts(cases, publish_server, registry, client, engine,
                                                                  tmp_path, given, said):
    ref, schema = published_cutoff(cases, publish_server, registry, client, "ml-cutoff-batch-bad")
    source = tmp_path / "rows.csv"
    pd.read_csv(cases / "rows.csv").to_csv(source, index=False)
    service = BatchService(engine, client, tmp_path / "home", log_predictions=False)
    with pytest.raises(BatchJobError) as refused:
        service.start(user="ada", ref=ref, schema=schema, source=source, parameters=given)
    assert refused.value.message == said
    assert service.jobs("ada") == []  # nothing recorded, nothing started


def test_batch_scoring_of_a_file_sends_the_params(cases, publish_server, registry, client, tmp_path):
    ref, schema = published_cutoff(cases, publish_server, registry, client, "ml-cutoff-file")
    out = tmp_path / "scored.csv"
    score_file(client, ref, schema, cases / "rows.csv", out, parameters=CHOSEN_TEXT)
    assert pd.read_csv(out)["prediction"].tolist() == expected(cases, "cutoff-chosen")
    with pytest.raises(InputError, match=r"'soon' is not a double value"):
        score_file(client, ref, schema, cases / "rows.csv", tmp_path / "never.csv", parameters={"cutoff": "soon"})
    assert not (tmp_path / "never.csv").exists()


def test_compare_sends_the_params_to_the_models_that_declare_them(cases, publish_server, registry, client):
    ref, schema = published_cutoff(cases, publish_server, registry, client, "ml-cutoff-compare")
    publish(request(cases, "sklearn", "ml-compare-plain", pd.read_csv(cases / "reference.csv")), registry=registry,
            target=publish_server.target, user="ada", transport=client.transport)
    plain = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "ml-compare-plain")
    rows = pd.read_csv(cases / "rows.csv")
    moved = next(i for i, (a, b) in enumerate(zip(expected(cases, "cutoff"), expected(cases, "cutoff-chosen"),
                                                  strict=True)) if a != b)
    values = rows.iloc[moved].to_dict()
    models = [(ref, schema), (plain, client.schema(plain))]

    chosen = predict_service.compare(client, None, models, values, user="ada", parameters=CHOSEN_TEXT)
    assert [o.error for o in chosen] == [None, None]
    assert chosen[0].result.label == expected(cases, "cutoff-chosen")[moved]
    assert chosen[0].result.request["parameters"] == {"content_type": "pd", "cutoff": 5.5, "rain_unit": "in"}
    assert chosen[1].result.label == expected(cases, "sklearn")[moved]
    assert "cutoff" not in chosen[1].result.request.get("parameters", {})  # a model that takes none gets none
    by_default = predict_service.compare(client, None, models, values, user="ada")
    assert by_default[0].result.label == expected(cases, "cutoff")[moved]

    wrong = predict_service.compare(client, None, models, values, user="ada", parameters={"cutoff": "high"})
    assert "Parameter 'cutoff': 'high' is not a double value" in wrong[0].error
    assert wrong[1].error is None and wrong[1].result.label == expected(cases, "sklearn")[moved]


def test_mds_predict_sends_param_options_and_refuses_a_wrong_one(cases, publish_server, registry, client, tmp_path,
                                                                 capsys):
    published_cutoff(cases, publish_server, registry, client, "ml-cutoff-cli")
    catalog = str(publish_server.home / "catalog.yaml")
    assert mds(["--catalog", catalog, "describe", "ml-cutoff-cli"]) == 0
    assert ("parameters (--param NAME=VALUE): cutoff (double, default 7.0), rain_unit (string, default mm)"
            in capsys.readouterr().out)
    out = tmp_path / "scored.csv"
    code = mds(["--catalog", catalog, "predict", "ml-cutoff-cli", "--input", str(cases / "rows.csv"), "--output",
                str(out), "--no-store", "--quiet", "--param", "cutoff=5.5", "--param", "rain_unit=in"])
    assert code == 0, capsys.readouterr()
    assert pd.read_csv(out)["prediction"].tolist() == expected(cases, "cutoff-chosen")
    for option, said in (("cutoff=high", "Parameter 'cutoff': 'high' is not a double value."),
                         ("cut_off=5", "The model takes no parameter 'cut_off'; it takes cutoff, rain_unit."),
                         ("cutoff", "--param 'cutoff': write it as NAME=VALUE")):
        capsys.readouterr()
        code = mds(["--catalog", catalog, "predict", "ml-cutoff-cli", "--input", str(cases / "rows.csv"), "--output",
                    str(tmp_path / "never.csv"), "--no-store", "--param", option])
        assert code != 0 and said in capsys.readouterr().err, option
    assert not (tmp_path / "never.csv").exists()


def test_a_list_param_is_offered_with_its_default_and_an_edited_list_changes_the_answer(
        cases, publish_server, registry, client):
    publish(request(cases, "weights", "ml-weights", pd.read_csv(cases / "reference.csv")), registry=registry,
            target=publish_server.target, user="ada", transport=client.transport)
    ref = next(r for r in load_catalog(publish_server.home / "catalog.yaml") if r.name == "ml-weights")
    schema = client.schema(ref)
    assert [(p.name, p.type, p.default, p.is_scalar) for p in schema.params] == [("weights", "double", [1.0, 2.0],
                                                                                  False)]
    rows = pd.read_csv(cases / "rows.csv")
    assert list(client.predict(ref, rows, schema).labels) == expected(cases, "weights")
    chosen = client.predict(ref, rows, schema, parameters={"weights": "0.5, 6"})  # as typed into the form
    assert chosen.request_json()["parameters"]["weights"] == [0.5, 6.0]
    assert list(chosen.labels) == expected(cases, "weights-chosen") != expected(cases, "weights")
    with pytest.raises(InputError, match=r"Parameter 'weights': '0.5, lots' is not a list of double values"):
        client.predict(ref, rows, schema, parameters={"weights": "0.5, lots"})
