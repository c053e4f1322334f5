"""Test helpers: people by their Telegram id, now that users are reached through contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.transport import TELEGRAM
from bot.db.models import User, UserContact

TG_ID = UserContact.address  # as text: compare with str(tg_id)


def by_telegram(tg_id: int, *columns: Any) -> Select:
    """SELECT the user (or `columns`) of a Telegram id."""
    stmt = select(*columns).select_from(User) if columns else select(User)
    return (stmt.join(UserContact, UserContact.user_id == User.id)
            .where(UserContact.channel == TELEGRAM, UserContact.address == str(tg_id)))


def telegram_ids() -> Select:
    """SELECT the Telegram id (as int) of every user, with the user id."""
    return (select(UserContact.address, User.id)
            .join(User, User.id == UserContact.user_id)
            .where(UserContact.channel == TELEGRAM))


async def user_id(session: AsyncSession, tg_id: int) -> int | None:
    return await session.scalar(by_telegram(tg_id, User.id))


async def add_telegram_user(session: AsyncSession, tg_id: int, **fields: Any) -> User:
    """A user row with its Telegram contact, flushed (so it has its id)."""
    user = User(**fields)
    session.add(user)
    await session.flush()
    session.add(UserContact(channel=TELEGRAM, address=str(tg_id), user_id=user.id))
    return user


async def telegram_user(sessions: Any, tg_id: int) -> User | None:
    """The user row of a Telegram id, read in a session of its own."""
    async with sessions() as session:
        return await session.scalar(by_telegram(tg_id))
