"""Session fixtures: real model servers on free loopback ports, started once, stopped by PID.

``engine`` is a fresh migrated SQLite store per test; ``postgres_url`` / ``postgres_db`` a throwaway
Postgres server (tests/postgres_fixture.py), started only by the tests that ask for it.

``local_mds`` is the embedded MDS with the test-only echo models: MLServer (V2)
and seldon-core v1 microservices, exactly what ``mds local up`` starts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from embedded_mds.ports import LocalPorts
from mds_client import MDSClient, ModelRef, load_catalog
from tests.alerting_fixture import alerting
from tests.dask_fixture import dask_cluster, dask_local
from tests.grpc_fixture import grpc_mlserver
from tests.kserve_fixture import start_kserve
from tests.mlflow_fixture import mlflow_cases, require_mlflow, start_mlflow, stop_mlflow
from tests.postgres_fixture import postgres_db, postgres_url
from tests.publish_fixture import publish_server
from tests.registry_fixture import registered, served
from tests.replay_fixture import orchard_versions
from tests.triton_fixture import triton_server
from workbench.store import open_store

# Property tests draw the same examples on every run (CI's included): a red run is reproducible, never luck.
# `make fuzz` sets MDS_FUZZ_RANDOM=1 to draw new ones.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.load_profile("default" if os.environ.get("MDS_FUZZ_RANDOM") == "1" else "repeatable")


@pytest.fixture(scope="session", autouse=True)
def private_store(tmp_path_factory):
    """Tests never write to a developer's store: the CLI and services log to a throwaway SQLite file."""
    import os

    path = tmp_path_factory.mktemp("store") / "workbench.db"
    old = os.environ.get("WORKBENCH_DATABASE_URL")
    os.environ["WORKBENCH_DATABASE_URL"] = f"sqlite:///{path}"
    yield path
    if old is None:
        os.environ.pop("WORKBENCH_DATABASE_URL", None)
    else:
        os.environ["WORKBENCH_DATABASE_URL"] = old


@pytest.fixture(scope="session")
def local_mds(tmp_path_factory):
    from embedded_mds import local_mds as embedded

    home = tmp_path_factory.mktemp("mds-home")
    running = embedded.up(home, LocalPorts.free(), include_test_models=True, alibi=True, timeout=120,
                       prometheus=False,  # tests start their own (tests/workbench/monitor/conftest.py)
                       mlflow=False,  # and their own registry (mlflow_registry below)
                       triton=False)  # its demo model: tests/embedded_mds/test_local_mds.py and test_triton_demo.py
    yield running
    embedded.down(home)


@pytest.fixture(scope="session")
def catalog_path(local_mds) -> Path:
    return Path(local_mds.catalog_path)


@pytest.fixture(scope="session")
def refs(catalog_path) -> dict[str, ModelRef]:
    return {ref.name: ref for ref in load_catalog(catalog_path)}


@pytest.fixture(scope="session")
def client():
    client = MDSClient()
    yield client
    client.close()


@pytest.fixture
def listener():
    """A loopback listener that must stay untouched (``tests/listener.py``)."""
    from tests.listener import listening

    with listening() as found:
        yield found


__all__ = ["alerting", "dask_cluster", "dask_local", "engine", "grpc_mlserver", "mlflow_cases", "orchard_versions", "postgres_db", "postgres_url", "publish_server", "registered", "served", "triton_server"]

# Fixtures that start a real server (model servers, Prometheus, Postgres, the sink, Dask, Streamlit,
# Chromium). A test that uses one, directly or through another fixture, is marked ``server``;
# ``make check`` runs the others (``-m "not server and not e2e and not slow"``).
SERVER_FIXTURES = frozenset({
    "local_mds", "catalog_path", "refs", "prometheus", "postgres_url", "postgres_db", "sink", "sink_catalog",
    "slow_sink", "demo_sink", "mds_sink", "mds", "trained_home", "cluster", "app_url", "browser", "fresh_app",
    "hostile_setup", "mlflow_registry", "publish_server", "alerting", "orchard_versions", "triton_server",
    "kserve", "grpc_mlserver", "dask_cluster", "mlflow_cases", "served",
})
# Parameters that name a server a test asks for with ``request.getfixturevalue``: the store's "postgres"
# and the models of tests/workbench/picked_models.py.
SERVER_PARAMS = frozenset({"postgres", "numeric_classifier", "mixed_classifier", "regressor", "image_classifier"})


# Files that run for minutes go first, so that pytest-xdist's workers do not end with one worker alone on a
# long test while the other is idle: the page walk took 4 minutes alone at the end. Next the files whose module
# fixture costs most (publishing MLflow models, a registry app): worksteal takes tests from the end of a queue,
# so these stay whole on one worker instead of building their fixture on both.
LONG_FIRST = ("tests/e2e/test_every_page_looks_right.py", "tests/e2e/test_mlflow_params_screens.py",
              "tests/e2e/test_params_batch_compare_screens.py",  # the same app (mlflow_params_app): one worker
              "tests/e2e/test_registry_card_screens.py", "tests/e2e/", "tests/logsink/test_workers.py")


def _rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return next((rank for rank, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)), len(LONG_FIRST))


def pytest_collection_modifyitems(config, items) -> None:
    items.sort(key=_rank)  # stable: the order within each rank stays the collection order
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {}).values()
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())) or any(
                isinstance(value, str) and value in SERVER_PARAMS for value in params):
            item.add_marker(pytest.mark.server)


@pytest.fixture
def engine(tmp_path):
    """A migrated SQLite store of this test alone."""
    engine = open_store(f"sqlite:///{tmp_path / 'store' / 'wb.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mlflow_registry(tmp_path_factory):
    """A real MLflow tracking server and Model Registry (SQLite, served artifacts) on a free port."""
    require_mlflow()
    server = start_mlflow(tmp_path_factory.mktemp("mlflow"))
    yield server
    stop_mlflow(server)


@pytest.fixture(scope="session")
def kserve(tmp_path_factory):
    """A real KServe 0.21 ModelServer serving the tests' own models on V1 and V2 (tests/kserve_fixture.py)."""
    server = start_kserve(tmp_path_factory.mktemp("kserve"))
    yield server
    server.stop()
