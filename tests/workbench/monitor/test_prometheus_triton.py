"""Monitor's Prometheus queries on a model served by NVIDIA Triton: the embedded MDS's Triton and Prometheus (scraping
Triton's metrics port), the model found by its server, never by its name. Triton publishes its own metric names
(``nv_inference_request_success``...): the same queries that read MLServer's count a Triton model's calls, its
failures and its mean latency, as Triton counts them."""

from __future__ import annotations

import time
from datetime import timedelta

import pandas as pd
import pytest
import requests

from embedded_mds import local_mds
from embedded_mds.ports import LocalPorts
from mds_client import MDSClient, load_catalog
from workbench.monitor.prometheus_api import PrometheusAPI
from workbench.monitor.promql import (
    ERROR_RATE,
    LATENCY_MEAN,
    REQUEST_RATE,
    REQUESTS_TOTAL,
    metrics_name,
    triton_metrics,
)

pytestmark = pytest.mark.server
CALLS = 5


@pytest.fixture(scope="module")
def triton_mds(tmp_path_factory):
    from tests.triton_fixture import require_triton

    require_triton()
    home = tmp_path_factory.mktemp("triton-prometheus")
    mds = local_mds.up(home, LocalPorts.free(), alibi=False, mlflow=False, alertmanager=False, timeout=120)
    try:
        assert "triton" not in mds.failures and "prometheus" not in mds.failures, mds.failures
        yield mds
    finally:
        local_mds.down(home)


def _wait(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return value


def test_a_triton_models_calls_errors_and_latency_are_read_from_its_own_metrics(triton_mds):
    triton = next(s for s in triton_mds.servers if s["name"] == "triton")
    ref = next(r for r in load_catalog(triton_mds.catalog_path) if r.endpoint == triton["url"])
    published = requests.get(f"http://127.0.0.1:{triton['ports']['metrics']}/metrics", timeout=(2, 10)).text
    names = {line.split("{")[0].split(" ")[0] for line in published.splitlines() if line and not line.startswith("#")}
    assert triton_metrics() and not triton_metrics() - names, f"Triton does not publish {triton_metrics() - names}"

    assert ref.reference_data, "the Triton model has no reference data"
    rows = pd.read_csv(ref.reference_data).head(1)
    name = metrics_name(ref)
    with PrometheusAPI(triton_mds.url("prometheus")) as api:
        # Prometheus must have seen the counters before the calls (Triton publishes them at 0 once the model is
        # loaded): a counter first scraped after every call has no increase to make a rate of
        _wait(lambda: not api.total(REQUESTS_TOTAL, model=name).empty, "Prometheus to scrape Triton's counters")
        client = MDSClient()
        try:
            schema = client.schema(ref)
            for _ in range(CALLS):
                client.predict(ref, rows[schema.names], schema)
        finally:
            client.close()
        _wait(lambda: float(api.total(REQUESTS_TOTAL, model=name)["value"].sum()) >= CALLS,
              "Prometheus to scrape Triton's calls")
        assert set(api.total(REQUESTS_TOTAL, model=name)["model"]) == {name}
        window = timedelta(minutes=2)
        # a rate needs two scrapes of the calls' counters: the total above may rest on the first one
        _wait(lambda: float(api.total(REQUEST_RATE, model=name, window=window)["value"].sum()) > 0,
              "Prometheus to have a rate of Triton's calls")
        assert float(api.total(ERROR_RATE, model=name, window=window)["value"].sum()) == 0  # none failed
        latency = _wait(lambda: float(api.total(LATENCY_MEAN, model=name, window=window)["value"].sum()),
                        "Prometheus to have Triton's mean latency")
        assert 0 < latency < 5_000, f"mean latency {latency} ms: not in milliseconds"
