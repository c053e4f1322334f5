"""Helpers for the push tests: services on a copy of the template database, a Bot pointed
at the sandbox, a settable clock, users in the database and in the sandbox at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.broadcast.campaigns import CampaignService
from bot.broadcast.sender import Broadcaster
from bot.broadcast.setup import build_broadcaster, build_campaign_service
from bot.channels.telegram.transport import TelegramTransport
from bot.content.service import ContentStore
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Delivery, TopicSubscription, User, UserContact
from bot.factory import build_bot, build_survey_service
from bot.fake_telegram import BotApiSandbox
from tests.botenv import make_settings
from tests.people import by_telegram, user_id

TOKEN = "123456789:push-test-token"
NOON = dt.datetime(2026, 11, 26, 11, 0, tzinfo=dt.UTC)  # 12:00 in Warsaw
NIGHT = dt.datetime(2026, 11, 26, 22, 30, tzinfo=dt.UTC)  # 23:30 in Warsaw


class FakeClock:
    def __init__(self, now: dt.datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class PushEnv:
    settings: Any
    engine: Any
    sessions: Any
    content: ContentStore
    surveys: Any
    service: CampaignService
    broadcaster: Broadcaster
    bot: Any
    clock: FakeClock

    async def close(self) -> None:
        await self.broadcaster.close()
        await self.bot.session.close()
        await self.engine.dispose()


async def push_env(db_path: Path, sandbox: BotApiSandbox, clock: FakeClock | None = None,
                   db_url: str | None = None, **overrides: Any) -> PushEnv:
    values = {"push_retry_backoff": 0.05, "push_rate_limit": 200.0}
    values.update(overrides)
    settings = make_settings(db_path, sandbox, **values)
    if db_url:
        settings = settings.model_copy(update={"database_url": db_url})
    clock = clock or FakeClock()
    engine = create_engine(settings.db_url)
    sessions = create_session_factory(engine)
    content = ContentStore(sessions, refresh_seconds=0)
    await content.reload()
    surveys = build_survey_service(settings, sessions)
    bot = build_bot(settings, TOKEN)
    service = build_campaign_service(settings, sessions, surveys=surveys, content=content,
                                     clock=clock)
    broadcaster = build_broadcaster(settings, service, TelegramTransport(bot), clock=clock)
    return PushEnv(settings, engine, sessions, content, surveys, service, broadcaster, bot, clock)


async def add_users(env: PushEnv, sandbox: BotApiSandbox | None, count: int, *, start: int = 5000,
                    language: str | None = "uk", survey_pushes: bool = False,
                    muted: bool = False, blocked: bool = False,
                    topics: tuple[str, ...] = ("general",)) -> list[int]:
    ids = list(range(start, start + count))
    today = NOON.date()
    async with env.sessions() as session:
        users = [User(language=language, created_on=today, last_seen_on=today,
                      blocked=blocked, survey_pushes=survey_pushes, pushes_muted=muted)
                 for i in ids]
        session.add_all(users)
        await session.flush()
        session.add_all(UserContact(channel="telegram", address=str(i), user_id=u.id)
                        for i, u in zip(ids, users, strict=True))
        session.add_all(TopicSubscription(user_id=u.id, topic=t) for u in users for t in topics)
        await session.commit()
    if sandbox is not None:
        for i in ids:
            sandbox.user(i, language_code=language or "de")
    return ids


def sent_counts(sandbox: BotApiSandbox) -> Counter:
    return Counter(int(c.params["chat_id"]) for c in sandbox.calls
                   if c.method == "sendMessage" and c.ok)


async def ledger(env: PushEnv, campaign_id: int) -> dict[int, str]:
    async with env.sessions() as session:
        rows = (await session.execute(
            select(UserContact.address, Delivery.status)
            .join(Delivery, Delivery.user_id == UserContact.user_id)
            .where(Delivery.campaign_id == campaign_id))).all()
    return {int(address): status for address, status in rows}


async def is_blocked(env: PushEnv, tg_user_id: int) -> bool:
    async with env.sessions() as session:
        return bool(await session.scalar(by_telegram(tg_user_id, User.blocked)))


async def internal_id(env: PushEnv, tg_user_id: int) -> int:
    """The user id services take, for a person the test knows by Telegram id."""
    async with env.sessions() as session:
        found = await user_id(session, tg_user_id)
    assert found is not None
    return found
