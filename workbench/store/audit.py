"""The audit log: each change someone made to the MDS through the workbench, written before it is made.

``record`` returns the event's id; ``events`` reads them back newest first. What an action's ``detail``
holds is the caller's (plain JSON: a version, an alias, a reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from workbench.store.engine import session_scope
from workbench.store.tables import AuditEvent


@dataclass(frozen=True)
class Audited:
    id: int
    at: datetime
    user: str
    action: str
    model: str | None
    detail: dict[str, Any]


def record(engine: Engine, *, user: str, action: str, model: str | None = None,
           detail: dict[str, Any] | None = None) -> int:
    with session_scope(engine) as session:
        row = AuditEvent(actor=user[:120], action=action[:60], model=model, detail=detail or {})
        session.add(row)
        session.flush()
        return row.id


def events(engine: Engine, *, model: str | None = None, action: str | None = None, limit: int = 200) -> list[Audited]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if model is not None:
        query = query.where(AuditEvent.model == model)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    with session_scope(engine) as session:
        return [Audited(r.id, r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), r.actor, r.action, r.model,
                        dict(r.detail or {})) for r in session.scalars(query)]
