"""Prediction rows in the shape the app logs, and a Seldon row's own request and response.

``prediction_rows`` turns a scored frame into store rows
(``outputs = {task, label, probabilities, value, row}``) so feedback, History and the review page
read them alike; large runs log to the batch log instead (``workbench.batch.log_writer``) and
get a prediction row only for a row someone gives feedback on. ``row`` is the 1-based data row
of the output file: one request id names every row of a minibatch, so ``mds feedback --row``
tells them apart. Batch rows store no request and response: one call scored a whole minibatch,
so a row's own request is derived from its inputs when feedback is sent (``seldon_exchange``).
"""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd

from mds_client import ModelRef, ModelSchema, codec_for, jsonable


def prediction_rows(frame: pd.DataFrame, ref: ModelRef, schema: ModelSchema, *, user: str, source: str, start: int,
                    features: list[str], task: str, batch_job_id: str | None = None,
                    serialized: bool = False) -> list[dict[str, Any]]:
    """One store row per frame row, built column-wise.

    No row carries a request or response body: a Seldon row's are derived from its inputs and
    outputs when its feedback is sent (``seldon_exchange``).
    ``serialized`` gives the JSON columns (inputs, outputs, request, response) as JSON text, for
    ``bulk_insert_predictions(..., serialized=True)``: each row's dicts are dumped and freed at
    once, so 100,000 rows never hold 100,000s of live dicts (the cyclic GC, not JSON, was what
    made logging a large job slow).
    """
    cols = [c for c in features if c in frame.columns] or [c for c in frame.columns if c not in _OUT_COLS]
    inputs = frame[cols]
    if inputs.isna().to_numpy().any():
        inputs = inputs.astype(object).where(inputs.notna(), None)
    keys = [str(c) for c in cols]
    n = len(frame)
    errors = _strings(frame, "error", n)
    ids = _strings(frame, "request_id", n)
    labels = [_plain(v) for v in frame["prediction"].tolist()] if "prediction" in frame else [None] * n
    prob_cols = [c for c in frame.columns if str(c).startswith("p(") and str(c).endswith(")")]
    names = [str(c)[2:-1] for c in prob_cols]
    probs = frame[prob_cols].to_numpy(dtype=float).tolist() if prob_cols else None
    dump = _dump if serialized else _same
    null = dump(None)
    common = {"model": ref.name, "version": ref.version or "", "protocol": str(ref.protocol), "user": user,
              "source": source, "batch_job_id": batch_job_id}
    regression = task == "regression"
    out = []
    for i, values in enumerate(inputs.itertuples(index=False, name=None)):
        err = errors[i]
        row: dict[str, Any] = {**common, "request_id": ids[i], "inputs": dump(dict(zip(keys, values, strict=True))),
                               "status": "error" if err else "ok", "error": err or None, "outputs": null,
                               "request": null, "response": null}
        if not err:
            label = labels[i]
            p = {k: (None if v != v else v) for k, v in zip(names, probs[i], strict=True)} if probs else None
            row["outputs"] = dump({"task": task, "label": label, "probabilities": p,
                                   "value": label if regression else None, "row": start + i + 1})
        out.append(row)
    return out


def _same(value: Any) -> Any:
    return value


def _dump(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


_OUT_COLS = {"prediction", "confidence", "request_id", "error"}


def _strings(frame: pd.DataFrame, column: str, n: int) -> list[str]:
    return frame[column].fillna("").astype(str).tolist() if column in frame else [""] * n


def seldon_exchange(inputs: dict[str, Any], outputs: dict[str, Any] | None, request_id: str,
                    schema: ModelSchema) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request one logged row alone would have been sent as, and the answer Seldon gave for it.

    Seldon's feedback endpoint wants both back. Batch rows are scored in minibatches, so neither
    exists per row; both follow from what was logged (the same encode, the row's own outputs).
    """
    request = jsonable(codec_for("seldon").encode(pd.DataFrame([inputs]), schema))
    probs = (outputs or {}).get("probabilities")
    label = (outputs or {}).get("label")
    data = {"names": list(probs), "ndarray": [list(probs.values())]} if probs else {"ndarray": [label]}
    return request, {"data": data, "meta": {"puid": request_id}}


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
