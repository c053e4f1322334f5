"""Signal people in the database: address -> contact row -> the `users` row the services know.

A contact's `users.tg_user_id` is the negative of the contact id (bot/db/models.py says why):
tickets, preferences, /mydata, /delete and the retention purge all work on that key. The
screen (where the person is in the menus) is kept on the contact row, so a restart of the
bot continues the conversation where it was. With REDIS_URL set, the screen and the newest
message's timestamp live in Redis instead (one key per contact), as the Telegram dialogs'
state does; the address mapping stays in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import SignalContact, SignalCursor, utcnow


def user_key(contact_id: int) -> int:
    return -contact_id


@dataclass
class Contact:
    id: int
    address: str
    screen: dict = field(default_factory=dict)
    last_timestamp: int = 0

    @property
    def user_key(self) -> int:
        return user_key(self.id)


class SignalContacts:
    def __init__(self, sessions: async_sessionmaker, redis: Any = None) -> None:
        self._sessions = sessions
        self._redis = redis  # a redis.asyncio.Redis, or None: the screen stays in the database

    @staticmethod
    def _key(contact_id: int) -> str:
        return f"belong:signal:screen:{contact_id}"

    async def _contact(self, row: SignalContact) -> Contact:
        contact = Contact(row.id, row.address, dict(row.screen or {}), int(row.last_timestamp or 0))
        if self._redis is not None:
            raw = await self._redis.get(self._key(row.id))
            state = json.loads(raw) if raw else {}
            contact.screen = dict(state.get("screen") or {})
            contact.last_timestamp = int(state.get("ts") or 0)
        return contact

    async def get_or_create(self, address: str) -> Contact:
        async with self._sessions() as session:
            row = await session.scalar(select(SignalContact).where(SignalContact.address == address))
            if row is None:
                row = SignalContact(address=address, screen={}, last_timestamp=0)
                session.add(row)
                await session.commit()
            return await self._contact(row)

    async def find(self, address: str) -> Contact | None:
        async with self._sessions() as session:
            row = await session.scalar(select(SignalContact).where(SignalContact.address == address))
            return await self._contact(row) if row else None

    async def address_of(self, key: int) -> str | None:
        """The Signal address of a `users.tg_user_id` key, None when it is not a Signal one."""
        if key >= 0:
            return None
        async with self._sessions() as session:
            return await session.scalar(select(SignalContact.address).where(SignalContact.id == -key))

    async def save(self, contact: Contact) -> None:
        async with self._sessions() as session:
            row = await session.get(SignalContact, contact.id)
            if row is None:
                return  # deleted meanwhile (/delete, the retention purge)
            if self._redis is not None:
                await self._redis.set(self._key(contact.id), json.dumps(
                    {"screen": contact.screen, "ts": contact.last_timestamp}))
                row.updated_at = utcnow()  # the row still tells the prune the contact is alive
                await session.commit()
                return
            row.screen = contact.screen
            row.last_timestamp = max(int(row.last_timestamp or 0), contact.last_timestamp)
            await session.commit()

    async def forget(self, key: int) -> None:
        """Remove the contact of a `users` key (the erasure's storage hook)."""
        if key >= 0:
            return
        async with self._sessions() as session:
            await session.execute(delete(SignalContact).where(SignalContact.id == -key))
            await session.commit()
        if self._redis is not None:
            await self._redis.delete(self._key(-key))

    async def forget_ids(self, contact_ids: list[int]) -> None:
        """The Redis side of contacts deleted elsewhere (the prune)."""
        if self._redis is not None and contact_ids:
            await self._redis.delete(*(self._key(cid) for cid in contact_ids))

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
