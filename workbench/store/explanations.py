"""The explanation cache: one payload per (model, version, method, input hash)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from workbench.store.engine import session_scope
from workbench.store.tables import Explanation as ExplanationRow


def cached_payload(engine: Engine, model: str, kind: str, key: str) -> dict[str, Any] | None:
    with session_scope(engine) as session:
        found = session.scalars(select(ExplanationRow).where(
            ExplanationRow.model == model, ExplanationRow.input_hash == key, ExplanationRow.kind == kind)).first()
        return found.payload if found is not None else None


def save(engine: Engine, model: str, version: str, kind: str, key: str, payload: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        session.add(ExplanationRow(model=model, version=version, input_hash=key, kind=kind, payload=payload))
