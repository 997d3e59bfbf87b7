"""The publish step's error: what was wrong with the model, its data or the registry, and what to do."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class PublishError(WorkbenchError):
    hint = "Nothing was published; fix the model or its data and publish again."
