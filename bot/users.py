"""People who talk to the bot: the least the bot must hold to answer them.

A user row holds the Telegram id (needed to reply), the chosen language, the days of first
and last contact and whether they blocked the bot. Nothing else: no name, no username.

`UserDirectory` is what the Telegram layer calls once per update. On the embedded default
(one process owns the SQLite file) it answers from memory once a user has been seen today,
since every change to a user goes through it; with PostgreSQL, where several workers may
change the same user, every call reads the database.

A new person's first two updates can reach two workers at once (each worker's per-chat
lock guards only its own updates): a user row is created with INSERT ... ON CONFLICT DO
NOTHING and then read, so the worker that loses the race uses the winner's row instead of
failing on the unique Telegram id.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES
from bot.db.models import User


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class UserInfo:
    tg_user_id: int
    user_id: int
    language: str | None  # None until chosen (or settled by a pl/uk/en client)
    first_contact: dt.date
    last_contact: dt.date
    blocked: bool
    survey_pushes: bool = False


def client_language(code: str | None) -> str | None:
    """The bot's language for a Telegram client language code, or None to ask."""
    if not code:
        return None
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else None


def _info(user: User) -> UserInfo:
    return UserInfo(user.tg_user_id, user.id, user.language, user.created_on, user.last_seen_on,
                    user.blocked, bool(user.survey_pushes))


class UserDirectory:
    def __init__(self, sessions: async_sessionmaker, cache_size: int = 0) -> None:
        self._sessions = sessions
        self._cache_size = cache_size
        self._cache: OrderedDict[int, UserInfo] = OrderedDict()

    def _remember(self, info: UserInfo) -> None:
        if not self._cache_size:
            return
        self._cache[info.tg_user_id] = info
        self._cache.move_to_end(info.tg_user_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    @staticmethod
    async def _get(session: AsyncSession, tg_user_id: int) -> User | None:
        return await session.scalar(select(User).where(User.tg_user_id == tg_user_id))

    @classmethod
    async def _get_or_create(cls, session: AsyncSession, tg_user_id: int,
                             language: str | None) -> User:
        """The user row, created if missing; safe when another worker creates it meanwhile."""
        user = await cls._get(session, tg_user_id)
        if user is not None:
            return user
        today = _today()
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await session.execute(
            insert(User)
            .values(tg_user_id=tg_user_id, language=language, blocked=False, created_on=today,
                    last_seen_on=today, survey_pushes=False, pushes_muted=False)
            .on_conflict_do_nothing(index_elements=[User.tg_user_id]))
        user = await cls._get(session, tg_user_id)
        assert user is not None  # inserted now, or by the worker that won the race
        return user

    async def seen(self, tg_user_id: int, client_language_code: str | None) -> UserInfo:
        """Note a contact: create the user on first contact, record the day, undo a block,
        and settle the language from a pl/uk/en client. Returns what the bot knows."""
        today = _today()
        cached = self._cache.get(tg_user_id)
        if cached is not None and cached.last_contact == today and not cached.blocked:
            self._cache.move_to_end(tg_user_id)
            return cached
        async with self._sessions() as session:
            user = await self._get_or_create(session, tg_user_id, None)
            user.last_seen_on = today
            user.blocked = False  # writing again undoes a block
            if user.language is None:
                user.language = client_language(client_language_code)
            await session.commit()
            info = _info(user)
        self._remember(info)
        return info

    async def set_language(self, tg_user_id: int, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        async with self._sessions() as session:
            user = await self._get_or_create(session, tg_user_id, lang)
            user.language = lang
            await session.commit()
            self._remember(_info(user))

    async def set_blocked(self, tg_user_id: int, blocked: bool) -> None:
        self._cache.pop(tg_user_id, None)
        async with self._sessions() as session:
            user = await self._get(session, tg_user_id)
            if user is not None and user.blocked != blocked:
                user.blocked = blocked
                await session.commit()

    async def mark_blocked(self, user_id: int) -> None:
        """A channel said this person (by internal id) blocked the bot."""
        for key, info in list(self._cache.items()):
            if info.user_id == user_id:
                self._cache.pop(key, None)
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            if user is not None and not user.blocked:
                user.blocked = True
                await session.commit()

    async def describe(self, tg_user_id: int) -> UserInfo | None:
        async with self._sessions() as session:
            user = await self._get(session, tg_user_id)
            return _info(user) if user else None

    async def inactive_since(self, day: dt.date) -> list[int]:
        """Telegram ids of the people whose last contact was before `day`."""
        async with self._sessions() as session:
            return list((await session.scalars(
                select(User.tg_user_id).where(User.last_seen_on < day)
                .order_by(User.id))).all())

    async def forget(self, tg_user_id: int) -> bool:
        """Delete the user row; its foreign keys take participation, subscriptions,
        deliveries and tickets with it. The whole erasure is bot/privacy/erasure.py."""
        self._cache.pop(tg_user_id, None)
        async with self._sessions() as session:
            result = await session.execute(delete(User).where(User.tg_user_id == tg_user_id))
            await session.commit()
        return (result.rowcount or 0) > 0
