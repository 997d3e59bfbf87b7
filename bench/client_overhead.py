"""Client overhead per one-row call on Triton and KServe: mds_client vs a bare reused requests.Session.

The same server, model and body for both, interleaved call by call so both see the same server state:
Triton's ``price`` model (V2, two FP32 inputs; the tests' own Triton models), KServe's ModelServer with the
tests' own orchard pipeline on its V1 protocol (``instances``) and on V2. The bare path posts the bytes the
client's codec writes and parses the JSON answer; the client also decodes it into a ``Prediction``.
Goal: p50 ratio (mds_client / bare) <= 1.10.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/client_overhead.py [--rounds 600]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import requests

from bench._figures import shown
from mds_client import MDSClient, ModelRef, load_catalog
from mds_client.codecs import codec_for
from mds_client.prediction import dump_json
from tests.kserve_fixture import start_kserve
from tests.triton_fixture import start_triton

WARM = 50


def compare(client: MDSClient, label: str, ref: ModelRef, row: pd.DataFrame, rounds: int) -> None:
    schema = client.schema(ref)
    body = dump_json(codec_for(ref.protocol).encode(row, schema))
    session = requests.Session()
    headers = {"Content-Type": "application/json", **ref.headers}
    for _ in range(WARM):  # warm both paths
        client.predict(ref, row, schema)
        session.post(ref.predict_url, data=body, headers=headers, timeout=(3, 30)).json()
    ours, bare = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        client.predict(ref, row, schema)
        t1 = time.perf_counter()
        response = session.post(ref.predict_url, data=body, headers=headers, timeout=(3, 30))
        response.raise_for_status()
        response.json()
        t2 = time.perf_counter()
        ours.append((t1 - t0) * 1000)
        bare.append((t2 - t1) * 1000)
    session.close()
    p50_ours, p50_bare = statistics.median(ours), statistics.median(bare)
    print(f"{label}: mds_client p50 {p50_ours:.2f} ms, bare requests.Session p50 {p50_bare:.2f} ms, ratio "
          f"{shown(p50_ours, p50_bare, '.3f')} (goal <= 1.10); p95 {sorted(ours)[int(rounds * .95)]:.2f} vs "
          f"{sorted(bare)[int(rounds * .95)]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=600)
    args = parser.parse_args()
    client = MDSClient()
    with tempfile.TemporaryDirectory(prefix="mds-bench-overhead-") as tmp:
        work = Path(tmp)
        (work / "triton").mkdir()
        (work / "kserve").mkdir()
        triton = start_triton(work / "triton")
        try:
            ref = ModelRef(name="price", protocol="v2", endpoint=triton.url)
            compare(client, "Triton price (V2)", ref, pd.DataFrame({"rooms": [3.0], "area": [85.0]}), args.rounds)
        finally:
            triton.stop()
        kserve = start_kserve(work / "kserve")
        try:
            refs = {r.name: r for r in load_catalog(kserve.catalog)}
            row = kserve.rows.head(1).reset_index(drop=True)
            compare(client, "KServe orchard (V1)", refs["orchard"], row, args.rounds)
            compare(client, "KServe orchard (V2)", refs["orchard-v2"], row, args.rounds)
        finally:
            kserve.stop()
    client.close()


if __name__ == "__main__":
    main()
