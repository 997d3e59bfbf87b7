"""The optional alibi MLServer: AnchorTabular explanations and TabularDrift, and its failures
never taking the core models down."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import requests
import yaml

from embedded_mds import local_mds
from embedded_mds.layout import HomeLayout
from embedded_mds.ports import LocalPorts

TIMEOUT = (2, 60)


@pytest.fixture(scope="module")
def mds(tmp_path_factory):
    home = tmp_path_factory.mktemp("mds-alibi")
    running = local_mds.up(home, LocalPorts.free(), timeout=90, prometheus=False, mlflow=False, triton=False)
    yield running
    local_mds.down(home)


@pytest.fixture(scope="module")
def wine(mds) -> pd.DataFrame:
    return pd.read_csv(HomeLayout(mds.home).reference_csv("wine"))


def infer(url: str, model: str, rows: np.ndarray, **parameters) -> dict:
    body = {"inputs": [{"name": "x", "datatype": "FP64", "shape": list(rows.shape), "data": rows.ravel().tolist()}]}
    if parameters:
        body["parameters"] = parameters
    response = requests.post(f"{url}/v2/models/{model}/infer", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def test_alibi_server_runs_beside_the_core(mds):
    assert mds.failures == {}
    assert {row.server: row.ready for row in local_mds.status(mds.home)} == {
        "mlserver": True, "wine-v1": True, "alibi": True, "wine-v1-explainer": True}


def test_catalog_links_explainer_and_drift_to_wine(mds):
    entries = {e["name"]: e for e in yaml.safe_load(HomeLayout(mds.home).catalog.read_text())["models"]}
    alibi_url = mds.url("alibi")
    assert entries["wine"]["explainer"] == {"protocol": "v2", "url": alibi_url, "model": "wine-explainer"}
    assert entries["wine"]["drift"] == {"protocol": "v2", "url": alibi_url, "model": "wine-drift"}
    assert "explainer" not in entries["tips"]


def test_anchor_explanation_comes_back_as_one_json_string(mds, wine):
    body = infer(mds.url("alibi"), "wine-explainer", wine.head(1).to_numpy(), explain_parameters={"threshold": 0.9})
    (output,) = body["outputs"]
    assert (output["name"], output["datatype"]) == ("explanation", "BYTES")
    explanation = json.loads(output["data"][0])
    assert explanation["meta"]["name"] == "AnchorTabular"
    assert explanation["data"]["anchor"], explanation["data"]
    assert explanation["data"]["precision"] >= 0.9
    assert all(any(name in clause for name in wine.columns) for clause in explanation["data"]["anchor"])


def test_drift_detector_tells_reference_from_shifted_data(mds, wine):
    same = infer(mds.url("alibi"), "wine-drift", wine.sample(60, random_state=1).to_numpy())
    outputs = {output["name"]: output for output in same["outputs"]}
    assert set(outputs) == {"is_drift", "distance", "p_val", "threshold"}
    assert outputs["is_drift"]["data"] == [0]
    assert len(outputs["p_val"]["data"]) == wine.shape[1]
    shifted = wine.sample(60, random_state=2).to_numpy() * 1.5
    drifted = {o["name"]: o for o in infer(mds.url("alibi"), "wine-drift", shifted)["outputs"]}
    assert drifted["is_drift"]["data"] == [1]


def copy_home(mds, tmp_path):
    home = tmp_path / "copy"
    shutil.copytree(mds.home, home, ignore=shutil.ignore_patterns("state.json", "logs"))
    return home


def test_a_broken_explainer_leaves_the_core_running(mds, tmp_path):
    home = copy_home(mds, tmp_path)
    (HomeLayout(home).alibi_model_dir("wine-explainer") / "explainer" / "explainer.dill").write_bytes(b"broken")
    running = local_mds.up(home, LocalPorts.free(), timeout=60, prometheus=False, mlflow=False, triton=False)
    try:
        assert "wine-explainer" in running.failures["alibi"]
        # the Seldon v1 explainer is its own server, calling wine-v1: a broken V2 explainer leaves it up
        assert [row.server for row in local_mds.status(home)] == ["mlserver", "wine-v1", "wine-v1-explainer"]
        assert all(row.ready for row in local_mds.status(home))
        entries = yaml.safe_load(HomeLayout(home).catalog.read_text())["models"]
        assert "explainer" not in entries[0] and "drift" not in entries[0]
        assert json.loads(HomeLayout(home).state.read_text())["failed"].keys() == {"alibi"}
    finally:
        local_mds.down(home)


def test_a_taken_alibi_port_is_reported_not_fatal(mds, tmp_path):
    home = copy_home(mds, tmp_path)
    ports = LocalPorts.free()
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports.alibi_metrics))
        holder.listen()
        running = local_mds.up(home, ports, timeout=60, prometheus=False, mlflow=False, triton=False)
    try:
        assert f"port {ports.alibi_metrics}" in running.failures["alibi"]
        assert [s["name"] for s in running.servers] == ["mlserver", "wine-v1", "wine-v1-explainer"]
    finally:
        local_mds.down(home)
