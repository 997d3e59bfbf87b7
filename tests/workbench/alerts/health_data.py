"""Synthetic traffic for the health tests: a five-feature classifier logged window by window."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from mds_client import ModelRef, ModelSchema
from mds_client.schema.features import Feature, FeatureKind
from workbench.store.engine import session_scope
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.store.tables import Feedback, PredictionRow

NAMES = [f"x{i}" for i in range(5)]
SCHEMA = ModelSchema(tuple(Feature(n, FeatureKind.NUMBER) for n in NAMES))


def reference_frame() -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(99).normal(size=(2000, len(NAMES))), columns=NAMES)


def model_ref(name: str, reference: str | None, accuracy: float | None = 0.95) -> ModelRef:
    card = {"metrics": {"accuracy": accuracy}} if accuracy is not None else {}
    return ModelRef(name=name, protocol="v2", endpoint="http://127.0.0.1:9/", reference_data=reference, card=card)


def log_window(engine, model: str, start: datetime, width: timedelta, calls: int, *, shift: float = 0.0,
               errors: int = 0, confidence: float = 0.9, latency_ms: float = 20.0, seed: int = 0,
               source: str = "simulate") -> None:
    """``calls`` calls spread over ``[start, start + width)``, logged from ``source``; feature x2 shifted by ``shift``."""
    rng = np.random.default_rng(seed)
    write = LogWrite()
    for i in range(calls):
        t = start + width * (i + 0.5) / calls
        values = rng.normal(size=len(NAMES))
        values[2] += shift
        failed = i < errors
        write.rows.append(log_row(
            model=model, request_id=f"{start.timestamp():.0f}-{source}-{i}", row_index=0, source=source, time=t,
            inputs=dict(zip(NAMES, values.tolist(), strict=True)), label=None if failed else "a",
            confidence=None if failed else confidence, status="error" if failed else "ok",
            response_time=t + timedelta(milliseconds=latency_ms)))
    store_log(engine, write)


def add_verdicts(engine, model: str, at: datetime, correct: int, wrong: int) -> None:
    """Workbench predictions made at ``at``, each judged right or wrong by an analyst."""
    with session_scope(engine) as session:
        for i in range(correct + wrong):
            row = PredictionRow(model=model, user="ana", request_id=f"fb-{at.timestamp():.0f}-{i}", inputs={},
                                outputs={"label": "a"}, status="ok", created=at, source="app")
            session.add(row)
            session.flush()
            session.add(Feedback(prediction_id=row.id, user="ana", verdict="correct" if i < correct else "wrong",
                                 created=at + timedelta(seconds=1)))
