"""Black-box anchors and what-if sweeps: our path vs the alternatives, side by side in one run.

1. AnchorTabular for one instance of a tabular model that has a deployed explainer:
   a. the workbench: AnchorTabular here, the model called through mds_client (pooled session,
      up to a few hundred rows per request);
   b. MLServer's alibi-explain runtime (the catalog's explainer) for the same instance;
   c. a direct Alibi call whose predictor posts with a new ``requests.post`` (new connection) per call.
   Goals: a/b <= 1.0, a/c <= 0.8.
2. A what-if sweep of 50 points: one request; its time in ms.

    PYTHONPATH=. .venvs/app/bin/python bench/explain_anchor.py [--catalog CATALOG] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import requests
from _servers import start_local_mds

from mds_client import MDSClient, load_catalog
from mds_client.codecs import codec_for
from mds_client.prediction import dump_json
from workbench.explain import service as explain_service
from workbench.explain import whatif
from workbench.explain.anchors import FIT_ROWS, THRESHOLD, explain_with_anchor
from workbench.explain.feature_space import FeatureSpace


def direct_alibi(ref, schema, row: pd.DataFrame, reference: pd.DataFrame) -> tuple[float, int]:
    """What a notebook would do: Alibi with a predictor that posts afresh on every call."""
    from alibi.explainers import AnchorTabular

    space = FeatureSpace.of(schema)
    codec = codec_for(ref.protocol)
    calls = 0

    def predict(matrix: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        frame = space.decode(matrix)
        body = dump_json(codec.encode(frame, schema, request_id=""))
        answer = requests.post(ref.predict_url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        decoded = codec.decode(answer.json(), schema, n_rows=len(frame))
        return np.argmax(np.asarray(decoded.proba_matrix), axis=1)

    train = space.encode(reference.sample(min(FIT_ROWS, len(reference)), random_state=0))
    started = time.perf_counter()
    explainer = AnchorTabular(predict, feature_names=space.names, categorical_names=space.category_names(),
                              dtype=np.float64, seed=0)
    explainer.fit(train, disc_perc=(25, 50, 75))
    explainer.explain(space.encode(row), threshold=THRESHOLD, batch_size=200, coverage_samples=5000)
    return time.perf_counter() - started, calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", help="a running MDS's catalog (default: start one with the alibi server)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    catalog = args.catalog or start_local_mds(alibi=True).catalog_path
    refs = load_catalog(catalog)
    client = MDSClient()
    ref = next((r for r in refs if r.explainer is not None and r.reference_data), None)
    if ref is None:
        raise SystemExit("no model with a deployed explainer in the catalog")
    schema = client.schema(ref)
    reference = pd.read_csv(ref.reference_data)
    row = reference.iloc[[0]][schema.names]
    import alibi.explainers  # noqa: F401 - loaded once, outside every timing

    ours, server, direct = [], [], []
    for _ in range(args.rounds):  # interleaved: every path sees the same server state
        t = time.perf_counter()
        mine = explain_with_anchor(client, replace(ref, explainer=None), schema, row, reference)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        theirs = explain_service.explain_with_server(client, ref, schema, row)
        server.append(time.perf_counter() - t)
        seconds, direct_calls = direct_alibi(ref, schema, row, reference)
        direct.append(seconds)
    a, b, c = statistics.median(ours), statistics.median(server), statistics.median(direct)
    print(f"model with an explainer: {ref.name} ({len(schema.names)} features), instance 0 of its reference data")
    print(f"  workbench black-box anchor: {a:.2f} s, {mine.calls} requests, precision {mine.precision:.2f}, "
          f"rule: {mine.rule}")
    print(f"  MLServer alibi-explain:     {b:.2f} s, precision {theirs.precision or 0:.2f}, rule: {theirs.rule}")
    print(f"  direct Alibi, new POST/call: {c:.2f} s, {direct_calls} requests")
    print(f"  ratio workbench / MLServer explainer: {a / b:.2f} (goal <= 1.0)")
    print(f"  ratio workbench / direct new-connection Alibi: {a / c:.2f} (goal <= 0.8)")

    feature = schema.names[0]
    times, calls = [], set()
    for _ in range(20):
        t = time.perf_counter()
        sweep = whatif.what_if(client, ref, schema, row, feature, reference, points=50)
        times.append((time.perf_counter() - t) * 1000)
        calls.add(sweep.calls)
    print(f"what-if sweep of {len(sweep.points)} points over {feature}: {sorted(calls)} request(s), "
          f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms")
    client.close()


if __name__ == "__main__":
    main()
