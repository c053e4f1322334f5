"""How many parts of a long Signal message went before Signal refused the rest.

A message longer than Signal shows whole goes as several; when Signal refuses one (rate
limit), the caller (the reply courier, a campaign) retries the whole message later, and
the transport sends only the parts that did not go. `SentParts` keeps that count in the
database, so a restart between the refusal and the retry does not send the first part
again; `PartsInMemory` keeps it in the process (a transport with no database: tests, the
CLI). Keys are a hash of the address and the message: neither is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import SignalPartsSent, utcnow

# A message refused half-way is remembered this long for its retry.
KEPT_FOR = dt.timedelta(days=7)
KEPT_MAX = 50_000  # in memory: far more than any real backlog


def parts_key(address: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{address}\0{fingerprint}".encode()).hexdigest()


class PartsLedger(Protocol):
    async def sent(self, key: str) -> int: ...
    async def record(self, key: str, parts: int) -> None: ...
    async def forget(self, key: str) -> None: ...


class PartsInMemory:
    def __init__(self) -> None:
        self._sent: dict[str, tuple[int, dt.datetime]] = {}

    async def sent(self, key: str) -> int:
        return self._sent.get(key, (0, None))[0]

    async def record(self, key: str, parts: int) -> None:
        now = utcnow()
        if len(self._sent) > KEPT_MAX:
            self._sent.clear()
        for old, (_parts, at) in list(self._sent.items()):
            if now - at > KEPT_FOR:
                del self._sent[old]
        self._sent[key] = (parts, now)

    async def forget(self, key: str) -> None:
        self._sent.pop(key, None)


class SentParts:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def sent(self, key: str) -> int:
        async with self._sessions() as session:
            return await session.scalar(
                select(SignalPartsSent.parts).where(SignalPartsSent.key == key,
                                                    SignalPartsSent.at > utcnow() - KEPT_FOR)) or 0

    async def record(self, key: str, parts: int) -> None:
        now = utcnow()
        async with self._sessions() as session:
            await session.execute(delete(SignalPartsSent).where(
                (SignalPartsSent.key == key) | (SignalPartsSent.at < now - KEPT_FOR)))
            session.add(SignalPartsSent(key=key, parts=parts, at=now))
            await session.commit()

    async def forget(self, key: str) -> None:
        async with self._sessions() as session:
            await session.execute(delete(SignalPartsSent).where(SignalPartsSent.key == key))
            await session.commit()
