"""Log the rows of an ``mds predict`` run to the workbench store, one insert per chunk.

``batch_row_logger`` returns the ``on_rows`` callback that ``mds_client.batch.score_file`` calls after
each chunk is written to the output file. Rows are stored in the shape the app logs
(``outputs = {task, label, probabilities, value, row}``) so feedback, History and the review page
read them alike. ``row`` is the 1-based data row of the output file: one request id names every row
of a minibatch, so ``mds feedback --row`` tells them apart. For Seldon v1 models each row also
gets its own request and response body, which Seldon's feedback endpoint wants back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert

from mds_client import ModelRef, ModelSchema, codec_for, jsonable
from workbench.store import PredictionRow, session_scope


def batch_row_logger(engine: Engine, ref: ModelRef, schema: ModelSchema, *, user: str, source: str = "cli",
                     first_row: int = 0) -> Callable[[pd.DataFrame], None]:
    position = {"row": first_row}
    features = list(schema.table_columns())
    task = schema.task

    def on_rows(frame: pd.DataFrame) -> None:
        start = position["row"]
        position["row"] += len(frame)
        rows = prediction_rows(frame, ref, schema, user=user, source=source, start=start, features=features, task=task)
        if rows:
            with session_scope(engine) as session:
                session.execute(insert(PredictionRow), rows)

    return on_rows


def prediction_rows(frame: pd.DataFrame, ref: ModelRef, schema: ModelSchema, *, user: str, source: str, start: int,
                    features: list[str], task: str) -> list[dict[str, Any]]:
    cols = [c for c in features if c in frame.columns] or [c for c in frame.columns if c not in _OUT_COLS]
    inputs = frame[cols].astype(object).where(frame[cols].notna(), None)
    records = inputs.to_dict(orient="records")
    prob_cols = [c for c in frame.columns if str(c).startswith("p(") and str(c).endswith(")")]
    errors = frame["error"].fillna("").astype(str).tolist() if "error" in frame else [""] * len(frame)
    ids = frame["request_id"].fillna("").astype(str).tolist() if "request_id" in frame else [""] * len(frame)
    codec = codec_for(ref.protocol) if ref.protocol == "seldon" else None
    out = []
    for i, err in enumerate(errors):
        row: dict[str, Any] = {
            "request_id": ids[i], "model": ref.name, "version": ref.version or "", "protocol": str(ref.protocol),
            "user": user, "inputs": records[i], "status": "error" if err else "ok", "error": err or None,
            "source": source, "outputs": None, "request": None, "response": None,
        }
        if not err:
            label = _plain(frame["prediction"].iloc[i]) if "prediction" in frame else None
            probs = {c[2:-1]: _plain(frame[c].iloc[i]) for c in prob_cols} or None
            value = label if task == "regression" else None
            row["outputs"] = {"task": task, "label": label, "probabilities": probs, "value": value, "row": start + i + 1}
            if codec is not None:
                row["request"] = jsonable(codec.encode(inputs.iloc[[i]], schema))
                row["response"] = _seldon_response(probs, label, ids[i])
        out.append(row)
    return out


_OUT_COLS = {"prediction", "confidence", "request_id", "error"}


def _seldon_response(probs: dict[str, Any] | None, label: Any, puid: str) -> dict[str, Any]:
    # Rebuilt from the output file's columns: what Seldon answered for this row within its minibatch.
    if probs:
        data = {"names": list(probs), "ndarray": [list(probs.values())]}
    else:
        data = {"ndarray": [label]}
    return {"data": data, "meta": {"puid": puid}}


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
