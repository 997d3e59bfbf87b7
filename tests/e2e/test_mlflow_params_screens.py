"""Predict in Chromium for a published MLflow classifier with signature params, at 1024 and 1400 px: the class
with how sure it is, the params under the form at their defaults, and a changed cutoff sent with the call and
changing the answer. Screenshots land in the test's tmp folder (or ``$PREDICT_SHOTS``) to be looked at."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from embedded_mds.mlflow_server import mlflow_python
from embedded_mds.server_specs import server_env
from mds_client import MDSClient
from mds_client.registry import MlflowRegistry
from tests.e2e.conftest import open_predict, predict, running_app, settle
from workbench.publish import PublishRequest, publish
from workbench.publish.mlflow_folder import mlflow_upload

pytestmark = [pytest.mark.e2e, pytest.mark.server]
MODELS_SCRIPT = Path(__file__).parents[1] / "workbench" / "publish" / "mlflow_models.py"
WIDTHS = (1024, 1400)


@pytest.fixture(scope="module")
def published_url(tmp_path_factory, publish_server, mlflow_registry):
    """The app on a home where the 'cutoff' model (params cutoff, rain_unit) and the sklearn classifier are
    published."""
    if not mlflow_python().exists():
        pytest.skip("MLflow's environment is missing: make setup")
    out = tmp_path_factory.mktemp("mlflow-models")
    done = subprocess.run([str(mlflow_python()), str(MODELS_SCRIPT), str(out)], capture_output=True, text=True,
                          timeout=600, env=server_env(), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    reference = pd.read_csv(out / "reference.csv")
    registry, client = MlflowRegistry(mlflow_registry.url), MDSClient()
    for case, name in (("cutoff", "orchard-cutoff"), ("sklearn", "orchard-sure")):
        data, file_name = mlflow_upload(out / case)
        publish(PublishRequest(name, data, file_name, reference), registry=registry, target=publish_server.target,
                user="ada", transport=client.transport)
    with running_app(publish_server.home / "catalog.yaml", tmp_path_factory.mktemp("app")) as url:
        yield url
    client.close()
    registry.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_params_are_under_the_form_and_a_changed_one_changes_the_answer(page: Page, published_url: str,
                                                                        tmp_path: Path, width: int):
    shots = Path(os.environ.get("PREDICT_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    open_predict(page, published_url, "orchard-cutoff", width)
    page.get_by_text("Model parameters (optional)").click()
    cutoff = page.locator(".st-key-predict-params-orchard-cutoff-cutoff input")
    expect(cutoff).to_have_value("7")
    expect(page.locator(".st-key-predict-params-orchard-cutoff-rain_unit input")).to_have_value("mm")
    predict(page)
    page.screenshot(path=str(shots / f"params-default-{width}.png"), full_page=True)
    # a cutoff below every score makes every row premium; one above every score, juice
    answers = set()
    for value in ("-100", "100"):
        cutoff.fill(value)
        cutoff.press("Enter")
        settle(page, 60_000)
        answers.add(predict(page))
    page.screenshot(path=str(shots / f"params-changed-{width}.png"), full_page=True)
    assert len(answers) == 2 and any("premium" in a for a in answers) and any("juice" in a for a in answers), answers


@pytest.mark.parametrize("width", WIDTHS)
def test_an_mlflow_classifier_shows_its_class_and_how_sure(page: Page, published_url: str, tmp_path: Path,
                                                           width: int):
    shots = Path(os.environ.get("PREDICT_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    open_predict(page, published_url, "orchard-sure", width)
    headline = predict(page)
    page.screenshot(path=str(shots / f"sure-{width}.png"), full_page=True)
    assert any(c in headline for c in ("juice", "premium", "standard")), headline
    expect(page.get_by_text("Model parameters (optional)")).to_have_count(0)
    expect(page.get_by_text("probability", exact=False).first).to_be_visible()
