"""Signal people: a Signal address is a core contact ("signal", ACI or number) of a user;
this adds where the person is in the conversation.

The screen (what each number means on the person's current screen) is kept per user in the
database, so a restart of the bot continues the conversation where it was; it goes with the
user row (/delete, the retention purge). With REDIS_URL set, the screen lives in Redis
instead (one key per address, expiring with the retention period, removed by /delete), as
the Telegram dialogs' state does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.core.transport import SIGNAL, Contact
from bot.db.models import SignalCursor, SignalScreen, User
from bot.users import UserDirectory, UserInfo


@dataclass
class Person:
    user_id: int
    address: str
    language: str | None
    screen: dict = field(default_factory=dict)
    last_timestamp: int = 0


class SignalPeople:
    def __init__(self, sessions: async_sessionmaker, users: UserDirectory, redis: Any = None,
                 redis_ttl_seconds: int | None = None) -> None:
        self._sessions = sessions
        self.users = users
        self._redis = redis  # a redis.asyncio.Redis, or None: the screen stays in the database
        self._ttl = redis_ttl_seconds

    @staticmethod
    def _key(address: str) -> str:
        return f"belong:signal:screen:{address}"

    async def _state(self, user_id: int, address: str) -> tuple[dict, int]:
        if self._redis is not None:
            raw = await self._redis.get(self._key(address))
            state = json.loads(raw) if raw else {}
            return dict(state.get("screen") or {}), int(state.get("ts") or 0)
        async with self._sessions() as session:
            row = await session.get(SignalScreen, user_id)
            return (dict(row.screen or {}), int(row.last_timestamp or 0)) if row else ({}, 0)

    async def seen(self, address: str) -> Person:
        """The person writing from `address` (created on first contact), with their screen."""
        info: UserInfo = await self.users.seen(Contact(SIGNAL, address))
        screen, ts = await self._state(info.user_id, address)
        return Person(info.user_id, address, info.language, screen, ts)

    async def find(self, address: str) -> Person | None:
        info = await self.users.lookup(Contact(SIGNAL, address))
        if info is None:
            return None
        screen, ts = await self._state(info.user_id, address)
        return Person(info.user_id, address, info.language, screen, ts)

    async def save(self, person: Person) -> None:
        if self._redis is not None:
            await self._redis.set(self._key(person.address), json.dumps(
                {"screen": person.screen, "ts": person.last_timestamp}), ex=self._ttl)
            return
        async with self._sessions() as session:
            if await session.get(User, person.user_id) is None:
                return  # erased meanwhile (/delete, the retention purge)
            row = await session.get(SignalScreen, person.user_id)
            if row is None:
                row = SignalScreen(user_id=person.user_id, screen={}, last_timestamp=0)
                session.add(row)
            row.screen = person.screen
            row.last_timestamp = max(int(row.last_timestamp or 0), person.last_timestamp)
            await session.commit()

    async def forget(self, contact: Contact) -> None:
        """The erasure's hook for a Signal contact: the database row went with the user."""
        if contact.channel == SIGNAL and self._redis is not None:
            await self._redis.delete(self._key(contact.address))

    async def cursor(self, account: str) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(SignalCursor.last_event_id).where(SignalCursor.account == account))

    async def set_cursor(self, account: str, event_id: str) -> None:
        async with self._sessions() as session:
            row = await session.get(SignalCursor, account)
            if row is None:
                session.add(SignalCursor(account=account, last_event_id=event_id))
            else:
                row.last_event_id = event_id
            await session.commit()
