"""Versions of one model trained here and served side by side on a real MLServer, and traffic logged for them.

The orchard data has a string category (``variety``), an integer (``age_years``) and a float
(``rainfall_mm``); classes are string names. Decision trees grown to the end answer their own training rows
exactly, so a version trained on other labels answers differently on exactly the rows whose labels differ:
the count a replay must find is known before anything is sent.

Traffic is logged in the exact shape the request-log sink writes: real V2 request bodies, the served
version's real answers, turned into rows by the sink's own ``event_write`` and stored by ``store_log``.
Also used by ``bench/replay_rate.py``.
"""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import requests
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from embedded_mds.layout import write_json
from embedded_mds.model_schema import classifier_outputs, feature
from logsink.app import event_write
from logsink.attribution import Attributed
from logsink.events import SELDON_TYPES, LogEvent
from mds_client import MDSClient, ModelRef, ModelSchema, codec_for, jsonable
from workbench.store.request_log import LogWrite, store_log

VARIETIES = ["bramley", "cox", "gala", "fuji"]
RUNTIME = "mlserver_sklearn.SKLearnModel"
TYPES = {kind: ce_type for ce_type, kind in SELDON_TYPES.items()}


def orchard(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "variety": rng.choice(VARIETIES, n, p=[0.3, 0.3, 0.3, 0.1]),
        "age_years": rng.integers(1, 40, n),
        "rainfall_mm": rng.normal(700.0, 120.0, n).round(3),
    })


def grade_a(frame: pd.DataFrame) -> np.ndarray:
    score = frame["rainfall_mm"] / 100 + (frame["variety"] == "cox") * 2 - frame["age_years"] / 10
    return np.where(score > 7.0, "premium", np.where(score > 5.5, "standard", "juice"))


def grade_b(frame: pd.DataFrame) -> np.ndarray:
    """``grade_a``, except that a wet year's standard crop is premium: the rows a replay must find."""
    grade = grade_a(frame)
    return np.where((grade == "standard") & (frame["rainfall_mm"] > 850), "premium", grade)


def yield_a(frame: pd.DataFrame) -> np.ndarray:
    return (frame["rainfall_mm"] * 0.03 + frame["age_years"] * 0.5).to_numpy(dtype=float)


def yield_b(frame: pd.DataFrame) -> np.ndarray:
    """``yield_a`` plus 5 tonnes for gala: the rows a replay must find, each moved by exactly 5."""
    return yield_a(frame) + np.where(frame["variety"] == "gala", 5.0, 0.0)


def tree(frame: pd.DataFrame, target: np.ndarray, *, regression: bool = False):
    columns = ColumnTransformer([("variety", OneHotEncoder(handle_unknown="ignore"), ["variety"])],
                                remainder="passthrough")
    model = DecisionTreeRegressor(random_state=0) if regression else DecisionTreeClassifier(random_state=0)
    return make_pipeline(columns, model).fit(frame, target)


def strict_tree(frame: pd.DataFrame, target: np.ndarray):
    """A classifier whose encoder raises on a variety it was not trained on (the model itself fails)."""
    columns = ColumnTransformer([("variety", OneHotEncoder(handle_unknown="error"), ["variety"])],
                                remainder="passthrough")
    return make_pipeline(columns, DecisionTreeClassifier(random_state=0)).fit(frame, target)


def settings(name: str, version: str, frame: pd.DataFrame, model: Any) -> dict[str, Any]:
    """``model-settings.json`` in the schema convention: the categories are those the version was trained on."""
    inputs = [feature("variety", "BYTES", "category", "Apple variety.", categories=sorted(set(frame["variety"]))),
              feature("age_years", "INT64", "integer", "Age of the trees.", unit="years"),
              feature("rainfall_mm", "FP64", "number", "Rain over the season.", unit="mm")]
    if hasattr(model, "classes_"):
        outputs = classifier_outputs(list(model.classes_), [str(c) for c in model.classes_])
    else:
        outputs = [{"name": "predict", "datatype": "FP64", "shape": [-1, 1], "parameters": {"kind": "value"}}]
    return {"name": name, "implementation": RUNTIME, "parameters": {"uri": "./model.joblib", "version": version},
            "inputs": inputs, "outputs": outputs}


def serve_versions(repository: Path, url: str, name: str, versions: dict[str, tuple[pd.DataFrame, Any]],
                   *, timeout_s: float = 60.0) -> ModelRef:
    """Each ``version: (training rows, model)`` in a folder of its own, loaded side by side; the ref of the
    first version (callers' version)."""
    for version, (frame, model) in versions.items():
        folder = repository / f"{name}-v{version}"
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        (folder / "model.joblib").write_bytes(buffer.getvalue())
        write_json(folder / "model-settings.json", settings(name, version, frame, model))
    requests.post(f"{url}/v2/repository/models/{name}/load", json={}, timeout=120).raise_for_status()
    deadline = time.monotonic() + timeout_s
    for version in versions:
        while requests.get(f"{url}/v2/models/{name}/versions/{version}/ready", timeout=5).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"version {version} of {name} is not ready after {timeout_s:.0f} s")
            time.sleep(0.1)
    first = next(iter(versions))
    return ModelRef(name=name, protocol="v2", endpoint=url, version=first, version_in_path=True)


def log_calls(engine: Any, client: MDSClient, ref: ModelRef, frame: pd.DataFrame, *, rows_per_call: int = 50,
              end: datetime | None = None, spacing: timedelta = timedelta(seconds=1)) -> list[str]:
    """Send ``frame`` to ``ref`` in calls of ``rows_per_call`` rows and log each call as Seldon's logger would
    (request and response events through the sink's ``event_write``); the calls end at ``end`` (now).
    Returns the request ids, oldest first."""
    schema = client.schema(ref)
    end = end or datetime.now(UTC)
    starts = range(0, len(frame), rows_per_call)
    ids = []
    write = LogWrite()
    for k, start in enumerate(starts):
        rows = frame.iloc[start:start + rows_per_call]
        request_id = uuid.uuid4().hex
        body = jsonable(codec_for("v2").encode(rows, schema, request_id=request_id))
        answer = client.predict_body(ref, body, schema, n_rows=len(rows)).response
        moment = end - spacing * (len(starts) - k)
        for kind, payload in (("request", body), ("response", answer)):
            add(write, logged_event(ref, kind, request_id, payload, moment), ref, schema)
        ids.append(request_id)
    store_log(engine, write)
    return ids


def logged_event(ref: ModelRef, kind: str, request_id: str, body: Any, moment: datetime) -> LogEvent:
    return LogEvent(event_id=uuid.uuid4().hex, kind=kind, request_id=request_id, source="seldon-logger",
                    service=ref.name, model_id=ref.name, namespace="", endpoint="default", time=moment, body=body,
                    type=TYPES[kind])


def add(write: LogWrite, event: LogEvent, ref: ModelRef, schema: ModelSchema) -> None:
    """The rows the sink writes for ``event`` (of a model the catalog knows), added to ``write``."""
    one = event_write(event, Attributed(ref.name, True, ref), schema)
    write.rows.extend(one.rows)
    write.failures.extend(one.failures)
    write.feedback.extend(one.feedback)

