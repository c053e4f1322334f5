"""What scheduled pushes a person agreed to receive: survey invitations, news per topic, mute.

Survey invitations are the same `User.survey_pushes` flag the /surveys opt-in toggles; news
is one TopicSubscription row per topic ("general" or a root FAQ topic slug); `pushes_muted`
silences everything without losing the choices underneath.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Delivery, TopicSubscription, User

GENERAL = "general"


@dataclass(frozen=True)
class PushPrefs:
    survey_invites: bool = False
    muted: bool = False
    topics: frozenset[str] = frozenset()


class PushPreferences:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    @staticmethod
    async def _user(session: AsyncSession, user_id: int) -> User | None:
        return await session.get(User, user_id)

    async def get(self, user_id: int) -> PushPrefs:
        async with self._sessions() as session:
            user = await self._user(session, user_id)
            if user is None:
                return PushPrefs()
            topics = (await session.scalars(select(TopicSubscription.topic).where(
                TopicSubscription.user_id == user.id))).all()
            return PushPrefs(bool(user.survey_pushes), bool(user.pushes_muted), frozenset(topics))

    async def pushes_received(self, user_id: int) -> tuple[int, dt.date | None]:
        """How many pushes reached the person, and the day of the last (from the ledger)."""
        async with self._sessions() as session:
            count, last = (await session.execute(
                select(func.count(), func.max(Delivery.sent_at))
                .where(Delivery.user_id == user_id, Delivery.status == "sent"))).one()
        return int(count or 0), (last.date() if last is not None else None)

    async def set_survey_invites(self, user_id: int, on: bool) -> None:
        await self._set_flags(user_id, survey_pushes=on)

    async def set_muted(self, user_id: int, muted: bool) -> None:
        await self._set_flags(user_id, pushes_muted=muted)

    async def _set_flags(self, user_id: int, **flags: bool) -> None:
        async with self._sessions() as session:
            user = await self._user(session, user_id)
            if user is not None:
                for name, value in flags.items():
                    setattr(user, name, value)
                await session.commit()

    async def set_topic(self, user_id: int, topic: str, on: bool) -> None:
        async with self._sessions() as session:
            user = await self._user(session, user_id)
            if user is None:
                return
            exists = await session.scalar(select(TopicSubscription.id).where(
                TopicSubscription.user_id == user.id, TopicSubscription.topic == topic))
            if on and exists is None:
                session.add(TopicSubscription(user_id=user.id, topic=topic))
            elif not on and exists is not None:
                await session.execute(delete(TopicSubscription).where(
                    TopicSubscription.id == exists))
            await session.commit()
