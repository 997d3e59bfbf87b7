"""Test data for the segment finder: a loan model of our own with mixed inputs and string classes.

``frame`` draws rows with a number (income), an integer (tenure_months), a category (channel) and a
boolean (existing_customer); the model is right 90% of the time except on ``channel = kiosk`` (15% of
rows), where it is right 40% of the time. Three rows of ``channel = fax`` are all wrong: too few to call.
``store_cases`` writes them as workbench predictions with feedback verdicts, so every reader is real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.feedback.capture import record_feedback
from workbench.store.predictions import log_prediction

CLASSES = ("approve loan", "refer to officer")
FEATURES = ["income", "tenure_months", "channel", "existing_customer"]
BAD = "channel = kiosk"


def frame(n: int, *, seed: int = 3, bad_rate: float = 0.15, tiny: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """(inputs, right): per row 1 when the model was right."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(["web", "branch", "phone"], n, p=[0.5, 0.3, 0.2]).astype(object)
    channel[rng.random(n) < bad_rate] = "kiosk"
    rows = pd.DataFrame({"income": rng.lognormal(10.5, 0.4, n).round(0),
                         "tenure_months": rng.integers(0, 120, n),
                         "channel": channel,
                         "existing_customer": rng.random(n) < 0.6})
    right = (rng.random(n) < np.where(channel == "kiosk", 0.40, 0.90)).astype(int)
    rows.loc[: tiny - 1, "channel"] = "fax"
    right[:tiny] = 0
    return rows, right


def store_cases(engine, rows: pd.DataFrame, right: np.ndarray, *, model: str = "loan-desk") -> list[int]:
    """Each row a workbench prediction of ``model`` (made now) with a 'correct' or 'wrong' verdict; their ids."""
    ids = []
    for i, (record, ok) in enumerate(zip(rows.to_dict("records"), right, strict=True)):
        label = CLASSES[i % 2]
        other = CLASSES[(i + 1) % 2]
        inputs = {k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()}
        pid = log_prediction(engine, user="ana", model=model, protocol="v2", request_id=f"seg-{i}", inputs=inputs,
                             outputs={"task": "classification", "label": label,
                                      "probabilities": {label: 0.8, other: 0.2}})
        record_feedback(engine, pid, "ana", "correct" if ok else "wrong", truth=None if ok else other)
        ids.append(pid)
    return ids
