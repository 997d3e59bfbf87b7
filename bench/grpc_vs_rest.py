"""REST vs gRPC to the same MLServer model, same run, same rows: the V2 JSON API vs ``inference.GRPCInferenceService``.

    (a) one call of ``--rows`` rows (default 10,000) through ``MDSClient.predict``, over each transport in turn,
        ``--repeats`` times; median wall time and the client's CPU time per call;
    (b) a batch file of ``--batch-rows`` rows (default 100,000) through the batch scorer (``BatchScorer``, its default
        minibatches and threads) into a CSV, over each transport.

The model is the tests' own (tests/grpc_fixture.py: a scikit-learn pipeline over two numbers, a city and a flag,
classes 'bronze', 'silver', 'gold') on a MLServer started here with its gRPC port on. Both transports must give the
same labels and probabilities; the script stops if they do not. Ratios are REST time / gRPC time (above 1: gRPC
faster). Goal (issue 25): the batch of 100,000 rows over gRPC at least 1.3x REST.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/grpc_vs_rest.py [--rows 10000] [--batch-rows 100000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench._figures import shown
from embedded_mds import processes
from mds_client import MDSClient, ModelRef
from mds_client.batch.scorer import BatchScorer
from tests.grpc_fixture import start_grpc_mlserver
from tests.kserve_fixture import orchard_rows


def one_call(client: MDSClient, refs: dict[str, ModelRef], frame: pd.DataFrame, schema, repeats: int) -> dict:
    walls: dict[str, list[float]] = {name: [] for name in refs}
    cpus: dict[str, list[float]] = {name: [] for name in refs}
    answers = {}
    for _ in range(repeats):
        for name, ref in refs.items():  # alternating, so that a busy moment falls on both
            cpu, started = time.process_time(), time.perf_counter()
            answers[name] = client.predict(ref, frame, schema, validate=False)
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(time.process_time() - cpu)
    rest, grpc = answers["rest"], answers["grpc"]
    assert rest.labels == grpc.labels and np.array_equal(rest.proba_matrix, grpc.proba_matrix), "answers differ"
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in refs}


def batch(client: MDSClient, refs: dict[str, ModelRef], schema, source: Path, work: Path) -> dict:
    seconds = {}
    for name, ref in refs.items():
        started = time.perf_counter()
        result = BatchScorer(client, ref, schema).run(source, work / f"{name}.csv")
        seconds[name] = time.perf_counter() - started
        assert result.rows_rejected == 0, result.reasons
    rest, grpc = (pd.read_csv(work / f"{name}.csv").drop(columns=["request_id"]) for name in ("rest", "grpc"))
    assert rest.equals(grpc), "batch outputs differ"  # every row's label and probabilities, in the same order
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="grpc-bench-"))
    server = start_grpc_mlserver(work / "server")
    try:
        client = MDSClient()
        rest = ModelRef(name="orchard", protocol="v2", endpoint=server.url, model_name=server.model,
                        grpc_url=server.grpc_url)
        refs = {"rest": rest, "grpc": rest.over("grpc")}
        schema = client.schema(rest)
        frame, _ = orchard_rows(args.rows, seed=3)
        print(f"MLServer {server.url} (REST) and {server.grpc_url} (gRPC), model {server.model}")
        one_call(client, refs, frame.head(200), schema, 3)  # warm-up: connections, imports, the server's codecs
        figures = one_call(client, refs, frame, schema, args.repeats)
        (rest_s, rest_cpu), (grpc_s, grpc_cpu) = figures["rest"], figures["grpc"]
        print(f"(a) one call of {args.rows:,} rows, median of {args.repeats}: REST {rest_s * 1000:.0f} ms "
              f"(client CPU {rest_cpu * 1000:.0f} ms), gRPC {grpc_s * 1000:.0f} ms (client CPU {grpc_cpu * 1000:.0f} "
              f"ms): gRPC {shown(rest_s, grpc_s, suffix='x')} as fast")
        big, _ = orchard_rows(args.batch_rows, seed=4)
        big.to_csv(work / "rows.csv", index=False)
        seconds = batch(client, refs, schema, work / "rows.csv", work)
        print(f"(b) batch of {args.batch_rows:,} rows: REST {seconds['rest']:.2f} s "
              f"({args.batch_rows / seconds['rest']:,.0f} rows/s), gRPC {seconds['grpc']:.2f} s "
              f"({args.batch_rows / seconds['grpc']:,.0f} rows/s): gRPC {shown(seconds['rest'], seconds['grpc'], suffix='x')}"
              " as fast (goal >= 1.3x)")
        client.close()
    finally:
        processes.stop_group(server.pid)


if __name__ == "__main__":
    main()
