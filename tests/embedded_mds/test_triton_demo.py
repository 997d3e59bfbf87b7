"""The embedded MDS's Triton: its command line and environment, its demo model's folder, and life without its venv.

The demo model answering through MDSClient over REST and gRPC is in test_local_mds.py (its MDS runs Triton).
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from embedded_mds import demo_models, local_mds
from embedded_mds.layout import HomeLayout
from embedded_mds.ports import LocalPorts
from embedded_mds.triton import TRITON, TRITON_PYTHON_ENV, repository_models, triton_argv, triton_specs
from tests.triton_fixture import require_triton


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> HomeLayout:
    home = tmp_path_factory.mktemp("trained")
    demo_models.train_all(home)
    return HomeLayout(home)


def test_the_demo_model_is_a_triton_folder_of_the_usual_layout(trained):
    names = repository_models(trained.triton_models)
    assert len(names) == 1 and not trained.model_dir(names[0]).exists()  # Triton's, not MLServer's
    folder = trained.triton_models / names[0]
    config = (folder / "config.pbtxt").read_text()
    assert 'backend: "python"' in config and "max_batch_size: 1024" in config
    assert config.count("TYPE_FP32 dims: [ 1 ]") == 4 and 'name: "label" data_type: TYPE_STRING' in config
    assert (folder / "1" / "model.py").read_text().startswith('"""A linear classifier as a Triton Python-backend')
    for path in (trained.reference_csv(names[0]), trained.sample_csv(names[0]), trained.schema_json(names[0]),
                 trained.card_json(names[0])):
        assert path.exists(), path


def test_a_missing_venv_is_a_failure_that_says_how_to_make_it(trained, tmp_path):
    failures: dict[str, str] = {}
    assert triton_specs(trained, LocalPorts(), failures, python=tmp_path / "nowhere/bin/python") == []
    assert "make .venvs/triton/.ok" in failures[TRITON] and TRITON_PYTHON_ENV in failures[TRITON]


def test_an_empty_repository_is_a_failure_too(tmp_path):
    require_triton()
    failures: dict[str, str] = {}
    assert triton_specs(HomeLayout(tmp_path), LocalPorts(), failures) == []
    assert "no model in" in failures[TRITON]


def test_the_spec_binds_loopback_and_runs_with_the_venvs_libpython(trained):
    install = require_triton()
    spec = triton_specs(trained, LocalPorts.from_base(20000), {})[0]
    assert (spec.kind, spec.core, spec.models) == ("triton", False, repository_models(trained.triton_models))
    assert spec.ports == {"http": 20060, "grpc": 20061, "metrics": 20062}
    assert "--http-address=127.0.0.1" in spec.argv and "--grpc-address=127.0.0.1" in spec.argv
    assert spec.env is not None and spec.env["LD_LIBRARY_PATH"].split(":")[0] == str(install.libdir)
    assert spec.env["PATH"].split(":")[0] == str(install.python.parent) and "PYTHONPATH" not in spec.env
    backends = trained.triton_dir / "backends" / "python"
    assert {p.name for p in backends.iterdir()} >= {"libtriton_python.so", "triton_python_backend_stub"}


def test_explicit_model_control_and_a_token_guard_the_repository_api(tmp_path):
    argv = triton_argv(tmp_path / "tritonserver", tmp_path, tmp_path, "127.0.0.1", 1, 2, load=["a", "b"], token="t")
    assert "--model-control-mode=explicit" in argv and "--load-model=a" in argv and "--allow-metrics=false" in argv
    assert "--http-restricted-api=model-repository:triton-access-token=t" in argv


def test_up_without_the_triton_venv_runs_the_other_models_and_says_why(trained, tmp_path, monkeypatch):
    monkeypatch.setenv(TRITON_PYTHON_ENV, str(tmp_path / "nowhere/bin/python"))
    home = tmp_path / "home"
    shutil.copytree(trained.home, home)
    mds = local_mds.up(home, LocalPorts.free(), alibi=False, mlflow=False, prometheus=False, timeout=90)
    try:
        assert [s["name"] for s in mds.servers] == ["mlserver", "wine-v1"]
        assert "make .venvs/triton/.ok" in mds.failures[TRITON] and local_mds.failed(home) == mds.failures
        entries = yaml.safe_load(mds.catalog_path.read_text())["models"]
        assert [e["name"] for e in entries] == ["wine", "tips", "tip-amount", "digits", "wine-v1"]
    finally:
        local_mds.down(home)


def test_the_install_is_found_from_the_venvs_python():
    install = require_triton()
    assert install.binary.exists() and install.binary.parent.name == "bin"
    assert (install.libdir / f"libpython{install.python_version}.so.1.0").exists()


def test_a_triton_model_that_fails_to_load_is_named_and_the_other_models_run(trained, tmp_path):
    require_triton()
    home = tmp_path / "home"
    shutil.copytree(trained.home, home)
    name = repository_models(HomeLayout(home).triton_models)[0]
    (HomeLayout(home).triton_models / name / "1" / "model.py").write_text("raise RuntimeError('the weights are gone')\n")
    mds = local_mds.up(home, LocalPorts.free(), alibi=False, mlflow=False, prometheus=False, timeout=90)
    try:
        assert [s["name"] for s in mds.servers] == ["mlserver", "wine-v1"]
        said = mds.failures[TRITON]
        assert "triton" in said and "the weights are gone" in said and "logs/triton.log" in said, said
        entries = yaml.safe_load(mds.catalog_path.read_text())["models"]
        assert name not in [e["name"] for e in entries] and "wine" in [e["name"] for e in entries]
    finally:
        local_mds.down(home)
