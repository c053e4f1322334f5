"""People who talk to the bot: the least the bot must hold to answer them.

A user row holds the chosen language, the days of first and last contact and whether they
blocked the bot; how to reach them is a contact (channel and address: a Telegram id, a
Signal number), one row per channel in `contacts`. Nothing else: no name, no username. Every
service keys people by the internal user id; only a channel adapter turns its own identity
of a person into a contact and asks `seen` for the user.

`UserDirectory` is what a channel calls once per incoming event. On the embedded default
(one process owns the SQLite file) it answers from memory once a user has been seen today,
since every change to a user goes through it; with PostgreSQL, where several workers may
change the same user, every call reads the database.

A new person's first two updates can reach two workers at once (each worker's per-chat
lock guards only its own updates): the contact row is inserted with INSERT ... ON CONFLICT
DO NOTHING, and the worker that loses the race drops its new user and uses the winner's.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES
from bot.core.transport import Contact
from bot.db.models import User, UserContact


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class UserInfo:
    user_id: int
    language: str | None  # None until chosen (or settled by a pl/uk/en client)
    first_contact: dt.date
    last_contact: dt.date
    blocked: bool
    survey_pushes: bool = False


def client_language(code: str | None) -> str | None:
    """The bot's language for a client language code (Telegram's), or None to ask."""
    if not code:
        return None
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else None


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.language, user.created_on, user.last_seen_on,
                    user.blocked, bool(user.survey_pushes))


async def contacts_of(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Contact]:
    """How to reach each of these people: their first contact (the channel they came from)."""
    ids = list(user_ids)
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), 500):
        rows = (await session.execute(
            select(UserContact.user_id, UserContact.channel, UserContact.address)
            .where(UserContact.user_id.in_(ids[start:start + 500]))
            .order_by(UserContact.id))).all()
        for user_id, channel, address in rows:
            found.setdefault(user_id, Contact(channel, address))
    return found


class UserDirectory:
    def __init__(self, sessions: async_sessionmaker, cache_size: int = 0) -> None:
        self._sessions = sessions
        self._cache_size = cache_size
        self._cache: OrderedDict[Contact, UserInfo] = OrderedDict()
        self._cached_as: dict[int, Contact] = {}  # user id -> its key in the cache

    def _remember(self, contact: Contact, info: UserInfo) -> None:
        if not self._cache_size:
            return
        self._cache[contact] = info
        self._cached_as[info.user_id] = contact
        self._cache.move_to_end(contact)
        while len(self._cache) > self._cache_size:
            _, old = self._cache.popitem(last=False)
            self._cached_as.pop(old.user_id, None)

    def _drop(self, user_id: int) -> None:
        contact = self._cached_as.pop(user_id, None)
        if contact is not None:
            self._cache.pop(contact, None)

    @staticmethod
    async def _get(session: AsyncSession, contact: Contact) -> User | None:
        return await session.scalar(
            select(User).join(UserContact, UserContact.user_id == User.id)
            .where(UserContact.channel == contact.channel,
                   UserContact.address == contact.address))

    @classmethod
    async def _get_or_create(cls, session: AsyncSession, contact: Contact) -> User:
        """The contact's user, created if missing; safe when another worker creates it
        meanwhile."""
        user = await cls._get(session, contact)
        if user is not None:
            return user
        today = _today()
        user = User(language=None, blocked=False, created_on=today, last_seen_on=today,
                    survey_pushes=False, pushes_muted=False)
        session.add(user)
        await session.flush()
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        result = await session.execute(
            insert(UserContact)
            .values(channel=contact.channel, address=contact.address, user_id=user.id)
            .on_conflict_do_nothing(index_elements=[UserContact.channel, UserContact.address]))
        if not result.rowcount:  # another worker created this person first: use theirs
            await session.rollback()
            user = await cls._get(session, contact)
            assert user is not None
        return user

    async def seen(self, contact: Contact, client_language_code: str | None = None) -> UserInfo:
        """Note an incoming event from `contact`: create the user on first contact, record
        the day, undo a block, and settle the language from a pl/uk/en client. Returns what
        the bot knows."""
        today = _today()
        cached = self._cache.get(contact)
        if cached is not None and cached.last_contact == today and not cached.blocked:
            self._cache.move_to_end(contact)
            return cached
        async with self._sessions() as session:
            user = await self._get_or_create(session, contact)
            user.last_seen_on = today
            user.blocked = False  # writing again undoes a block
            if user.language is None:
                user.language = client_language(client_language_code)
            await session.commit()
            info = _info(user)
        self._remember(contact, info)
        return info

    async def lookup(self, contact: Contact) -> UserInfo | None:
        """The contact's user, if the bot knows them (nothing is created or changed)."""
        cached = self._cache.get(contact)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            user = await self._get(session, contact)
            return _info(user) if user else None

    async def contact_of(self, user_id: int) -> Contact | None:
        async with self._sessions() as session:
            return (await contacts_of(session, [user_id])).get(user_id)

    async def contacts(self, user_id: int) -> list[Contact]:
        """Every contact of the person, oldest first."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(UserContact.channel, UserContact.address)
                .where(UserContact.user_id == user_id).order_by(UserContact.id))).all()
        return [Contact(channel, address) for channel, address in rows]

    async def set_language(self, user_id: int, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            if user is None:
                return
            user.language = lang
            await session.commit()
            info = _info(user)
        contact = self._cached_as.get(user_id)
        if contact is not None:
            self._remember(contact, info)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        self._drop(user_id)
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            if user is not None and user.blocked != blocked:
                user.blocked = blocked
                await session.commit()

    async def mark_blocked(self, user_id: int) -> None:
        """A channel said this person blocked the bot (or is gone)."""
        await self.set_blocked(user_id, True)

    async def describe(self, user_id: int) -> UserInfo | None:
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            return _info(user) if user else None

    async def inactive_since(self, day: dt.date) -> list[int]:
        """User ids of the people whose last contact was before `day`."""
        async with self._sessions() as session:
            return list((await session.scalars(
                select(User.id).where(User.last_seen_on < day).order_by(User.id))).all())

    async def forget(self, user_id: int) -> bool:
        """Delete the user row; its foreign keys take contacts, participation,
        subscriptions, deliveries and tickets with it. The whole erasure is
        bot/privacy/erasure.py."""
        self._drop(user_id)
        async with self._sessions() as session:
            result = await session.execute(delete(User).where(User.id == user_id))
            await session.commit()
        return (result.rowcount or 0) > 0
