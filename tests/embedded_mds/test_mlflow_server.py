"""MLflow beside the embedded MDS: a real tracking server + Model Registry, its spec, and life without its venv."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests
import yaml

from embedded_mds import local_mds, processes
from embedded_mds.layout import HomeLayout, write_json
from embedded_mds.mlflow_server import MLFLOW, MLFLOW_PYTHON_ENV, mlflow_spec, mlflow_specs
from embedded_mds.ports import LocalPorts
from embedded_mds.server_specs import ServerSpec, server_env
from embedded_mds.startup import startable
from mds_client.registry import MlflowRegistry
from tests.mlflow_fixture import require_mlflow

TIMEOUT = (2, 20)
JSON = {"Content-Type": "application/json"}  # MLflow's security middleware refuses POSTs without it


# -- a standalone server (the session fixture ``mlflow_registry``) -------------------------------------


def test_server_answers_health(mlflow_registry):
    response = requests.get(f"{mlflow_registry.url}/health", timeout=TIMEOUT)
    assert (response.status_code, response.text) == (200, "OK")


def test_registered_model_round_trip(mlflow_registry):
    api = f"{mlflow_registry.url}/api/2.0/mlflow"
    with requests.Session() as http:
        created = http.post(f"{api}/registered-models/create", json={"name": "t"}, headers=JSON, timeout=TIMEOUT)
        assert created.status_code == 200, created.text
        got = http.get(f"{api}/registered-models/get", params={"name": "t"}, timeout=TIMEOUT)
    assert got.status_code == 200, got.text
    assert got.json()["registered_model"]["name"] == "t"


def test_runs_store_artifacts_through_the_server(mlflow_registry):
    api = f"{mlflow_registry.url}/api/2.0/mlflow"
    with requests.Session() as http:
        experiment = http.post(f"{api}/experiments/create", json={"name": "artifacts"}, headers=JSON,
                               timeout=TIMEOUT).json()["experiment_id"]
        run = http.post(f"{api}/runs/create", json={"experiment_id": experiment}, headers=JSON,
                        timeout=TIMEOUT).json()["run"]["info"]
    assert run["artifact_uri"] == f"mlflow-artifacts:/{experiment}/{run['run_id']}/artifacts"
    assert (mlflow_registry.home / "mlflow.db").exists()


# -- the spec ----------------------------------------------------------------------------------


def test_spec_runs_mlflow_on_loopback_with_the_home_store(tmp_path):
    layout, ports = HomeLayout(tmp_path), LocalPorts.from_base(21000)
    spec = mlflow_spec(layout, ports, python=Path(sys.executable))
    home = tmp_path.resolve()
    assert spec.argv == [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{home}/mlflow/mlflow.db",
        "--artifacts-destination", f"{home}/mlflow/artifacts", "--serve-artifacts",
        "--host", "127.0.0.1", "--port", "21050", "--workers", "1",
    ]
    assert (spec.name, spec.kind, spec.core, spec.models, spec.wait) == (MLFLOW, "mlflow", False, [], False)
    assert (spec.url, spec.ready_paths) == ("http://127.0.0.1:21050", ["/health"])
    assert layout.mlflow_artifacts.is_dir()  # SQLite needs the store's folder to exist


def test_servers_run_without_mlflow_job_execution(monkeypatch):
    monkeypatch.delenv("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", raising=False)
    assert server_env()["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"
    monkeypatch.setenv("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "true")  # a developer's choice wins
    assert server_env()["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "true"


@pytest.mark.parametrize(("ports", "mlflow_http"), [
    (LocalPorts(), 9550),
    (LocalPorts.from_base(30000), 30050),
])
def test_mlflow_port_follows_the_layout(ports, mlflow_http):
    assert ports.mlflow_http == mlflow_http


def test_free_layout_covers_the_mlflow_port():
    ports = LocalPorts.free()
    assert ports.mlflow_http == ports.mlserver_http + 50
    assert processes.port_is_free(ports.host, ports.mlflow_http)


# -- without its venv ------------------------------------------------------------------------------


def test_missing_venv_leaves_mlflow_out_with_a_reason(tmp_path, monkeypatch):
    missing = tmp_path / "no-venv" / "bin" / "python"
    monkeypatch.setenv(MLFLOW_PYTHON_ENV, str(missing))
    ports = LocalPorts.free()
    core = ServerSpec(name="mlserver", kind="mlserver", argv=[sys.executable], host=ports.host,
                      ports={"http": ports.mlserver_http}, ready_paths=[], models=[])
    failures: dict[str, str] = {}
    specs = startable([core, *mlflow_specs(HomeLayout(tmp_path), ports, failures)], failures)
    assert specs == [core]
    assert list(failures) == [MLFLOW]
    assert str(missing) in failures[MLFLOW]
    assert "make .venvs/mlflow/.ok" in failures[MLFLOW] and MLFLOW_PYTHON_ENV in failures[MLFLOW]


def test_status_reads_why_an_optional_server_is_not_running(tmp_path):
    write_json(HomeLayout(tmp_path).state, {"servers": [], "failed": {MLFLOW: "mlflow: python /x not found."}})
    assert local_mds.failed(tmp_path) == {MLFLOW: "mlflow: python /x not found."}
    assert local_mds.failed(tmp_path / "never-started") == {}


# -- inside the embedded MDS -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mds(tmp_path_factory):
    require_mlflow()
    home = tmp_path_factory.mktemp("mds-mlflow")
    running = local_mds.up(home, LocalPorts.free(), alibi=False, prometheus=False, timeout=90)
    yield running
    local_mds.down(home)


def test_embedded_mds_runs_mlflow_beside_the_models(mds):
    assert mds.failures == {}
    MlflowRegistry(mds.url(MLFLOW)).wait_ready(90)  # `up` does not wait for it: its users do
    assert requests.get(f"{mds.url(MLFLOW)}/health", timeout=TIMEOUT).text == "OK"
    server = next(s for s in mds.servers if s["name"] == MLFLOW)
    assert server["core"] is False and server["url"].startswith("http://127.0.0.1:")
    assert (HomeLayout(mds.home).mlflow_db).exists()


def test_catalog_does_not_list_mlflow(mds):
    mlflow_url = mds.url(MLFLOW)
    entries = yaml.safe_load(HomeLayout(mds.home).catalog.read_text())["models"]
    assert entries and all(entry["name"] != MLFLOW and entry["url"] != mlflow_url for entry in entries)


def test_down_stops_mlflow(mds):
    pgid = next(s["pgid"] for s in mds.servers if s["name"] == MLFLOW)
    assert MLFLOW in local_mds.down(mds.home)
    assert not processes.group_alive(pgid)
    assert processes.port_is_free("127.0.0.1", int(mds.url(MLFLOW).rsplit(":", 1)[1]))
