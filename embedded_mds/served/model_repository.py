"""MLServer's model repository, reading each ``model-settings.json`` once until it changes (runs in MLServer).

Every ``POST /v2/repository/models/<name>/load`` makes MLServer list the whole repository, and its own repository
parses every ``model-settings.json`` afresh (about 2 ms of pydantic-settings each, here): with the demo models
and every published version that is tens of milliseconds on the event loop that answers the other models, on
each publish. This repository keeps what it parsed, keyed by the file's path, modification time and size, and
hands out copies (MLServer sets fields on the settings it loads). bench/publish_first_answer.py measures it.
"""

from __future__ import annotations

import glob
import os

from mlserver.logging import logger
from mlserver.repository import SchemalessModelRepository
from mlserver.repository.load import load_model_settings
from mlserver.repository.repository import DEFAULT_MODEL_SETTINGS_FILENAME
from mlserver.settings import ModelSettings


class CachedModelRepository(SchemalessModelRepository):
    """``SchemalessModelRepository`` whose ``list`` parses only the settings files that are new or changed."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self._parsed: dict[str, tuple[tuple[int, int], ModelSettings]] = {}

    async def list(self) -> list[ModelSettings]:
        if not self._root:
            return await super().list()
        pattern = os.path.join(os.path.abspath(self._root), "**", DEFAULT_MODEL_SETTINGS_FILENAME)
        found: list[ModelSettings] = []
        seen: dict[str, tuple[tuple[int, int], ModelSettings]] = {}
        for path in glob.glob(pattern, recursive=True):
            try:
                stat = os.stat(path)
                stamp = (stat.st_mtime_ns, stat.st_size)
                cached = self._parsed.get(path)
                settings = cached[1] if cached and cached[0] == stamp else load_model_settings(path)
            except Exception:  # as MLServer's own repository: one broken file does not hide the others
                logger.exception(f"Failed load model settings at {path}.")
                continue
            seen[path] = (stamp, settings)
            found.append(settings.model_copy(deep=True))
        self._parsed = seen
        return found or await super().list()  # none: MLServer's default model from the environment, if any
