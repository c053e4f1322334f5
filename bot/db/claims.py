"""Claiming rows of shared work (replies to deliver, staff-group posts, campaign deliveries)
so that with several workers each row is taken by one.

One statement: WITH picked AS MATERIALIZED (SELECT key ... FOR UPDATE SKIP LOCKED) UPDATE
... WHERE key IN picked AND <claimable> RETURNING key. On PostgreSQL two workers claiming at
once skip each other's rows instead of waiting, and the UPDATE's own condition re-checks
each row. SQLite has no row locks (SQLAlchemy leaves the clause out) and needs none: one
write statement runs at a time and re-checks its WHERE on the newest data.

MATERIALIZED makes the CTE run once. As a plain IN (subquery), PostgreSQL may rescan the
subquery per row of the UPDATE, each rescan skipping the rows the UPDATE has just changed
and locking the next `limit`: one claim took every pending reply (seen).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased


async def claim_rows(session: AsyncSession, key: InstrumentedAttribute,
                     claimable: Callable[[Any], ColumnElement[bool]],
                     values: Mapping[str, Any], limit: int,
                     narrow: Callable[[Any], ColumnElement[bool]] | None = None) -> list:
    """Set `values` on up to `limit` rows of `key`'s table that are `claimable`, lowest
    `key` first, and return their keys. Nothing is committed.

    `claimable(entity)` is the condition a row must meet, given the mapped class or an alias
    of it; it is checked when picking and again when updating. `narrow(alias)`: a further
    condition for picking only (one that joins other tables, say)."""
    model = key.class_
    inner = aliased(model)
    inner_key = getattr(inner, key.key)
    wanted = select(inner_key).where(claimable(inner))
    if narrow is not None:
        wanted = wanted.where(narrow(inner))
    picked = (wanted.order_by(inner_key).limit(limit).with_for_update(skip_locked=True)
              .cte("picked").prefix_with("MATERIALIZED"))
    return list((await session.scalars(
        update(model).where(key.in_(select(picked.c[key.key])), claimable(model))
        .values(**values).returning(key)
        .execution_options(synchronize_session=False))).all())
