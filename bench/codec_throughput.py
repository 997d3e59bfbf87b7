"""Encode + decode of a 100,000 x 20 frame: mds_client's V2 codec vs a hand-written orjson + numpy baseline.

The baseline is the least one could write: one input per column straight from numpy, and a response
read back into a numpy array. Both produce and consume the same bytes. Goal: ratio <= 1.2.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import orjson
import pandas as pd

from bench._figures import shown
from mds_client.codecs import codec_for
from mds_client.prediction import dump_json
from mds_client.schema.model import Feature, FeatureKind, ModelSchema, Output

ROWS, COLS, ROUNDS = 100_000, 20, 7


def main() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(ROWS, COLS)), columns=[f"f{i}" for i in range(COLS)])
    classes = ("a", "b", "c")
    schema = ModelSchema(
        tuple(Feature(c, FeatureKind.NUMBER) for c in frame.columns),
        (Output("predict_proba", "proba", class_names=classes),),
    )
    proba = rng.dirichlet(np.ones(3), size=ROWS)
    response = orjson.dumps({"model_name": "m", "id": "r", "outputs": [
        {"name": "predict_proba", "datatype": "FP64", "shape": [ROWS, 3], "data": proba.reshape(-1)}]},
        option=orjson.OPT_SERIALIZE_NUMPY)
    codec = codec_for("v2")

    def ours() -> None:
        schema.validate(frame)
        dump_json(codec.encode(frame, schema))
        codec.decode(orjson.loads(response), schema, n_rows=ROWS)

    def baseline() -> None:
        body = {"parameters": {"content_type": "pd"}, "inputs": [
            {"name": c, "shape": [ROWS], "datatype": "FP64", "data": np.ascontiguousarray(frame[c].to_numpy())} for c in frame.columns]}
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
        doc = orjson.loads(response)
        out = doc["outputs"][0]
        matrix = np.asarray(out["data"], dtype=float).reshape(out["shape"])
        matrix.argmax(axis=1)

    ours(), baseline()
    t_ours, t_base = [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        baseline()
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_base.append(t2 - t1)
    a, b = statistics.median(t_ours), statistics.median(t_base)
    print(f"{ROWS:,} x {COLS} frame, validate + encode + decode: mds_client {a * 1000:.0f} ms, "
          f"orjson+numpy baseline {b * 1000:.0f} ms, ratio {shown(a, b)} (goal <= 1.2)")


if __name__ == "__main__":
    main()
