"""Replay: a model's logged traffic sent to another version, and what would change ("What would change?").

``service.replay`` reads the calls, scores them on the target and builds a ``ReplayResult``;
``logged_rows`` turns logged calls into rows to send (and says why others are skipped); ``comparison``
compares the answers (changed rows, confusion table, how far values move, where changes concentrate).
"""

from typing import Any

from workbench.replay.errors import NothingToReplay, ReplayError, TargetUnavailable

__all__ = ["DEFAULT_TOLERANCE", "NothingToReplay", "ReplayError", "ReplayResult", "TargetUnavailable", "ValueMoves",
           "replay", "target_name"]
_LAZY = {"DEFAULT_TOLERANCE": "service", "ReplayResult": "service", "replay": "service", "target_name": "service",
         "ValueMoves": "comparison"}


def __getattr__(name: str) -> Any:
    # The service reads the store (SQLAlchemy, ~0.25 s of imports): `mds --help` and a page that only catches
    # ReplayError do not pay for it.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"workbench.replay.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
