"""Publish to first answer, side by side with MLflow's own server, and another model's latency meanwhile.

(a) ours: ``workbench.publish.publish`` of a scikit-learn pipeline (a string category, integers, floats;
    three string classes) into a real MLflow registry and a running MLServer, until the first answer
    through ``MDSClient``: the model is checked, registered and loaded while the server keeps running.
(b) ``mlflow models serve --env-manager local`` of the same model (as the MLflow model folder we
    register): from the command to its first answer, as a researcher would stand up a server by hand.
(c) the p50 latency of one-row calls to another published model, from a process of their own, idle and
    while versions of a third model are published back to back (goal: <= 1.2x idle): ten as joblib files
    (checked in the publisher's process), then as MLflow model folders (checked by a process of MLflow's
    environment, loaded by MLServer's MLflow runtime): the heavier case for the other model. The MLflow window
    runs twice, side by side: the check at the model server's CPU priority with every BLAS thread (as before),
    then as published now (``mlflow_check.CHECK_NICENESS``, one BLAS/OpenMP thread). The joblib window runs
    twice too, on two model servers side by side: "before" with MLServer's own model repository (it parses every
    model-settings.json on each load) and its own scikit-learn runtime (it reads every version's file again on
    each load of the name, on the event loop), "now" with ``server_specs.MODEL_REPOSITORY`` and the published
    runtime (``serving.RUNTIME``: each file read once, in a thread: embedded_mds/served/loaded_once.py); with the
    serving process's CPU seconds per publish (no calls meanwhile), which the machine's other load changes little.
Goals (issue 23): (a)/(b) <= 1.0x and (a) under 15 s on this machine.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/publish_first_answer.py [ROUNDS] [--joblib]

``--joblib``: only the joblib windows (before, now, before, now), a minute instead of several.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing import Event, Process, Queue
from pathlib import Path

import joblib
import requests

from bench._figures import shown
from embedded_mds import processes, server_specs
from embedded_mds.mlflow_server import mlflow_python
from mds_client import MDSClient, load_catalog
from mds_client.registry import MlflowRegistry
from mds_client.schema import from_reference
from tests.mlflow_fixture import start_mlflow, stop_mlflow
from tests.publish_fixture import start_publish_server
from tests.workbench.publish.test_publish import classifier, orchard
from workbench.publish import PublishRequest, mlflow_check, publish, serving
from workbench.publish.mlflow_folder import mlflow_upload
from workbench.publish.mlflow_model import mlflow_files
from workbench.publish.model_file import check_model

MLSERVER_SKLEARN = "mlserver_sklearn.SKLearnModel"
"""MLServer's own scikit-learn runtime: what published joblib files were served by before loaded_once.py."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ours(registry: MlflowRegistry, server, client: MDSClient, name: str, data: bytes, frame,
         file_name: str = "m.joblib", runtime: str = serving.RUNTIME) -> float:
    """Publish to first answer (s); a joblib file is served by ``runtime``."""
    started = time.perf_counter()
    saved, serving.RUNTIME = serving.RUNTIME, runtime
    try:
        publish(PublishRequest(name, data, file_name, frame), registry=registry, target=server.target, user="bench",
                transport=client.transport)
    finally:
        serving.RUNTIME = saved
    ref = next(r for r in load_catalog(server.home / "catalog.yaml") if r.name == name)
    client.predict(ref, frame.head(1), client.schema(ref))
    return time.perf_counter() - started


def mlflow_serve(folder: Path, frame) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([str(mlflow_python()), "-m", "mlflow", "models", "serve", "-m", str(folder),
                                "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               # it runs `uvicorn` from PATH: the MLflow venv's, as an activated venv would
                               env={**os.environ, "PATH": f"{mlflow_python().parent}{os.pathsep}{os.environ['PATH']}"})
    try:
        body = {"dataframe_split": frame.head(1).to_dict(orient="split", index=False)}
        while True:
            try:
                answer = requests.post(f"http://127.0.0.1:{port}/invocations", json=body, timeout=5)
                if answer.status_code == 200:
                    return time.perf_counter() - started
            except requests.RequestException:
                pass
            if process.poll() is not None:
                raise RuntimeError("mlflow models serve exited")
            time.sleep(0.1)
    finally:
        processes.stop_group(process.pid)


def probe(catalog: str, name: str, stop: Event, out: Queue) -> None:
    """In its own process (no GIL shared with the publisher): (start time, ms) of one-row calls until ``stop``."""
    frame, _ = orchard(n=50, seed=7)
    client = MDSClient()
    ref = next(r for r in load_catalog(catalog) if r.name == name)
    schema = client.schema(ref)
    samples, i = [], 0
    while not stop.is_set():
        started = time.time()
        client.predict(ref, frame.iloc[[i % len(frame)]], schema)
        samples.append((started, (time.time() - started) * 1000))
        i += 1
    out.put(samples)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    only_joblib = "--joblib" in sys.argv[1:]
    rounds = int(args[0]) if args else 3
    frame, grade = orchard(n=400)
    model = classifier(frame, grade)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    data = buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "mlflow-model"
        folder.mkdir()
        for name, content in mlflow_files(from_reference(frame), check_model(data, "m", frame), frame.head(3)).items():
            (folder / name).write_bytes(content)
        upload, upload_name = mlflow_upload(folder)
        mlflow = start_mlflow(work / "mlflow")
        server = start_publish_server(work / "home")
        with repository(None):
            plain = start_publish_server(work / "home-plain")
        client = MDSClient()
        registry = MlflowRegistry(mlflow.url)
        windows: dict[str, tuple[list[float], list[float], list[float]]] = {}
        cpu: dict[str, list[float]] = {"before": [], "now": []}
        try:
            for target in (server, plain):
                ours(registry, target, client, "steady", data, frame)
                ours(registry, target, client, "warm", upload, frame, upload_name)  # MLServer's MLflow runtime
            if not only_joblib:
                ours_s = [ours(registry, server, client, f"bench-{i}", data, frame) for i in range(rounds)]
                theirs_s = [mlflow_serve(folder, frame) for _ in range(rounds)]
            # ten joblib files: three take under a second, too few calls for a steady p50
            sides = (("before", plain, MLSERVER_SKLEARN), ("now", server, serving.RUNTIME))
            for turn in range(2):
                for kind, target, runtime in sides:
                    windows[f"joblib files, repository as {kind} ({turn + 1})"] = while_publishing(
                        target, lambda t=target, n=f"churn-{turn}", r=runtime: ours(registry, t, client, n, data, frame,
                                                                                     runtime=r), times=10)
            for kind, target, runtime in sides:  # no calls meanwhile: the publishes' own CPU
                for _ in range(10):
                    spent = cpu_seconds(target.pid)
                    ours(registry, target, client, "quiet", data, frame, runtime=runtime)
                    cpu[kind].append(cpu_seconds(target.pid) - spent)
            for turn in range(0 if only_joblib else 2):  # before, now, before, now: the machine's load drifts
                for kind, niceness, threads in (("before", 0, {}),
                                                ("now", mlflow_check.CHECK_NICENESS, mlflow_check.ONE_THREAD)):
                    with check_priority(niceness, threads):
                        windows[f"MLflow folders, check as {kind} ({turn + 1})"] = while_publishing(
                            server, lambda: ours(registry, server, client, "churn-mlflow", upload, frame, upload_name))
        finally:
            client.close()
            processes.stop_group(server.pid)
            processes.stop_group(plain.pid)
            stop_mlflow(mlflow)
    if not only_joblib:
        report_first_answer(ours_s, theirs_s, windows)
    for kind in ("before", "now"):
        ratios = [statistics.median(w[1]) / statistics.median(w[0]) for name, w in windows.items()
                  if f"repository as {kind}" in name]
        took = [s for name, w in windows.items() if f"repository as {kind}" in name for s in w[2]]
        print(f"(c) joblib files, MLServer's repository and runtime as {kind}: ratios {', '.join(f'{r:.2f}x' for r in ratios)}; "
              f"the serving process's CPU per publish (no calls meanwhile, versions 1 to 10) "
              f"{', '.join(f'{c * 1000:.0f}' for c in cpu[kind])} ms; "
              f"publish to first answer median {statistics.median(took):.2f} s")
    for kind, (idle, busy, _) in windows.items():
        p50_idle, p50_busy = statistics.median(idle), statistics.median(busy)
        print(f"(c) another model's one-row p50: idle {p50_idle:.1f} ms ({len(idle)} calls), while versions are "
              f"published as {kind} {p50_busy:.1f} ms ({len(busy)} calls), p95 "
              f"{sorted(busy)[int(len(busy) * .95)]:.1f} ms; ratio {shown(p50_busy, p50_idle, '.2f', 'x')} "
              "(goal <= 1.2x)")


def report_first_answer(ours_s: list[float], theirs_s: list[float], windows: dict) -> None:
    a, b = statistics.median(ours_s), statistics.median(theirs_s)
    print(f"(a) ours, publish to first answer: median {a:5.2f} s   runs {', '.join(f'{x:.2f}' for x in ours_s)}")
    print(f"(b) mlflow models serve, command to first answer: median {b:5.2f} s   runs "
          f"{', '.join(f'{x:.2f}' for x in theirs_s)}")
    print(f"ratio (a)/(b): {shown(a, b, '.2f', 'x')} (goal <= 1.0x; (a) goal under 15 s: "
          f"{'met' if a < 15 else 'missed'})")
    for kind in ("before", "now"):
        folder_s = [s for name, w in windows.items() if f"check as {kind}" in name for s in w[2]]
        print(f"(a') ours, an MLflow folder of the same model (check as {kind}), publish to first answer: median "
              f"{statistics.median(folder_s):5.2f} s   runs {', '.join(f'{x:.2f}' for x in folder_s)}; ratio to "
              f"(b) {shown(statistics.median(folder_s), b, '.2f', 'x')}")
    for kind in ("before", "now"):
        ratios = [statistics.median(w[1]) / statistics.median(w[0]) for name, w in windows.items()
                  if f"check as {kind}" in name]
        print(f"(c) MLflow folders, check as {kind}: ratios {', '.join(f'{r:.2f}x' for r in ratios)} "
              "(each window against its own idle samples)")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def repository(implementation: str | None) -> Iterator[None]:
    """MLServer's model repository for the servers started inside (None: MLServer's own)."""
    saved = server_specs.MODEL_REPOSITORY
    server_specs.MODEL_REPOSITORY = implementation
    try:
        yield
    finally:
        server_specs.MODEL_REPOSITORY = saved


@contextlib.contextmanager
def check_priority(niceness: int, threads: dict[str, str]) -> Iterator[None]:
    """The MLflow check's CPU priority and thread caps for the publishes inside."""
    saved = mlflow_check.CHECK_NICENESS, mlflow_check.ONE_THREAD
    mlflow_check.CHECK_NICENESS, mlflow_check.ONE_THREAD = niceness, threads
    try:
        yield
    finally:
        mlflow_check.CHECK_NICENESS, mlflow_check.ONE_THREAD = saved


def while_publishing(server, publish_one, times: int = 3) -> tuple[list[float], list[float], list[float]]:
    """The other model's latencies (ms) idle (6 s before, 4 s after) and while ``publish_one`` runs ``times`` times,
    and what each publish took to its first answer (s)."""
    out: Queue = Queue()
    stop = Event()
    prober = Process(target=probe, args=(str(server.home / "catalog.yaml"), "steady", stop, out))
    prober.start()
    time.sleep(6.0)  # idle samples first
    window_start = time.time()
    took = [publish_one() for _ in range(times)]
    window_end = time.time()
    time.sleep(4.0)
    stop.set()
    samples = out.get(timeout=60)
    prober.join()
    idle = [ms for t, ms in samples if t < window_start - 0.5 or t > window_end + 0.5]
    busy = [ms for t, ms in samples if window_start <= t <= window_end]
    return idle, busy, took


if __name__ == "__main__":
    main()
