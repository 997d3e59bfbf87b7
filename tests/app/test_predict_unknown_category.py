"""An "unknown" category reaches a real model as a missing value: a model of the test's own (a pipeline whose
SimpleImputer fills a missing soil), served by the ``publish_server`` MLServer, answers Predict's "unknown" as it
answers a missing soil in-process, not as it answers any soil it knows."""

from __future__ import annotations

import io

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from components.schema_form import UNKNOWN_NOTE
from mds_client import load_catalog
from mds_client.schema import from_reference
from tests.app.helpers import metric_values, texts
from workbench.publish.model_file import check_model
from workbench.publish.serving import model_settings, serve
from workbench.settings import get_settings

pytestmark = pytest.mark.server
NAME = "trench-dig"


def trenches(n: int = 240, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Soil surveys where the soil was not always recorded: an unrecorded soil means "dig" (a site never surveyed)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"soil": rng.choice(["clay", "loam", "sand"], n).astype(object),
                          "depth_m": rng.normal(1.5, 0.4, n).round(2)})
    frame.loc[rng.random(n) < 0.3, "soil"] = None
    return frame, np.where(frame["soil"].isna() | (frame["depth_m"] > 2.2), "dig", "wait")


@pytest.fixture(scope="module")
def trench_model(publish_server, client):
    frame, label = trenches()
    soil = make_pipeline(SimpleImputer(missing_values=None, strategy="constant", fill_value="unrecorded"),
                         OneHotEncoder(handle_unknown="ignore"))
    model = make_pipeline(ColumnTransformer([("soil", soil, ["soil"])], remainder="passthrough"),
                          LogisticRegression(C=10.0)).fit(frame, label)
    schema = from_reference(frame)
    catalog = publish_server.home / "catalog.yaml"
    if not catalog.exists() or not any(r.name == NAME for r in load_catalog(catalog)):
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        serve(publish_server.target, NAME, "1", {"model.joblib": buffer.getvalue()},
              model_settings(NAME, "1", schema, check_model(buffer.getvalue(), NAME, frame)), default=None,
              reference=frame, card={}, published_by="test", transport=client.transport)
    return model, catalog


@pytest.fixture
def trench_predict(trench_model, logged_in, monkeypatch):
    model, catalog = trench_model
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog))
    get_settings.cache_clear()
    at = logged_in("analyst")
    at.session_state["models.selected"] = NAME
    at.switch_page("../pages/predict.py").run()
    assert not at.exception, at.exception
    return model, at


def test_unknown_soil_is_sent_as_a_missing_value_and_answered_as_one(trench_predict):
    model, at = trench_predict
    soil = at.selectbox(key=f"predict.form.{NAME}.soil")
    assert soil.options[0] == "unknown" and set(soil.options[1:]) == {"clay", "loam", "sand"}
    soil.set_value(None).run()
    at.number_input(key=f"predict.form.{NAME}.depth_m").set_value(1.2).run()
    assert UNKNOWN_NOTE in texts(at)
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    request = at.session_state["predict.last_result"].request
    assert {i["name"]: list(i["data"]) for i in request["inputs"]}["soil"] == [None]  # null on the wire
    missing = model.predict(pd.DataFrame({"soil": [None], "depth_m": [1.2]}).astype({"soil": object}))[0]
    known = {s: model.predict(pd.DataFrame({"soil": [s], "depth_m": [1.2]}))[0] for s in ("clay", "loam", "sand", "")}
    assert missing == "dig" and set(known.values()) == {"wait"}  # the model tells a missing soil from any other
    assert metric_values(at)["Prediction"] == missing
