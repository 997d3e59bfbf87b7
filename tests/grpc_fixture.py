"""A real MLServer serving the tests' own model over REST and gRPC (the session fixture ``grpc_mlserver``).

The model is trained here (tests/kserve_fixture.py's orchard rows: numbers, an integer, a city, a flag; classes
'bronze', 'silver', 'gold'), saved for MLServer's scikit-learn runtime with its features and classes declared in
model-settings.json, and served on free loopback ports with MLServer's ``grpc_port`` on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from embedded_mds import processes
from embedded_mds.layout import write_json
from embedded_mds.model_schema import classifier_outputs, feature
from tests.kserve_fixture import orchard_rows, train
from tests.mlserver_fixture import start_mlserver

MODEL = "orchard-grpc"


@dataclass
class GrpcMLServer:
    home: Path
    url: str
    grpc_url: str
    pid: int
    model: str = MODEL


def start_grpc_mlserver(home: Path) -> GrpcMLServer:
    """MLServer with the orchard model on free ports, REST and gRPC; RuntimeError with its log tail if not ready."""
    import joblib

    frame, labels = orchard_rows(400, seed=11)
    model = train(frame, labels)
    folder = home / "models" / MODEL
    folder.mkdir(parents=True)
    joblib.dump(model, folder / "model.joblib")
    classes = [str(c) for c in model.classes_]
    inputs = [feature("size", "FP64", "number", "orchard size"), feature("rooms", "INT64", "integer", "rooms"),
              feature("city", "BYTES", "category", "city", categories=sorted(set(frame["city"]))),
              feature("organic", "BOOL", "boolean", "organic")]
    write_json(folder / "model-settings.json", {
        "name": MODEL, "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "1"},
        "inputs": inputs, "outputs": classifier_outputs(list(model.classes_), classes)})
    process, ports, url = start_mlserver(home / "models", home, ready=f"/v2/models/{MODEL}/ready")
    return GrpcMLServer(home, url, f"grpc://{ports.host}:{ports.mlserver_grpc}", process.pid)


@pytest.fixture(scope="session")
def grpc_mlserver(tmp_path_factory) -> GrpcMLServer:
    server = start_grpc_mlserver(tmp_path_factory.mktemp("grpc-mlserver"))
    yield server
    processes.stop_group(server.pid)
