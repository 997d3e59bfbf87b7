"""Black-box anchors and what-if sweeps: our path vs the alternatives, side by side in one run.

1. AnchorTabular for one instance of a tabular model that has a deployed explainer:
   a. the workbench: AnchorTabular here, the model called through mds_client (pooled session,
      each round of the beam search in one request, a repeated row answered from the explanation's
      memory; rows as one FP64 tensor when the model's V2 metadata declares ``content_type: np``);
   a1. the same with ``reuse=False``: one request per Alibi call, every row sent (the path before);
   a0. the same as a1 with one V2 input per column (the wire before that), for before/after;
   b. MLServer's alibi-explain runtime (the catalog's explainer) for the same instance;
   c. a direct Alibi call whose predictor posts our per-column body with a new ``requests.post``
      (new connection) per call (the baseline as first defined);
   c1. the same posting the tensor body: what pooling alone is worth.
   Goals: a/b <= 1.0, a/c <= 0.8.
2. A what-if sweep of 50 points: one request; its time in ms.

    cd bench && PYTHONPATH=.. ../.venvs/app/bin/python explain_anchor.py [--catalog CATALOG] [--rounds 3]
    (or from the repo root: PYTHONPATH=. .venvs/app/bin/python bench/explain_anchor.py)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import requests
from _servers import start_local_mds

from bench._figures import shown
from mds_client import MDSClient, load_catalog
from mds_client.codecs import codec_for
from mds_client.prediction import dump_json
from workbench.explain import service as explain_service
from workbench.explain import whatif
from workbench.explain.anchors import FIT_ROWS, THRESHOLD, explain_with_anchor
from workbench.explain.feature_space import FeatureSpace


def direct_alibi(ref, schema, row: pd.DataFrame, reference: pd.DataFrame, *, tensor: bool) -> tuple[float, int]:
    """What a notebook would do: Alibi with a predictor that posts afresh on every call."""
    from alibi.explainers import AnchorTabular

    space = FeatureSpace.of(schema)
    codec = codec_for(ref.protocol)
    calls = 0

    def predict(matrix: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        frame = space.decode(matrix)
        body = codec.encode_rows_tensor(frame, schema) if tensor else codec.encode(frame, schema, request_id="")
        answer = requests.post(ref.predict_url, data=dump_json(body), headers={"Content-Type": "application/json"},
                               timeout=30)
        decoded = codec.decode(answer.json(), schema, n_rows=len(frame))
        return np.argmax(np.asarray(decoded.proba_matrix), axis=1)

    train = space.encode(reference.sample(min(FIT_ROWS, len(reference)), random_state=0))
    started = time.perf_counter()
    explainer = AnchorTabular(predict, feature_names=space.names, categorical_names=space.category_names(),
                              dtype=np.float64, seed=0)
    explainer.fit(train, disc_perc=(25, 50, 75))
    explainer.explain(space.encode(row), threshold=THRESHOLD, batch_size=200, coverage_samples=5000)
    return time.perf_counter() - started, calls


_run = {"calls": 0, "seconds": 0.0}  # how a run went, not what it found: left out when results are compared


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", help="a running MDS's catalog (default: start one with the alibi server)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    catalog = args.catalog or start_local_mds(alibi=True).catalog_path
    refs = load_catalog(catalog)
    client = MDSClient()
    ref = next((r for r in refs if r.explainer is not None and r.protocol == "v2" and r.reference_data), None)
    if ref is None:
        raise SystemExit("no V2 model with a deployed explainer in the catalog")
    schema = client.schema(ref)
    if not schema.takes_numeric_rows:
        print(f"note: {ref.name}'s metadata does not declare content_type np: (a) and (a0) send the same wire")
    columns_schema = replace(schema, request_content_type="")  # the wire before: one input per column
    reference = pd.read_csv(ref.reference_data)
    row = reference.iloc[[0]][schema.names]
    bare = replace(ref, explainer=None)
    import alibi.explainers  # noqa: F401 - loaded once, outside every timing

    times: dict[str, list[float]] = {k: [] for k in ("a", "a1", "a0", "b", "c", "c1")}
    for _ in range(args.rounds):  # interleaved: every path sees the same server state
        t, mine = timed(lambda: explain_with_anchor(client, bare, schema, row, reference))
        times["a"].append(t)
        t, plain = timed(lambda: explain_with_anchor(client, bare, schema, row, reference, reuse=False))
        times["a1"].append(t)
        t, before = timed(lambda: explain_with_anchor(client, bare, columns_schema, row, reference, reuse=False))
        times["a0"].append(t)
        t, theirs = timed(lambda: explain_service.explain_with_server(client, ref, schema, row))
        times["b"].append(t)
        seconds, direct_calls = direct_alibi(ref, schema, row, reference, tensor=False)
        times["c"].append(seconds)
        seconds, _ = direct_alibi(ref, schema, row, reference, tensor=True)
        times["c1"].append(seconds)
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"model with an explainer: {ref.name} ({len(schema.names)} features), instance 0 of its reference data, "
          f"median of {args.rounds} interleaved rounds, load average {os.getloadavg()[0]:.1f}")
    print(f"  a  workbench anchor, rows as one tensor:   {m['a']:.2f} s, {mine.calls} requests, "
          f"precision {mine.precision:.2f}, rule: {mine.rule}")
    print(f"  a1 the same, reuse=False (call per call):  {m['a1']:.2f} s, {plain.calls} requests, "
          f"same result: {plain.to_dict() | _run == mine.to_dict() | _run}")
    print(f"  a0 a1 with one input per column:           {m['a0']:.2f} s, {before.calls} requests, rule: {before.rule}")
    print(f"  b  MLServer alibi-explain:                 {m['b']:.2f} s, precision {theirs.precision or 0:.2f}, "
          f"rule: {theirs.rule}")
    print(f"  c  direct Alibi, new POST/call, per column: {m['c']:.2f} s, {direct_calls} requests")
    print(f"  c1 direct Alibi, new POST/call, tensor:     {m['c1']:.2f} s")
    print(f"  before: a1/b {shown(m['a1'], m['b'])}, a1/c {shown(m['a1'], m['c'])}; "
          f"a0/b {shown(m['a0'], m['b'])}, a0/c {shown(m['a0'], m['c'])}")
    print(f"  ratio workbench / MLServer explainer: {shown(m['a'], m['b'])} (goal <= 1.0)")
    print(f"  ratio workbench / direct new-connection Alibi: {shown(m['a'], m['c'])} (goal <= 0.8); "
          f"same wire (a/c1, pooling alone): {shown(m['a'], m['c1'])}")

    feature = schema.names[0]
    sweep_ms, calls = [], set()
    for _ in range(20):
        t, sweep = timed(lambda: whatif.what_if(client, ref, schema, row, feature, reference, points=50))
        sweep_ms.append(t * 1000)
        calls.add(sweep.calls)
    print(f"what-if sweep of {len(sweep.points)} points over {feature}: {sorted(calls)} request(s), "
          f"median {statistics.median(sweep_ms):.1f} ms, min {min(sweep_ms):.1f} ms")
    client.close()


if __name__ == "__main__":
    main()
