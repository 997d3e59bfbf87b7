"""`mds predict` of 100,000 rows as a whole process vs the server's own rate, side by side in one run.

A held-out model (trained here: a scikit-learn pipeline over two text categories, two integers and two
floats, with string class names; no demo model) is served by a seldon-core v1 microservice (our launcher,
gunicorn --workers W, default 2). Then, on the same server and the same 100,000-row CSV:

    (a) ``mds predict NAME --input rows.csv --output out.csv`` as a subprocess, every prediction logged to the
        workbench store (the default: a SQLite store in a fresh home), timed from process start to exit;
    (b) the same with ``--no-store``;
    (c) the microservice's own rate: one 10,000-row request, encoded once beforehand, best of 3.

(a) and (b) alternate, N runs each after one warm-up of each; best and median are printed, and the ratio
(a)/(c) against the goal (>= 25%) and the moonshot (50%). ``--start-up`` also times ``mds predict --help``
(the imports a user waits for before the first row). ``--vs-commit REV`` adds (a) with the code of REV
(``git archive REV``, imported ahead of the working tree), alternated with the others: before and after a change.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/cli_predict.py [--rows 100000] [--runs 5] [--gunicorn-workers 2] \
        [--vs-commit REV] [--start-up]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import requests

from bench._figures import shown
from embedded_mds import processes, server_specs
from embedded_mds.layout import seldon_python, write_json
from embedded_mds.model_schema import feature

REPO = Path(__file__).resolve().parents[1]
MDS = REPO / ".venvs" / "app" / "bin" / "mds"
NAME = "renewals"
CLASSES = ("renews", "downgrades", "leaves")
REGIONS = ("north", "south", "east", "west", "centre")
PLANS = ("basic", "plus", "family", "pro")


def make_rows(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "region": rng.choice(REGIONS, rows),
        "plan": rng.choice(PLANS, rows),
        "age": rng.integers(18, 90, rows),
        "support_calls": rng.integers(0, 12, rows),
        "monthly_spend": rng.gamma(2.0, 20.0, rows).round(2),
        "tenure_years": rng.uniform(0, 15, rows).round(3),
    })


def labels(frame: pd.DataFrame, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    risk = (frame["support_calls"] / 4 - frame["tenure_years"] / 5 + (frame["plan"] == "basic") * 0.8
            + rng.normal(0, 0.7, len(frame)))
    return np.where(risk > 0.9, CLASSES[2], np.where(risk > 0.0, CLASSES[1], CLASSES[0]))


def train(folder: Path) -> None:
    """Fit the held-out pipeline and write the folder ``seldon_model.SklearnModel`` serves."""
    import joblib
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = make_rows(5_000, seed=1)
    numbers = ["age", "support_calls", "monthly_spend", "tenure_years"]
    model = make_pipeline(
        ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore"), ["region", "plan"]),
                           ("numbers", StandardScaler(), numbers)]),
        LogisticRegression(max_iter=500),
    ).fit(frame, labels(frame, seed=2))
    inputs = [
        feature("region", "BYTES", "category", "Sales region.", categories=list(REGIONS)),
        feature("plan", "BYTES", "category", "Subscription plan.", categories=list(PLANS)),
        feature("age", "INT64", "integer", "Customer age.", min=18, max=89),
        feature("support_calls", "INT64", "integer", "Calls to support this year.", min=0, max=11),
        feature("monthly_spend", "FP64", "number", "Spend per month.", min=0.0, unit="EUR"),
        feature("tenure_years", "FP64", "number", "Years as a customer.", min=0.0, max=15.0, unit="years"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    write_json(folder / "metadata.json", {
        "name": NAME, "version": "1", "platform": "sklearn", "task": "classification",
        "feature_names": [entry["name"] for entry in inputs], "class_names": [str(c) for c in model.classes_],
        "features": inputs,
    })
    # What a Seldon user declares in MODEL_METADATA for a mixed frame: jsonData records with a JSON schema.
    kinds = {"category": "string", "integer": "integer", "number": "number"}
    properties = {entry["name"]: {"type": kinds[entry["parameters"]["kind"]],
                                  **({"enum": entry["parameters"]["categories"]}
                                     if "categories" in entry["parameters"] else {})} for entry in inputs}
    write_json(folder / "model-metadata.json", {
        "name": NAME, "inputs": [{"messagetype": "jsonData", "schema": {"properties": properties}}]})


def start_seldon(folder: Path, work: Path, workers: int) -> str:
    from embedded_mds.ports import LocalPorts

    ports = LocalPorts.free()
    argv = [str(seldon_python()), "-m", "embedded_mds.served.seldon_launcher", "--name", NAME,
            "--model-dir", str(folder), "--class", server_specs.SELDON_SKLEARN_CLASS, "--host", "127.0.0.1",
            "--http-port", str(ports.seldon_http), "--metrics-port", str(ports.seldon_metrics),
            "--workers", str(workers), "--log-level", "WARNING", "--metadata-file", str(folder / "model-metadata.json")]
    log = work / "seldon.log"
    proc = processes.start_process(argv, log_path=log, env=server_specs.server_env(), cwd=work)
    atexit.register(processes.stop_group, proc.pid)
    url = f"http://127.0.0.1:{ports.seldon_http}"
    deadline = time.monotonic() + 60
    while not processes.http_ok(url + "/health/ping"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(log.read_text()[-2000:])
        time.sleep(0.1)
    return url


def server_body(frame: pd.DataFrame) -> bytes:
    """The rows as the client sends them (jsonData records), encoded once."""
    return json.dumps({"jsonData": frame.astype(object).to_dict(orient="records")}).encode()


def server_rate(url: str, body: bytes, rows: int) -> float:
    """Rows per second of one request of ``rows`` rows, best of 3."""
    best = 0.0
    with requests.Session() as session:
        for _ in range(3):
            started = time.perf_counter()
            response = session.post(url + "/api/v1.0/predictions", data=body,
                                    headers={"Content-Type": "application/json"}, timeout=120)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            data = response.json()["data"]  # a jsonData request gets a tensor back
            assert (data["tensor"]["shape"][0] if "tensor" in data else len(data["ndarray"])) == rows
            best = max(best, rows / elapsed)
    return best


CPU_SECONDS: dict[tuple[str, ...], list[float]] = {}
"""User + system CPU seconds of each timed command's process, by its argv: less noisy than wall time on a shared
machine (other work slows the wall clock, not the CPU a process spends)."""


def timed(argv: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    spent = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU_SECONDS.setdefault(tuple(argv), []).append(spent)
    return elapsed


def check_output(path: Path, rows: int) -> None:
    out = pd.read_csv(path, keep_default_na=False)
    assert len(out) == rows and (out["error"] == "").all(), "mds predict did not score every row"
    assert set(out["prediction"]) <= set(CLASSES), set(out["prediction"])


def logged_rows(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("select coalesce(sum(end_row - start_row), 0) from batch_log_chunk").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of (a) and of (b), alternated")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--start-up", action="store_true", help="also time `mds predict --help` (imports only)")
    parser.add_argument("--vs-commit", metavar="REV", help="also time (a) with the code of this git revision")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cli-predict-"))
    train(work / "model")
    url = start_seldon(work / "model", work, args.gunicorn_workers)
    (work / "catalog.yaml").write_text(f"models:\n  - name: {NAME}\n    protocol: seldon\n    url: {url}\n")
    source = work / "rows.csv"
    frame = make_rows(args.rows, seed=3)
    frame.to_csv(source, index=False)
    env = {**os.environ, "WORKBENCH_CATALOG": str(work / "catalog.yaml"), "WORKBENCH_HOME": str(work / "home"),
           "WORKBENCH_DATABASE_URL": f"sqlite:///{work / 'store.db'}", "PYTHONWARNINGS": "ignore"}
    cmd = {
        "logged": [str(MDS), "predict", NAME, "--input", str(source), "--output", str(work / "logged.csv")],
        "no-store": [str(MDS), "predict", NAME, "--input", str(source), "--output", str(work / "bare.csv"),
                     "--no-store"],
    }
    print(f"held-out model '{NAME}': 2 text categories, 2 integers, 2 floats, classes {', '.join(CLASSES)}; "
          f"seldon-core microservice, gunicorn --workers {args.gunicorn_workers}; {args.rows:,}-row CSV; "
          f"load before: {os.getloadavg()[0]:.2f}")
    times: dict[str, list[float]] = {"logged": [], "no-store": []}
    envs = dict.fromkeys(cmd, env)
    if args.vs_commit:
        old = work / "before"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.vs_commit], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        cmd["before"] = [*cmd["logged"][:-1], str(work / "before.csv")]
        envs["before"] = {**env, "PYTHONPATH": str(old)}  # its packages come before the working tree's
        times["before"] = []
    for key in times:  # warm-up: page cache, .pyc files, the store's migrations
        timed(cmd[key], envs[key])
    CPU_SECONDS.clear()
    body = server_body(frame.iloc[:10_000])
    servers: list[float] = []  # measured in every round, beside the runs: the load changes from minute to minute
    for _ in range(args.runs):
        for key in times:
            times[key].append(timed(cmd[key], envs[key]))
        servers.append(server_rate(url, body, 10_000))
    check_output(work / "logged.csv", args.rows)
    check_output(work / "bare.csv", args.rows)
    server = max(servers)
    logged_total = logged_rows(work / "store.db")
    if args.start_up:
        help_s = min(timed([str(MDS), "predict", "--help"], env) for _ in range(5))
        help_cpu = min(CPU_SECONDS[(str(MDS), "predict", "--help")])
        print(f"start-up, `mds predict --help`, best of 5: {help_s:6.2f} s, CPU {help_cpu:5.2f} s")

    def rate(key: str, pick) -> float:
        return args.rows / pick(times[key])

    def per_round(key: str) -> float:
        return statistics.median(args.rows / t / c for t, c in zip(times[key], servers, strict=True))

    titles = {"logged": "(a) mds predict, logged    ", "no-store": "(b) mds predict --no-store ",
              "before": f"(a) at {args.vs_commit or '':<20.20}"}
    for key in times:
        cpu = statistics.median(CPU_SECONDS[tuple(cmd[key])])
        print(f"{titles[key]} best {min(times[key]):6.2f} s  median {statistics.median(times[key]):6.2f} s  "
              f"-> {rate(key, min):8,.0f} rows/s best, {rate(key, statistics.median):8,.0f} median; "
              f"CPU {cpu:5.2f} s median")
    print(f"(c) server, one 10,000-row request, best of 3 in each round: best {server:8,.0f} rows/s, "
          f"median {statistics.median(servers):8,.0f}")
    logged_runs = (args.runs + 1) * (2 if args.vs_commit else 1)
    print(f"rows in the batch log after all runs: {logged_total:,} ({logged_runs * args.rows:,} expected)")
    print()
    print(f"(a)/(c) best:   {shown(rate('logged', min), server, '6.1%')}  (goal >= 25%, moonshot 50%)")
    print(f"(a)/(c) median of the rounds' ratios: {shown(per_round('logged'), 1, '6.1%')}")
    print(f"(b)/(c) best:   {shown(rate('no-store', min), server, '6.1%')}")
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"(a)/(b) time, medians: {shown(median['logged'], median['no-store'], '6.2f', 'x')}  (logging's cost)")
    if args.vs_commit:
        print(f"(a) at {args.vs_commit}/(c) best: {shown(rate('before', min), server, '6.1%')}, median of the "
              f"rounds' ratios: {shown(per_round('before'), 1, '6.1%')}")
        print(f"(a) now / at {args.vs_commit}, time, medians: {shown(median['logged'], median['before'], '6.2f', 'x')}"
              f"  best: {shown(min(times['logged']), min(times['before']), '6.2f', 'x')}"
              f"  CPU, medians: {shown(*(statistics.median(CPU_SECONDS[tuple(cmd[k])]) for k in ('logged', 'before')), '6.2f', 'x')}")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
