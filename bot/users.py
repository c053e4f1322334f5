"""People who talk to the bot: the least the bot must hold to answer them.

A user row holds the Telegram id (needed to reply), the chosen language, the days of first
and last contact and whether they blocked the bot. Nothing else: no name, no username.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import LANGUAGES
from bot.db.models import User


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class UserData:
    """What the bot holds about one person, as shown by /mydata."""

    language: str | None
    first_contact: dt.date
    last_contact: dt.date
    blocked: bool


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tg_user_id: int) -> User | None:
        return await self.session.scalar(select(User).where(User.tg_user_id == tg_user_id))

    async def get_or_create(self, tg_user_id: int) -> tuple[User, bool]:
        user = await self.get(tg_user_id)
        if user is not None:
            return user, False
        user = User(tg_user_id=tg_user_id, language=None, blocked=False)
        self.session.add(user)
        await self.session.flush()
        return user, True

    async def delete(self, tg_user_id: int) -> int:
        result = await self.session.execute(delete(User).where(User.tg_user_id == tg_user_id))
        return result.rowcount or 0


def client_language(code: str | None) -> str | None:
    """The bot's language for a Telegram client language code, or None to ask."""
    if not code:
        return None
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else None


async def touch(session: AsyncSession, tg_user_id: int) -> tuple[User, bool]:
    """Load (or create) the user for this update and note today's contact."""
    user, created = await UserRepository(session).get_or_create(tg_user_id)
    today = _today()
    dirty = created
    if user.last_seen_on != today:
        user.last_seen_on = today
        dirty = True
    if user.blocked:
        user.blocked = False  # writing again undoes a block
        dirty = True
    if dirty:
        await session.commit()
    return user, created


async def set_language(session: AsyncSession, tg_user_id: int, lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    user, _ = await UserRepository(session).get_or_create(tg_user_id)
    user.language = lang
    await session.commit()


async def set_blocked(session: AsyncSession, tg_user_id: int, blocked: bool) -> None:
    user = await UserRepository(session).get(tg_user_id)
    if user is not None and user.blocked != blocked:
        user.blocked = blocked
        await session.commit()


async def describe(session: AsyncSession, tg_user_id: int) -> UserData | None:
    user = await UserRepository(session).get(tg_user_id)
    if user is None:
        return None
    return UserData(user.language, user.created_on, user.last_seen_on, user.blocked)


async def forget(session: AsyncSession, tg_user_id: int) -> bool:
    removed = await UserRepository(session).delete(tg_user_id)
    await session.commit()
    return removed > 0
