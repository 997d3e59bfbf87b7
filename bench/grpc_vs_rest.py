"""REST vs gRPC to the same MLServer model, same run, same rows: the V2 JSON API vs ``inference.GRPCInferenceService``.

    (a) one call of ``--rows`` rows (default 10,000) through ``MDSClient.predict``, over each transport in turn,
        ``--repeats`` times; median wall time and the client's CPU time per call; over gRPC three times: as the
        client chooses for this server (``GrpcTransport.sends_raw``), tensors as ``raw_input_contents`` bytes, and
        as typed ``contents`` (one protobuf value per element);
    (b) a batch file of ``--batch-rows`` rows (default 100,000) through the batch scorer (``BatchScorer``, its default
        minibatches and threads) into a CSV, over each transport.

With ``--triton`` it also runs (a) on a real Triton (tests/triton_fixture.py) with the tests' own ``price`` model
(two FP32 ``[-1]`` inputs, no batching), ``--triton-rows`` rows (default 100,000) per call.

The model is the tests' own (tests/grpc_fixture.py: a scikit-learn pipeline over two numbers, a city and a flag,
classes 'bronze', 'silver', 'gold') on a MLServer started here with its gRPC port on. Both transports must give the
same labels and probabilities; the script stops if they do not. Ratios are REST time / gRPC time (above 1: gRPC
faster). Goal (issue 25): the batch of 100,000 rows over gRPC at least 1.3x REST.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/grpc_vs_rest.py [--rows 10000] [--batch-rows 100000] [--repeats 7]
        [--triton [--triton-rows 100000]]
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


def one_call(calls: dict[str, tuple[MDSClient, ModelRef]], frame: pd.DataFrame, schema, repeats: int) -> dict:
    walls: dict[str, list[float]] = {name: [] for name in calls}
    cpus: dict[str, list[float]] = {name: [] for name in calls}
    answers = {}
    for _ in range(repeats):
        for name, (client, ref) in calls.items():  # alternating, so that a busy moment falls on each
            cpu, started = time.process_time(), time.perf_counter()
            answers[name] = client.predict(ref, frame, schema, validate=False)
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(time.process_time() - cpu)
    rest = answers["rest"]
    for answer in answers.values():
        assert answer.labels == rest.labels and answer.values == rest.values, "answers differ"
        assert rest.proba_matrix is None or np.array_equal(answer.proba_matrix, rest.proba_matrix), "answers differ"
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in calls}


def print_calls(title: str, figures: dict) -> None:
    rest_s = figures["rest"][0]
    print(title)
    for name, (seconds, cpu) in figures.items():
        print(f"    {name:<20} {seconds * 1000:6.0f} ms (client CPU {cpu * 1000:.0f} ms): "
              f"{shown(rest_s, seconds, suffix='x')} REST's speed")


def three_clients() -> tuple[MDSClient, MDSClient, MDSClient]:
    """The client as it chooses, one that always sends raw bytes, one that always sends typed contents."""
    client, raw, typed = MDSClient(), MDSClient(), MDSClient()
    raw.grpc.raw_tensors, typed.grpc.raw_tensors = True, False
    return client, raw, typed


def on_triton(rows: int, repeats: int, work: Path) -> None:
    from tests.triton_fixture import start_triton

    server = start_triton(work / "triton")
    try:
        client, raw, typed = three_clients()
        rest = ModelRef(name="price", protocol="v2", endpoint=server.url, grpc_url=server.grpc_url)
        grpc = rest.over("grpc")
        calls = {"rest": (client, rest), "grpc": (client, grpc), "grpc raw bytes": (raw, grpc),
                 "grpc typed contents": (typed, grpc)}
        schema = client.schema(rest)
        rng = np.random.default_rng(0)
        frame = pd.DataFrame({"rooms": rng.integers(1, 6, rows).astype(float), "area": rng.uniform(20, 200, rows)})
        one_call(calls, frame.head(200), schema, 3)
        print_calls(f"(a) Triton {server.url}, model price, one call of {rows:,} rows, median of {repeats}:",
                    one_call(calls, frame, schema, repeats))
        print(f"    (the client sends {'raw bytes' if client.grpc.sends_raw(server.grpc_url) else 'typed contents'} "
              "to this server)")
        for c in (client, raw, typed):
            c.close()
    finally:
        server.stop()


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
    parser.add_argument("--triton", action="store_true", help="also measure one call on a real Triton")
    parser.add_argument("--triton-rows", type=int, default=100_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="grpc-bench-"))
    server = start_grpc_mlserver(work / "server")
    try:
        client, raw, typed = three_clients()
        rest = ModelRef(name="orchard", protocol="v2", endpoint=server.url, model_name=server.model,
                        grpc_url=server.grpc_url)
        refs = {"rest": rest, "grpc": rest.over("grpc")}
        calls = {"rest": (client, rest), "grpc": (client, refs["grpc"]), "grpc raw bytes": (raw, refs["grpc"]),
                 "grpc typed contents": (typed, refs["grpc"])}
        schema = client.schema(rest)
        frame, _ = orchard_rows(args.rows, seed=3)
        print(f"MLServer {server.url} (REST) and {server.grpc_url} (gRPC), model {server.model}")
        one_call(calls, frame.head(200), schema, 3)  # warm-up: connections, imports, the server's codecs
        figures = one_call(calls, frame, schema, args.repeats)
        print_calls(f"(a) MLServer, one call of {args.rows:,} rows, median of {args.repeats}:", figures)
        raw.close()
        typed.close()
        print(f"    (the client sends {'raw bytes' if client.grpc.sends_raw(server.grpc_url) else 'typed contents'} "
              "to this server)")
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
    if args.triton:
        on_triton(args.triton_rows, args.repeats, work)


if __name__ == "__main__":
    main()
