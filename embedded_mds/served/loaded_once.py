"""Each published version's model read once per MLServer process, however often MLServer reloads that version.

MLServer's repository API loads by name: ``POST /v2/repository/models/<name>/load`` loads every version of
``<name>`` found in the repository, and a version already loaded is loaded again and swapped in. Publishing
version 10 of a model so read versions 1 to 9 again, each on the event loop that answers every other model.
Versions never change once published, so the runtimes of published versions (sklearn_runtime.py,
mlflow_runtime.py) take their model from here: one loaded object per artefact (its path, modification time and
size) while any loaded version holds it. A reload of an unchanged version costs nothing, and a first read runs
in a thread, so the other models keep answering meanwhile. An artefact rewritten in place is read afresh.
bench/publish_first_answer.py measures the other models' latency while versions are published.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STAMP_FILES = ("MLmodel",)
"""In a model folder, the file whose stamp stands for the folder's (an MLflow model is rewritten with it)."""


@dataclass
class _Held:
    stamp: tuple[int, int]
    model: Any
    holders: int = 0


_held: dict[str, _Held] = {}
_locks: dict[str, asyncio.Lock] = {}


def stamp(path: str) -> tuple[int, int]:
    """The modification time and size of ``path``'s artefact (a folder's ``MLmodel`` file, when it has one)."""
    for name in STAMP_FILES:
        inside = os.path.join(path, name)
        if os.path.isdir(path) and os.path.exists(inside):
            path = inside
            break
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size


async def acquire(path: str, read: Callable[[], Any]) -> Any:
    """The model at ``path``: the one already read when its artefact is unchanged, else ``read()`` in a thread.

    Each ``acquire`` is matched by one ``release`` (the runtime's ``unload``)."""
    key = os.path.abspath(path)
    lock = _locks.setdefault(key, asyncio.Lock())
    async with lock:
        current = stamp(key)
        held = _held.get(key)
        if held is None or held.stamp != current:
            model = await asyncio.to_thread(read)
            held = _Held(current, model, holders=held.holders if held else 0)
            _held[key] = held
        held.holders += 1
        return held.model


def release(path: str) -> None:
    """One holder of ``path``'s model fewer; the model is dropped when none is left."""
    key = os.path.abspath(path)
    held = _held.get(key)
    if held is None:
        return
    held.holders -= 1
    if held.holders <= 0:
        del _held[key]
        _locks.pop(key, None)


class HoldsLoadedOnce:
    """A runtime's side of the bargain (put it before the MLServer runtime it extends): ``hold`` the model at
    ``path`` on load, and let go of it on unload."""

    _held_path: str | None = None

    async def hold(self, path: str, read: Callable[[], Any]) -> Any:
        model = await acquire(path, read)
        self._held_path = path
        return model

    async def unload(self) -> bool:
        if self._held_path is not None:
            release(self._held_path)
            self._held_path = None
        return await super().unload()  # type: ignore[misc]  # the MLServer runtime's own


def holders(path: str) -> int:
    """How many loaded versions hold ``path``'s model (0 when it is not held)."""
    held = _held.get(os.path.abspath(path))
    return held.holders if held else 0
