"""The audit log: who changed what, when, with the state before and after.

`record()` adds an entry inside the caller's session and flushes; the calling service commits
once, together with the change it describes, so a change is never saved without its entry.
Values are stored as JSON: dates become ISO strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


async def record(session: AsyncSession, *, actor: str, action: str, entity: str,
                 entity_id: str | int | None = None, before: dict | None = None,
                 after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        actor=actor, action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


async def list_entries(session: AsyncSession, filters: AuditFilter = AuditFilter(), *,
                       limit: int = 50, offset: int = 0) -> tuple[list[AuditEntry], int]:
    """Newest first; returns one page and the total count under the filters."""
    stmt = select(AuditEntry)
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor.contains(filters.actor))
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.entity:
        stmt = stmt.where(AuditEntry.entity == filters.entity)
    if filters.entity_id:
        # "work-permit" also finds its texts, "work-permit/uk" etc.
        stmt = stmt.where(or_(AuditEntry.entity_id == filters.entity_id,
                              AuditEntry.entity_id.startswith(filters.entity_id + "/")))
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(filters.since, dt.time()))
    if filters.until:
        stmt = stmt.where(AuditEntry.at < dt.datetime.combine(filters.until + dt.timedelta(days=1),
                                                              dt.time()))
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = await session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows.all()), total


async def known_actions(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(rows.all())


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def diff(before: dict | None, after: dict | None) -> list[FieldChange]:
    """The fields that differ, in a stable order (before's keys first)."""
    before, after = before or {}, after or {}
    keys = list(before) + [k for k in after if k not in before]
    return [FieldChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
