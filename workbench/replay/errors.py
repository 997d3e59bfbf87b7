"""What a replay cannot do, in words for people: nothing logged to replay, or a target that does not answer.

    WorkbenchError            (workbench.errors)
    └── ReplayError           base of every replay error; pages and the CLI catch it
        ├── NothingToReplay   no logged call in the window that could be sent again
        └── TargetUnavailable the version to compare with does not answer
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class ReplayError(WorkbenchError):
    hint = "Nothing was compared; fix the cause and replay again."


class NothingToReplay(ReplayError):
    hint = "Send the model traffic, or widen the window."


class TargetUnavailable(ReplayError):
    hint = "Check that this version is served ('mds models'), or replay to another one."
