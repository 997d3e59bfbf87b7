"""A real KServe 0.21 ModelServer for the tests: ``.venvs/kserve``, the tests' own model, a free loopback port.

`start_kserve` trains a small classifier over mixed columns (a number, a whole number, a text category,
a boolean) with text class names (``bronze``, ``silver``, ``gold``) here, in the app's environment, saves it
with joblib (the same scikit-learn 1.9.1 as ``.venvs/kserve``), and runs ``tests/kserve_server.py`` with
KServe's python: two ``kserve.Model`` classes on V1 and V2, bound to 127.0.0.1, no gRPC. It writes a
catalog beside them that names the models as a user would:

- ``orchard``: ``kserve-v1``, the form from the reference rows (V1 has no metadata), an explainer at ``:explain``;
- ``orchard-proba``: ``kserve-v1``, a catalog schema that names the features and the classes of its
  probability lists;
- ``orchard-v2``: the same ``orchard`` model on ``v2`` (KServe's V2 metadata lists no inputs: the form
  comes from the reference rows there too).

`require_kserve` skips the tests locally when the environment is missing (``make .venvs/kserve/.ok``)
and fails them in CI (``CI=true``). Ready in about 10 s on 2 cores (KServe's imports).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml

from embedded_mds import processes

REPO = Path(__file__).resolve().parents[1]
KSERVE_PYTHON = REPO / ".venvs" / "kserve" / "bin" / "python"
SERVER_SCRIPT = Path(__file__).resolve().parent / "kserve_server.py"
START_TIMEOUT_S = 90.0
ROWS = 400
CLASSES = ("bronze", "gold", "silver")  # the pipeline's own order (sorted)
CITIES = ("lyon", "nantes", "paris")


@dataclass
class KServeServer:
    url: str
    process: subprocess.Popen
    home: Path
    log: Path
    catalog: Path
    rows: pd.DataFrame
    """The training rows (also the catalog's reference data)."""
    pipeline: object
    """The fitted pipeline the server serves, loaded here: the model's own answers."""
    ready_seconds: float

    def stop(self) -> None:
        processes.stop_group(self.process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)


def require_kserve() -> Path:
    if not KSERVE_PYTHON.exists():
        reason = f"no KServe environment at {KSERVE_PYTHON} (make .venvs/kserve/.ok)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the KServe tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"KServe tests skipped: {reason}")
    return KSERVE_PYTHON


def orchard_rows(n: int = ROWS, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"size": rng.normal(10, 3, n).round(2), "rooms": rng.integers(1, 6, n),
                          "city": rng.choice(CITIES, n), "organic": rng.random(n) < 0.4})
    score = frame["size"] / 3 + frame["rooms"] * 0.5 + (frame["city"] == "paris") * 2 + frame["organic"] * 1.5
    labels = np.where(score > 6.5, "gold", np.where(score > 4.5, "silver", "bronze"))
    return frame, labels


def train(frame: pd.DataFrame, labels: np.ndarray) -> object:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer([("numbers", StandardScaler(), ["size", "rooms"]),
                                 ("city", OneHotEncoder(), ["city"]), ("organic", "passthrough", ["organic"])])
    return make_pipeline(columns, LogisticRegression(max_iter=500)).fit(frame, labels)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_catalog(home: Path, url: str, reference: Path) -> Path:
    schema = {"requests": [
        {"name": "size", "type": "REAL", "description": "Orchard size (ha)"},
        {"name": "rooms", "type": "REAL", "data_type": "INT", "range": [1, 5]},
        {"name": "city", "type": "CATEGORICAL", "category_map": {c: c for c in CITIES}},
        {"name": "organic", "type": "REAL", "data_type": "INT", "range": [0, 1]},
    ], "responses": [{"name": "quality", "type": "PROBA", "schema": [{"name": c} for c in CLASSES]}]}
    (home / "orchard-proba.json").write_text(json.dumps(schema, indent=1))
    doc = {"models": [
        {"name": "orchard", "protocol": "kserve-v1", "url": url, "reference_data": reference.name,
         "description": "Orchard quality, KServe V1 (a test model)",
         "explainer": {"name": "orchard-explainer", "protocol": "kserve-v1", "url": url, "model": "orchard"}},
        {"name": "orchard-proba", "protocol": "kserve-v1", "url": url, "schema": "orchard-proba.json",
         "reference_data": reference.name},
        {"name": "orchard-v2", "protocol": "v2", "url": url, "model": "orchard", "reference_data": reference.name},
    ]}
    path = home / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def start_kserve(home: Path, *, timeout: float = START_TIMEOUT_S) -> KServeServer:
    python = require_kserve()
    frame, labels = orchard_rows()
    pipeline = train(frame, labels)
    joblib.dump(pipeline, home / "orchard.joblib")
    reference = home / "orchard.csv"
    frame.to_csv(reference, index=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    catalog = write_catalog(home, url, reference)
    log = home / "kserve.log"
    argv = [str(python), str(SERVER_SCRIPT), "--pipeline", str(home / "orchard.joblib"), "--rows", str(reference),
            "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   cwd=home, start_new_session=True)
    server = KServeServer(url, process, home, log, catalog, frame, pipeline, 0.0)
    while not processes.http_ok(f"{url}/v1/models/orchard"):
        if process.poll() is not None:
            time.sleep(0.2)
            raise RuntimeError(f"KServe exited with code {process.returncode} before it was ready; last lines of "
                               f"{log}:\n{processes.log_tail(log, 40)}")
        if time.monotonic() - started > timeout:
            server.stop()
            raise RuntimeError(f"KServe was not ready in {timeout:.0f} s; last lines of {log}:\n"
                               f"{processes.log_tail(log, 40)}")
        time.sleep(processes.POLL_SECONDS)
    server.ready_seconds = round(time.monotonic() - started, 2)
    return server


if __name__ == "__main__":  # a server to try by hand: python -m tests.kserve_fixture DIR
    running = start_kserve(Path(sys.argv[1]))
    print(f"KServe at {running.url} (catalog {running.catalog}); Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt):
        running.process.wait()
    running.stop()
