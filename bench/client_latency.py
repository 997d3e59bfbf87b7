"""Single-row predict latency: mds_client vs a bare reused requests.Session POST of the same bytes.

Same MLServer, same model, same body, interleaved so both see the same server state.
Goal: p50 ratio (mds_client / bare) <= 1.10.
"""

from __future__ import annotations

import statistics
import time

import pandas as pd
import requests
from _servers import start_local_mds

from bench._figures import shown
from mds_client import MDSClient, load_catalog
from mds_client.codecs import codec_for
from mds_client.prediction import dump_json

ROUNDS = 600


def main() -> None:
    mds = start_local_mds()
    refs = {r.name: r for r in load_catalog(mds.catalog_path)}
    client = MDSClient()
    for name in ("wine", "tips"):
        ref = refs[name]
        schema = client.schema(ref)
        row = pd.DataFrame([schema.example(pd.read_csv(ref.reference_data))])
        body = dump_json(codec_for("v2").encode(row, schema))
        session = requests.Session()
        headers = {"Content-Type": "application/json"}
        for _ in range(50):  # warm both paths
            client.predict(ref, row, schema)
            session.post(ref.predict_url, data=body, headers=headers, timeout=(3, 30)).json()
        ours, bare = [], []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            client.predict(ref, row, schema)
            t1 = time.perf_counter()
            session.post(ref.predict_url, data=body, headers=headers, timeout=(3, 30)).json()
            t2 = time.perf_counter()
            ours.append((t1 - t0) * 1000)
            bare.append((t2 - t1) * 1000)
        p50_ours, p50_bare = statistics.median(ours), statistics.median(bare)
        print(f"{name}: mds_client p50 {p50_ours:.2f} ms, bare requests.Session p50 {p50_bare:.2f} ms, "
              f"ratio {shown(p50_ours, p50_bare, '.3f')} (goal <= 1.10); p95 {sorted(ours)[int(ROUNDS * .95)]:.2f} vs "
              f"{sorted(bare)[int(ROUNDS * .95)]:.2f} ms")


if __name__ == "__main__":
    main()
