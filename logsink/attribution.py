"""Which catalog model an event belongs to, and the schema its payloads are read with.

An event names its model in ``Ce-Inferenceservicename`` (the SeldonDeployment / InferenceService)
and ``Ce-Modelid`` (Seldon's graph node). Either is matched against each catalog entry's
``name``, its V2 ``model`` name and its ``log_name`` (the name its logger uses, when it differs).
An event no entry claims is stored under its own name, flagged unknown, so nothing is dropped.
The catalog file is re-read when it changes; schemas are cached per model.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from mds_client import MDSClient, MDSError, ModelRef, ModelSchema, load_catalog
from mds_client.transport.sessions import NO_RETRY, Timeout, Transport

_RECHECK_SECONDS = 2.0
_SCHEMA_RETRY_SECONDS = 60.0


@dataclass(frozen=True)
class Attributed:
    model: str
    known: bool
    ref: ModelRef | None = None


class Attribution:
    def __init__(self, catalog: Path | str | None, refs: list[ModelRef] | None = None) -> None:
        self.catalog = Path(catalog) if catalog else None
        self._lock = threading.Lock()
        self._names: dict[str, ModelRef] = {}
        self._mtime: float | None = None
        self._checked = 0.0
        self._schemas: dict[str, tuple[ModelSchema, float]] = {}
        self._client = None
        if refs is not None:
            self._index(refs)

    def _index(self, refs: list[ModelRef]) -> None:
        names: dict[str, ModelRef] = {}
        # Own names first, so a V2 model name shared by two entries never hides an entry's own name.
        for ref in refs:
            for name in (ref.log_name, ref.v2_name):
                if name:
                    names.setdefault(name, ref)
        for ref in refs:
            names[ref.name] = ref
        self._names = names

    def _reload(self) -> None:
        if self.catalog is None:
            return
        now = time.monotonic()
        if now - self._checked < _RECHECK_SECONDS:
            return
        self._checked = now
        try:
            mtime = self.catalog.stat().st_mtime
        except OSError:
            return
        if mtime == self._mtime:
            return

        try:
            refs = load_catalog(self.catalog)
        except MDSError:
            return  # a half-written catalog: keep the last good one
        with self._lock:
            self._index(refs)
            self._mtime = mtime
            self._schemas.clear()

    def attribute(self, service: str, model_id: str) -> Attributed:
        self._reload()
        for name in (service, model_id):
            ref = self._names.get(name) if name else None
            if ref is not None:
                return Attributed(ref.name, True, ref)
        return Attributed(service or model_id, False)

    def cached_schema(self, model: str) -> ModelSchema | None:
        """The schema if known (None: call ``load_schema`` off the event loop first)."""
        entry = self._schemas.get(model)
        if entry is None or (entry[0].is_empty and time.monotonic() > entry[1]):
            return None
        return entry[0]

    def load_schema(self, attributed: Attributed) -> ModelSchema:
        """Catalog schema file, server metadata (2 s at most) and reference data; empty if none answers."""
        schema = ModelSchema()
        if attributed.ref is not None:
            if self._client is None:
                self._client = MDSClient(Transport(timeout=Timeout(1.0, 2.0), retry=NO_RETRY))
            try:
                schema = self._client.schema(attributed.ref)
            except (MDSError, OSError, ValueError):
                schema = ModelSchema()
        self._schemas[attributed.model] = (schema, time.monotonic() + _SCHEMA_RETRY_SECONDS)
        return schema
