"""Errors of the request-log sink, the Elasticsearch reader and the simulator.

    MDSError → WorkbenchError (workbench.errors)
    └── LogSinkError
        ├── MalformedEvent      an event the sink cannot read (HTTP 4xx); ``reason`` is its metric label
        ├── StoreUnavailable    the store did not commit the write (HTTP 503: the logger should retry)
        ├── ElasticReadError    Elasticsearch could not be read (down, refused, not Elasticsearch)
        └── SimulateError       ``mds simulate`` cannot run (model unknown, no reference data, bad --drift)
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class LogSinkError(WorkbenchError):
    """Base of every error this package raises on purpose; ``str()`` is written for people.

    Under the app's tree so that a page or the CLI needs one ``except MDSError``.
    """


class MalformedEvent(LogSinkError):
    """An event that cannot be read; ``reason`` is short and stable (a Prometheus label)."""

    status = 400

    def __init__(self, reason: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class StoreUnavailable(LogSinkError):
    pass


class ElasticReadError(LogSinkError):
    pass


class SimulateError(LogSinkError):
    pass
