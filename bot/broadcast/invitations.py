"""One invitation per survey wave, however many launches race for it.

A second invitation would ask everyone twice. Launches come from the CLI, the staff panel
and every bot process's schedules, on SQLite or PostgreSQL, so a check in Python followed by
an insert is not enough: the database decides, in one statement under a lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Campaign, SurveyWave


def live_invitation(wave_id: int):
    """WHERE clause: the wave's invitation that counts (any but a cancelled one)."""
    return ((Campaign.wave_id == wave_id) & (Campaign.kind == "survey_invite")
            & (Campaign.status != "cancelled"))


async def insert_invitation_once(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """INSERT the invitation unless its wave has one: the new id, or None. Not committed.

    Race-free on both databases, whichever process launches. PostgreSQL: the wave row is
    locked first, so a second launch of the wave waits here until the first commits, and
    its NOT EXISTS (a new snapshot per statement under READ COMMITTED) then sees the first
    invitation. SQLite ignores FOR UPDATE and needs none: INSERT ... SELECT ... WHERE NOT
    EXISTS is one write statement, and SQLite runs one writer at a time on the newest data,
    so the check and the insert cannot be split by another writer."""
    await session.execute(select(SurveyWave.id).where(SurveyWave.id == values["wave_id"])
                          .with_for_update(key_share=True))
    columns = Campaign.__table__.c
    row = (select(*(literal(value, columns[name].type) for name, value in values.items()))
           .where(~select(Campaign.id).where(live_invitation(values["wave_id"])).exists()))
    return await session.scalar(
        insert(Campaign).from_select(list(values), row).returning(Campaign.id))

