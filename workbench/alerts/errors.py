"""Errors of alerting; each says what failed, where, and what to try.

    MDSError > WorkbenchError > AlertsError        (drawn in workbench/errors.py)
     ├── RuleRefused              a rule setting out of range, or PromQL promtool refuses (its reason)
     ├── AlertmanagerNotConfigured  no WORKBENCH_ALERTMANAGER_URL and no embedded Alertmanager running
     └── AlertmanagerUnavailable  connection refused, timed out, 5xx, or an answer that is not Alertmanager's

Pages catch `AlertsError` (or any `MDSError`) and show its message; the rest of the page keeps working.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class AlertsError(WorkbenchError):
    """Base class of alerting's errors."""


class RuleRefused(AlertsError):
    """A rule setting that cannot be saved: the message says which value and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class AlertmanagerNotConfigured(AlertsError):
    def __init__(self) -> None:
        super().__init__(
            "No Alertmanager is configured: set WORKBENCH_ALERTMANAGER_URL to your organisation's Alertmanager "
            "(for example http://alertmanager.monitoring:9093), or start the embedded MDS (`mds local up`), "
            "which runs one when Debian's prometheus-alertmanager is installed.")


class AlertmanagerUnavailable(AlertsError):
    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"Alertmanager at {url} is not reachable ({reason}). Is it running? Alerts cannot be "
                         "read or silenced until it answers; the rest of the workbench works.")
