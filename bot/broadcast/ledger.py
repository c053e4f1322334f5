"""The delivery ledger: who gets a campaign, and where each delivery stands.

Audience, written once when the campaign starts (`start`), in the same transaction that
moves it from "scheduled" to "sending":
- survey invitation: users with survey invitations on, not muted, not blocked, not yet sent
  an invitation to the same wave (by an earlier, cancelled one: a wave has one live
  invitation, bot/broadcast/invitations.py);
- survey reminder: the invitation's recipients it reached ("sent"), still opted in, not
  muted or blocked, with no completed participation in the wave;
- announcement: users not muted or blocked, subscribed to the campaign's topic ("general"
  when none), optionally only those whose language (or the default) is in `languages`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.transport import Contact
from bot.db.claims import claim_rows
from bot.db.models import (
    Campaign,
    Delivery,
    SurveyParticipation,
    TopicSubscription,
    User,
)
from bot.users import contacts_of

OUTCOMES = ("sent", "failed", "blocked")
NOWHERE = Contact("", "")


@dataclass(frozen=True)
class Recipient:
    user_id: int
    contact: Contact
    language: str | None
    attempts: int


@dataclass(frozen=True)
class Outcome:
    user_id: int
    status: str  # "sent" | "failed" | "blocked"
    at: dt.datetime  # naive UTC
    error: str | None = None


def _audience(campaign: Campaign, default_language: str):
    """SELECT users.id of the campaign's audience."""
    reachable = and_(User.blocked.is_(False), User.pushes_muted.is_(False))
    if campaign.kind == "survey_invite":
        # After a cancelled invitation of the wave, a new one asks only those not asked yet.
        earlier = select(Campaign.id).where(Campaign.wave_id == campaign.wave_id,
                                            Campaign.kind == "survey_invite",
                                            Campaign.id != campaign.id)
        invited = exists().where(Delivery.user_id == User.id,
                                 Delivery.campaign_id.in_(earlier),
                                 Delivery.status.in_(("sent", "sending")))
        return select(User.id).where(reachable, User.survey_pushes.is_(True), ~invited)
    if campaign.kind == "survey_reminder":
        completed = exists().where(SurveyParticipation.user_id == User.id,
                                   SurveyParticipation.wave_id == campaign.wave_id,
                                   SurveyParticipation.completed.is_(True))
        return (select(User.id).join(Delivery, Delivery.user_id == User.id)
                .where(Delivery.campaign_id == campaign.parent_id, Delivery.status == "sent",
                       reachable, User.survey_pushes.is_(True), ~completed))
    audience = campaign.audience or {}
    topic = audience.get("topic") or "general"
    stmt = (select(User.id).join(TopicSubscription, TopicSubscription.user_id == User.id)
            .where(reachable, TopicSubscription.topic == topic))
    languages = audience.get("languages")
    if languages:
        lang = func.coalesce(User.language, default_language)
        stmt = stmt.where(lang.in_(list(languages)))
    return stmt


class DeliveryLedger:
    def __init__(self, sessions: async_sessionmaker, default_language: str = "en") -> None:
        self._sessions = sessions
        self.default_language = default_language

    async def start(self, campaign_id: int, now: dt.datetime) -> str | None:
        """Move a due campaign to "sending", writing its audience on the way. Returns the
        status after the call (None if there is no such campaign)."""
        async with self._sessions() as session:
            claim = await session.execute(
                update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "scheduled")
                .values(status="sending", started_at=now))
            campaign = await session.get(Campaign, campaign_id)
            if campaign is None:
                return None
            if claim.rowcount:  # this process won the start: write the audience snapshot
                audience = _audience(campaign, self.default_language).subquery()
                await session.execute(insert(Delivery).from_select(
                    ["campaign_id", "user_id", "status", "attempts"],
                    select(literal(campaign_id), audience.c.id, literal("pending"), literal(0))))
            await session.commit()
            return campaign.status

    async def claim(self, campaign_id: int, limit: int, now: dt.datetime) -> list[Recipient]:
        """pending -> sending for up to `limit` rows, committed before anything is sent."""
        async with self._sessions() as session:
            ids = await claim_rows(
                session, Delivery.user_id,
                lambda row: (row.campaign_id == campaign_id) & (row.status == "pending"),
                limit=limit,
                values={"status": "sending", "claimed_at": now,
                        "attempts": Delivery.attempts + 1})
            if not ids:
                await session.commit()
                return []
            rows = (await session.execute(
                select(User.id, User.language, Delivery.attempts)
                .join(Delivery, Delivery.user_id == User.id)
                .where(Delivery.campaign_id == campaign_id,
                       Delivery.user_id.in_(ids)))).all()
            contacts = await contacts_of(session, ids)
            await session.commit()
        # A person with no contact left (a race with erasure) is reached on no channel:
        # the registry answers Failed for the empty one.
        return [Recipient(uid, contacts.get(uid, NOWHERE), lang, attempts)
                for uid, lang, attempts in rows]

    async def record(self, campaign_id: int, outcomes: list[Outcome]) -> None:
        """Write final outcomes; a blocked recipient is marked blocked in `users` as well."""
        if not outcomes:
            return
        async with self._sessions() as session:
            for status in OUTCOMES:
                group = [o for o in outcomes if o.status == status]
                if not group:
                    continue
                if status == "sent":
                    await self._sent(session, campaign_id, group)
                    continue
                for outcome in group:
                    await session.execute(
                        update(Delivery).where(Delivery.campaign_id == campaign_id,
                                               Delivery.user_id == outcome.user_id)
                        .values(status=status, error=(outcome.error or "")[:200] or None))
                if status == "blocked":
                    await session.execute(update(User).where(
                        User.id.in_([o.user_id for o in group])).values(blocked=True))
            await session.commit()

    @staticmethod
    async def _sent(session: AsyncSession, campaign_id: int, group: list[Outcome]) -> None:
        # One statement for the batch: its sends are milliseconds apart.
        await session.execute(
            update(Delivery).where(Delivery.campaign_id == campaign_id,
                                   Delivery.user_id.in_([o.user_id for o in group]))
            .values(status="sent", sent_at=max(o.at for o in group).replace(microsecond=0),
                    error=None))

    async def release(self, campaign_id: int, user_ids: list[int]) -> None:
        """Claimed but never sent (graceful stop, quiet hours): back to pending."""
        if not user_ids:
            return
        async with self._sessions() as session:
            await session.execute(
                update(Delivery).where(Delivery.campaign_id == campaign_id,
                                       Delivery.user_id.in_(user_ids),
                                       Delivery.status == "sending")
                .values(status="pending", attempts=Delivery.attempts - 1))
            await session.commit()

    async def reclaim(self, campaign_id: int, older_than: dt.datetime) -> int:
        """Rows a crashed sender left "sending": back to pending, to be sent again (the
        at-least-once window described in the package docstring)."""
        async with self._sessions() as session:
            result = await session.execute(
                update(Delivery).where(Delivery.campaign_id == campaign_id,
                                       Delivery.status == "sending",
                                       or_(Delivery.claimed_at.is_(None),
                                           Delivery.claimed_at <= older_than))
                .values(status="pending"))
            await session.commit()
            return result.rowcount or 0

    async def remaining(self, campaign_id: int) -> tuple[int, int]:
        """(pending, sending) rows of a campaign."""
        async with self._sessions() as session:
            counts = dict((await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.campaign_id == campaign_id,
                       Delivery.status.in_(("pending", "sending")))
                .group_by(Delivery.status))).all())
        return counts.get("pending", 0), counts.get("sending", 0)

    async def finish_if_done(self, campaign_id: int, now: dt.datetime) -> bool:
        async with self._sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.campaign_id == campaign_id,
                Delivery.status.in_(("pending", "sending"))))
            if left:
                return False
            result = await session.execute(
                update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "sending")
                .values(status="done", finished_at=now))
            await session.commit()
            return bool(result.rowcount)

    async def campaign_status(self, campaign_id: int) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
