"""Batch throughput, side by side in one run on the same servers and the same 100,000-row wine CSV.

    (a) our engine (through BatchService: CSV in, results.csv out, every prediction logged to SQLite)
        against a seldon-core v1 microservice (our launcher, gunicorn --workers W, default 2);
    (b) seldon-batch-processor against the same microservice, workers 1/4/8 x batch size 1/100/1000;
        batch size 1 runs on a 2,000-row slice, the others on a 10,000-row slice (its rate is flat in
        file size; a full 100,000-row grid would take over ten minutes);
    (c) the microservice's own rate: one 10,000-row request, pre-encoded, best of 3;
    (d) MLServer (V2): our engine (same service, same logging) vs one request per row (2,000 rows);
    (e) logged vs not logged: the service with its batch log vs without, and ``mds predict``'s engine
        with the batch log vs ``--no-store`` (score_file into a CSV), best of 2 each.

    .venvs/app/bin/python bench/batch_throughput.py [--rows 100000] [--gunicorn-workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import requests
from _servers import start_local_mds

from bench._figures import shown
from embedded_mds import processes, server_specs
from embedded_mds.layout import HomeLayout, seldon_python
from embedded_mds.ports import LocalPorts
from mds_client import MDSClient, load_catalog
from mds_client.codecs import codec_for
from workbench.batch.service import BatchService
from workbench.store import open_store

REPO = Path(__file__).resolve().parents[1]
SBP = REPO / ".venvs" / "seldon" / "bin" / "seldon-batch-processor"


def make_wine(sample: Path, rows: int, path: Path) -> pd.DataFrame:
    base = pd.read_csv(sample)
    frame = pd.concat([base] * (-(-rows // len(base))), ignore_index=True).iloc[:rows]
    rng = np.random.default_rng(0)
    low, high = base["alcohol"].min(), base["alcohol"].max()
    frame["alcohol"] = (frame["alcohol"] + rng.uniform(-0.05, 0.05, rows)).clip(low, high).round(3)
    frame.to_csv(path, index=False)
    return frame


def start_seldon(home: Path, workers: int) -> tuple[str, int]:
    ports = LocalPorts.free()
    argv = [str(seldon_python()), "-m", "embedded_mds.served.seldon_launcher", "--name", "wine-v1",
            "--model-dir", str(HomeLayout(home).seldon_dir("wine-v1")), "--class", server_specs.SELDON_SKLEARN_CLASS,
            "--host", "127.0.0.1", "--http-port", str(ports.seldon_http), "--metrics-port", str(ports.seldon_metrics),
            "--workers", str(workers)]
    proc = processes.start_process(argv, log_path=home / "logs" / "bench-seldon.log", env=server_specs.server_env(),
                                   cwd=home)
    import atexit

    atexit.register(processes.stop_group, proc.pid)
    url = f"http://127.0.0.1:{ports.seldon_http}"
    deadline = time.monotonic() + 60
    while not processes.http_ok(url + "/health/ping"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit((home / "logs" / "bench-seldon.log").read_text()[-2000:])
        time.sleep(0.1)
    return url, proc.pid


def run_cli(client: MDSClient, ref, schema, source: Path, out: Path, engine, home: Path, *, logged: bool) -> float:
    """What ``mds predict`` does, in process: score_file into a CSV, with the batch log or (--no-store) without."""
    from mds_client.batch.scorer import score_file
    from workbench.batch.log_writer import BatchLogWriter
    from workbench.store.tables import new_id

    started = time.perf_counter()
    log = BatchLogWriter(engine, home, ref, schema, run_id=new_id(), user="bench", source="cli") if logged else None
    result = score_file(client, ref, schema, source, out, on_rows=log.on_rows if log else None)
    if log is not None:
        assert log.close() is None
    elapsed = time.perf_counter() - started
    assert result.rows_scored == result.rows_total
    return elapsed


def run_service(service: BatchService, ref, schema, source: Path) -> float:
    started = time.perf_counter()
    job_id = service.start(user="bench", ref=ref, schema=schema, source=source)
    job = service.wait(job_id)
    elapsed = time.perf_counter() - started
    assert job.state == "done" and job.rows_scored == job.rows_total, (job.state, job.error)
    return job.rows_total / elapsed


def server_rate(ref, schema, frame: pd.DataFrame) -> float:
    body = json.dumps(codec_for(ref.protocol).encode(frame, schema), default=lambda o: o.tolist()).encode()
    url = ref.endpoint.rstrip("/") + "/api/v1.0/predictions"
    best = 0.0
    with requests.Session() as session:
        for _ in range(3):
            started = time.perf_counter()
            response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            best = max(best, len(frame) / elapsed)
    return best


def sbp_rate(url: str, frame: pd.DataFrame, workers: int, batch_size: int, work: Path) -> float:
    src, out = work / f"sbp-{workers}-{batch_size}.txt", work / f"sbp-{workers}-{batch_size}.out"
    src.write_text("".join(json.dumps([row]) + "\n" for row in frame.to_numpy().tolist()))
    argv = [str(SBP), "--deployment-name", "wine-v1", "--gateway-type", "seldon",
            "--host", url.removeprefix("http://"), "--transport", "rest", "--data-type", "data",
            "--payload-type", "ndarray", "--workers", str(workers), "--retries", "3", "--input-data-path", str(src),
            "--output-data-path", str(out), "--method", "predict", "--log-level", "error",
            "--batch-size", str(batch_size)]
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - started
    lines = out.read_text().splitlines()
    ok = sum(1 for line in lines if '"FAILURE"' not in line)
    assert len(lines) == len(frame) and ok == len(frame), f"seldon-batch-processor wrote {ok}/{len(frame)} good rows"
    return len(frame) / elapsed


def per_row_rate(client: MDSClient, ref, schema, frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    for i in range(len(frame)):
        client.predict(ref, frame.iloc[i : i + 1], schema, validate=False)
    return len(frame) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()

    running = start_local_mds()
    home = Path(running.home)
    refs = {r.name: r for r in load_catalog(running.catalog_path)}
    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    seldon_url, _ = start_seldon(home, args.gunicorn_workers)
    import dataclasses

    v1 = dataclasses.replace(refs["wine-v1"], endpoint=seldon_url)
    v2 = refs["wine"]
    client = MDSClient()
    schema_v1, schema_v2 = client.schema(v1), client.schema(v2)
    frame = make_wine(v2.sample_data, args.rows, work / "wine.csv")
    service = BatchService(open_store(f"sqlite:///{work / 'bench.db'}"), client, work / "home")
    features = frame.drop(columns=[]).copy()
    print(f"wine CSV: {args.rows:,} rows; seldon-core microservice: gunicorn --workers {args.gunicorn_workers}; "
          f"engine: batch size 2,000, 4 threads, chunks of 10,000 rows, rows in the batch log (Arrow files + SQLite index)")

    run_service(service, v1, schema_v1, work / "wine.csv")  # warm-up: connections, imports
    ours_v1 = run_service(service, v1, schema_v1, work / "wine.csv")
    server = server_rate(v1, schema_v1, features.iloc[:10_000])
    print(f"(a) ours, seldon-core v1:            {ours_v1:10,.0f} rows/s")
    print(f"(c) server, one 10,000-row request:  {server:10,.0f} rows/s")

    grid = {}
    for batch_size in (1, 100, 1000):
        rows = 2_000 if batch_size == 1 else 10_000
        for workers in (1, 4, 8):
            grid[(workers, batch_size)] = sbp_rate(seldon_url, features.iloc[:rows], workers, batch_size, work)
            print(f"(b) seldon-batch-processor w={workers} b={batch_size:<4} ({rows:,} rows): "
                  f"{grid[(workers, batch_size)]:10,.0f} rows/s")
    best_key = max(grid, key=grid.__getitem__)
    best = grid[best_key]

    unlogged = BatchService(service.engine, client, work / "home", log_predictions=False)
    svc_logged = min(args.rows / run_service(service, v1, schema_v1, work / "wine.csv") for _ in range(2))
    svc_bare = min(args.rows / run_service(unlogged, v1, schema_v1, work / "wine.csv") for _ in range(2))
    cli = {logged: min(run_cli(client, v1, schema_v1, work / "wine.csv", work / f"cli-{logged}.csv", service.engine,
                               work / "home", logged=logged) for _ in range(2)) for logged in (True, False)}
    print(f"(e) service logged / not logged:     {svc_logged:6.2f} s / {svc_bare:6.2f} s")
    print(f"(e) mds predict logged / --no-store: {cli[True]:6.2f} s / {cli[False]:6.2f} s")

    ours_v2 = run_service(service, v2, schema_v2, work / "wine.csv")
    per_row = per_row_rate(client, v2, schema_v2, features.iloc[:2_000])
    print(f"(d) ours, MLServer V2:               {ours_v2:10,.0f} rows/s")
    print(f"(d) one request per row, V2 (2,000): {per_row:10,.0f} rows/s")
    print()
    print(f"ours / seldon-batch-processor best (w={best_key[0]}, b={best_key[1]}): {shown(ours_v1, best, '6.1f', 'x')}  (goal >= 10x)")
    print(f"ours / server single-request rate:   {shown(ours_v1, server, '6.1%')}  (goal >= 25%, moonshot 50%)")
    print(f"ours / per-row on V2:                {shown(ours_v2, per_row, '6.1f', 'x')}  (goal >= 100x)")
    print(f"service logged / not logged (time):  {shown(svc_logged, svc_bare, '6.2f', 'x')}  (goal <= 1.15x)")
    print(f"mds predict logged / --no-store:     {shown(cli[True], cli[False], '6.2f', 'x')}  (goal <= 1.15x)")
    print(f"mds predict logged / sbp best:       {shown(args.rows, cli[True] * best, '6.1f', 'x')};  / server: "
          f"{shown(args.rows, cli[True] * server, '6.1%')}")


if __name__ == "__main__":
    main()
