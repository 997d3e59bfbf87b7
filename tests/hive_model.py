"""A model of the tests' own that learnt from rows with gaps: hive inspections (a string category, integers,
floats, a column with missing values) graded "treat now" / "watch" by a HistGradientBoosting classifier, served
by the ``publish_server`` MLServer. Nothing in it depends on the demo models."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

from mds_client import MDSClient, ModelRef, load_catalog
from mds_client.schema import from_reference
from tests.publish_fixture import PublishServer
from workbench.publish.model_file import check_model
from workbench.publish.serving import model_settings, serve

NAME = "hive-risk"


def hives(n: int = 300, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "apiary": rng.choice(["hill", "meadow", "orchard"], n),
        "frames": rng.integers(4, 12, n),
        "brood_temp_c": rng.normal(34.5, 1.2, n).round(1),
        "mite_count": rng.gamma(2.0, 3.0, n).round(1),
    })
    frame.loc[rng.random(n) < 0.2, "mite_count"] = np.nan  # not every inspection counted mites
    risk = frame["mite_count"].fillna(20.0) / 4 - frame["frames"] / 3 + (frame["apiary"] == "hill")
    return frame, np.where(risk > 0.5, "treat now", "watch")


def catalog(server: PublishServer) -> Path:
    return server.home / "catalog.yaml"


def publish_hive(server: PublishServer, client: MDSClient) -> tuple[Any, ModelRef]:
    """The trained model and its catalog entry, served once per session."""
    frame, label = hives()
    cats = ColumnTransformer([("cat", OrdinalEncoder(), ["apiary"])], remainder="passthrough")
    model = make_pipeline(cats, HistGradientBoostingClassifier(max_iter=40, random_state=0)).fit(frame, label)
    found = [r for r in load_catalog(catalog(server)) if r.name == NAME] if catalog(server).exists() else []
    if not found:
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        checked = check_model(buffer.getvalue(), NAME, frame)
        serve(server.target, NAME, "1", {"model.joblib": buffer.getvalue()},
              model_settings(NAME, "1", from_reference(frame), checked), default=None, reference=frame, card={},
              published_by="test", transport=client.transport)
        found = [r for r in load_catalog(catalog(server)) if r.name == NAME]
    return model, found[0]
