"""Errors of reading metrics from Prometheus; each says which Prometheus, what failed and what to try.

    MDSError > WorkbenchError > PrometheusError   (drawn in workbench/errors.py)
     ├── PrometheusNotConfigured   no WORKBENCH_PROMETHEUS_URL and no embedded Prometheus running
     ├── PrometheusUnavailable     connection refused, timed out, or Prometheus answered 5xx
     ├── PrometheusQueryError      Prometheus rejected the query (bad PromQL, bad time range)
     └── PrometheusResponseError   the answer is not Prometheus API JSON (wrong URL?)

Pages catch `PrometheusError` (or any `MDSError`) and show its message; the rest of the page keeps working.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class PrometheusError(WorkbenchError):
    """Base class; `url` is the Prometheus asked (empty when none is configured)."""

    def __init__(self, message: str, *, url: str = "", query: str | None = None) -> None:
        self.url, self.query = url, query
        super().__init__(message)


class PrometheusNotConfigured(PrometheusError):
    def __init__(self) -> None:
        super().__init__(
            "No Prometheus is configured: set WORKBENCH_PROMETHEUS_URL to your cluster's Prometheus "
            "(for example http://prometheus.monitoring:9090), or start the embedded MDS "
            "with make run or mds local up, which runs one. Until then the charts come from the "
            "workbench's own prediction log."
        )


class PrometheusUnavailable(PrometheusError):
    def __init__(self, url: str, reason: str, *, query: str | None = None) -> None:
        self.reason = reason
        super().__init__(f"Prometheus at {url} is not reachable ({reason}). Is it running? "
                         "Metrics charts are unavailable until it answers.", url=url, query=query)


class PrometheusQueryError(PrometheusError):
    def __init__(self, url: str, query: str, error_type: str, detail: str) -> None:
        self.error_type, self.detail = error_type, detail
        super().__init__(f"Prometheus at {url} rejected the query ({error_type}: {detail}). Query: {query}",
                         url=url, query=query)


class PrometheusResponseError(PrometheusError):
    def __init__(self, url: str, detail: str, *, query: str | None = None) -> None:
        super().__init__(f"{url} did not answer like a Prometheus API ({detail}). Check "
                         "WORKBENCH_PROMETHEUS_URL: it should be the base URL, without /api/v1.", url=url, query=query)
