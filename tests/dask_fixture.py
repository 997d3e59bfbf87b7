"""A real ``distributed.LocalCluster`` for the Dask batch tests: two worker processes on loopback, started once
per pytest worker (session fixture ``dask_local``) and handed to each test as its ``Client`` (``dask_cluster``).

Tests kill a busy worker on purpose (its nanny starts a new one): ``dask_cluster`` waits until both workers are
back, so the next test starts on the same two-worker cluster whichever test ran before it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

WORKERS = 2
# A killed worker's replacement registers in about a second on 2 idle cores; a busy machine takes longer.
WORKERS_BACK_S = 60


@pytest.fixture(scope="session")
def dask_local() -> Iterator:
    from distributed import Client, LocalCluster  # about 1 s to import: only the Dask tests pay it

    local = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None)
    client = Client(local)
    yield client
    client.close()
    local.close()


@pytest.fixture
def dask_cluster(dask_local):
    """The session's Dask client, with both of its workers up."""
    dask_local.wait_for_workers(WORKERS, timeout=WORKERS_BACK_S)
    return dask_local
