"""A real Prometheus (Debian's /usr/bin/prometheus) scraping the servers of the ``local_mds`` fixture.

Its prometheus.yml is written by `embedded_mds.prometheus` from the fixture's server records,
with a 1 s scrape interval so that tests wait little; it runs on a free port and is stopped by its
process group.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from embedded_mds import processes
from embedded_mds.prometheus import (
    READY_PATH,
    ScrapeTarget,
    prometheus_argv,
    prometheus_binary,
    targets_from_servers,
    write_config,
)

SCRAPE_SECONDS = 1.0


@dataclass
class RunningPrometheus:
    url: str
    targets: list[ScrapeTarget]
    pid: int


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _up(url: str) -> list[str]:
    import requests

    body = requests.get(f"{url}/api/v1/query", params={"query": "up"}, timeout=(2, 5)).json()
    return [r["metric"].get("server", "") for r in body["data"]["result"] if r["value"][1] == "1"]


@pytest.fixture(scope="session")
def prometheus(local_mds, tmp_path_factory):
    if not prometheus_binary().exists():
        pytest.fail(f"{prometheus_binary()} is missing: install Debian's prometheus (apt-get install prometheus)")
    folder = tmp_path_factory.mktemp("prometheus")
    targets = targets_from_servers(local_mds.servers)
    config = write_config(folder / "prometheus.yml", targets, interval=f"{SCRAPE_SECONDS:g}s")
    port = free_port()
    argv = prometheus_argv(config, folder / "data", "127.0.0.1", port)
    process = processes.start_process(argv, log_path=folder / "prometheus.log", env={}, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not processes.http_ok(url + READY_PATH):
        if process.poll() is not None or time.monotonic() > deadline:
            processes.stop_group(process.pid)
            pytest.fail(f"prometheus did not start: {processes.log_tail(folder / 'prometheus.log')}")
        time.sleep(0.1)
    # Prometheus applies its targets seconds after start, and MLServer opens its metrics port after
    # it is ready: wait until every target has answered a scrape.
    while len(_up(url)) < len(targets):
        if time.monotonic() > deadline:
            processes.stop_group(process.pid)
            pytest.fail(f"prometheus scraped only {_up(url)} of {[t.server for t in targets]}")
        time.sleep(0.2)
    yield RunningPrometheus(url, targets, process.pid)
    processes.stop_group(process.pid)
    process.wait(timeout=5)
