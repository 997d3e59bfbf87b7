"""The embedded MDS fails early and by name: bad model folders, taken ports, broken servers."""

from __future__ import annotations

import shutil
import socket

import pytest

from embedded_mds import demo_models, local_mds, processes
from embedded_mds.errors import (
    EmbeddedMDSError,
    ModelFolderError,
    PortInUseError,
    ServerEnvironmentError,
    ServerStartError,
)
from embedded_mds.layout import HomeLayout
from embedded_mds.ports import LocalPorts


@pytest.fixture(scope="module")
def trained_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("trained")
    demo_models.train_all(home)
    return home


@pytest.fixture
def home(trained_home, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(trained_home, copy)
    yield copy
    local_mds.down(copy)  # in case a test failed after servers started


def assert_nothing_started(home):
    assert not HomeLayout(home).state.exists()
    assert local_mds.status(home) == []


@pytest.mark.parametrize(
    ("model", "damage", "reason"),
    [
        ("tips", lambda folder: (folder / "model-settings.json").write_text("{not json"), "does not parse"),
        ("wine", lambda folder: (folder / "model.joblib").write_bytes(b"garbage"), "not a joblib"),
        ("digits", lambda folder: (folder / "model-settings.json").write_text('{"name": "digits"}'),
         "no 'implementation'"),
    ],
    ids=["settings-json", "joblib-garbage", "no-implementation"],
)
def test_a_corrupted_model_folder_is_named_before_anything_starts(home, model, damage, reason):
    damage(HomeLayout(home).model_dir(model))
    with pytest.raises(ModelFolderError, match=reason) as caught:
        local_mds.up(home, LocalPorts.free(), alibi=False, mlflow=False)
    assert caught.value.model == model and repr(model) in str(caught.value)
    assert isinstance(caught.value, EmbeddedMDSError)
    assert_nothing_started(home)


@pytest.mark.parametrize(("server", "field"), [("mlserver", "mlserver_http"), ("wine-v1", "seldon_metrics")])
def test_a_taken_port_is_named_with_its_server(home, server, field):
    ports = LocalPorts.free()
    port = getattr(ports, field)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        with pytest.raises(PortInUseError) as caught:
            local_mds.up(home, ports, alibi=False, mlflow=False)
    assert (caught.value.server, caught.value.port) == (server, port)
    assert f"port {port}" in str(caught.value) and server in str(caught.value)
    assert_nothing_started(home)


def test_a_server_that_dies_is_reported_with_its_log_and_the_rest_is_stopped(home, monkeypatch):
    # The app's python has no mlserver: the process exits at import.
    import sys

    monkeypatch.setenv("WORKBENCH_MLSERVER_PYTHON", sys.executable)
    ports = LocalPorts.free()
    with pytest.raises(ServerStartError) as caught:
        local_mds.up(home, ports, alibi=False, mlflow=False, timeout=30)
    error = caught.value
    assert error.server == "mlserver" and error.port == ports.mlserver_http
    assert "mlserver" in error.log_tail and "No module named" in error.log_tail
    assert_nothing_started(home)
    assert processes.port_is_free("127.0.0.1", ports.seldon_http)


def test_a_missing_server_environment_says_how_to_fix_it(home, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_SELDON_PYTHON", str(tmp_path / "nowhere/bin/python"))
    with pytest.raises(ServerEnvironmentError, match="WORKBENCH_SELDON_PYTHON"):
        local_mds.up(home, LocalPorts.free(), alibi=False, mlflow=False)
    assert_nothing_started(home)


def test_a_missing_joblib_is_retrained_not_fatal(home):
    (HomeLayout(home).model_dir("digits") / "model.joblib").unlink()
    prepared = local_mds.prepare(home, alibi=False)
    assert prepared.trained and "digits" in prepared.core_models


def test_down_without_state_is_a_no_op(tmp_path):
    assert local_mds.down(tmp_path) == []
    assert local_mds.status(tmp_path) == []


def test_test_models_appear_only_when_asked_for(home):
    layout = HomeLayout(home)
    assert "echo" in local_mds.prepare(home, include_test_models=True, alibi=False).core_models
    prepared = local_mds.prepare(home, alibi=False)
    assert "echo" not in prepared.core_models and "wine-bare" not in prepared.core_models and "echo-v1" not in prepared.seldon_services
    assert not layout.model_dir("echo").exists() and not layout.model_dir("wine-bare").exists()
