"""The ports of the embedded servers: the default layout, a shifted one, or a free one for tests."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

from embedded_mds import processes
from embedded_mds.errors import EmbeddedMDSError


@dataclass(frozen=True)
class LocalPorts:
    """Ports of the embedded servers, all on `host`."""

    host: str = "127.0.0.1"
    mlserver_http: int = 9500
    mlserver_grpc: int = 9501
    mlserver_metrics: int = 9502
    seldon_http: int = 9510
    seldon_metrics: int = 9511
    alibi_http: int = 9520
    alibi_grpc: int = 9521
    alibi_metrics: int = 9522
    v1_explainer_http: int = 9523
    sink_http: int = 9530
    prometheus_http: int = 9540
    mlflow_http: int = 9550
    health_http: int = 9531
    alertmanager_http: int = 9541
    triton_http: int = 9560
    triton_grpc: int = 9561
    triton_metrics: int = 9562

    def seldon(self, index: int) -> tuple[int, int]:
        """(http, metrics) of the index-th seldon service."""
        return self.seldon_http + 2 * index, self.seldon_metrics + 2 * index

    @classmethod
    def from_base(cls, base: int, host: str = "127.0.0.1") -> LocalPorts:
        """The default layout shifted to start at `base` (base..base+62)."""
        return cls(host, base, base + 1, base + 2, base + 10, base + 11, base + 20, base + 21, base + 22,
                   v1_explainer_http=base + 23, sink_http=base + 30, prometheus_http=base + 40,
                   mlflow_http=base + 50, health_http=base + 31, alertmanager_http=base + 41,
                   triton_http=base + 60, triton_grpc=base + 61, triton_metrics=base + 62)

    @classmethod
    def free(cls, host: str = "127.0.0.1", span: int = 63, start: int = 20000, stop: int = 32000) -> LocalPorts:
        """A layout whose whole span of ports is free now (for tests and parallel homes).

        Searched below 32768 so that Linux never hands the same ports out as ephemeral ones.
        """
        rng = random.Random(os.getpid() ^ time.time_ns())
        for _ in range(200):
            base = rng.randrange(start, stop - span)
            if all(processes.port_is_free(host, port) for port in range(base, base + span)):
                return cls.from_base(base, host)
        raise EmbeddedMDSError(f"no {span} consecutive free ports found on {host}")
