"""Signal people in the database: address -> contact row -> the `users` row the services know.

A contact's `users.tg_user_id` is the negative of the contact id (bot/db/models.py says why):
tickets, preferences, /mydata, /delete and the retention purge all work on that key. The
screen (where the person is in the menus) is kept on the contact row, so a restart of the
bot continues the conversation where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import SignalContact, SignalCursor


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
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def get_or_create(self, address: str) -> Contact:
        async with self._sessions() as session:
            row = await session.scalar(select(SignalContact).where(SignalContact.address == address))
            if row is None:
                row = SignalContact(address=address, screen={}, last_timestamp=0)
                session.add(row)
                await session.commit()
            return Contact(row.id, row.address, dict(row.screen or {}), int(row.last_timestamp or 0))

    async def find(self, address: str) -> Contact | None:
        async with self._sessions() as session:
            row = await session.scalar(select(SignalContact).where(SignalContact.address == address))
            return Contact(row.id, row.address, dict(row.screen or {}),
                           int(row.last_timestamp or 0)) if row else None

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
