"""Wiring of the push services from settings, shared by the factory and the CLI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.broadcast.campaigns import CampaignService
from bot.broadcast.clock import Clock, QuietHours, system_clock
from bot.broadcast.ledger import DeliveryLedger
from bot.broadcast.scheduler import PushScheduler
from bot.broadcast.sender import Broadcaster
from bot.config import Settings
from bot.core.transport import Transport


def build_campaign_service(settings: Settings, sessions: async_sessionmaker, *,
                           surveys: Any = None, content: Any = None,
                           clock: Clock = system_clock) -> CampaignService:
    return CampaignService(sessions, surveys=surveys, content=content,
                           default_language=settings.default_language,
                           timezone=settings.push_timezone, clock=clock)


def build_broadcaster(settings: Settings, service: CampaignService, transport: Transport, *,
                      on_blocked: Callable[[int], Awaitable[None]] | None = None,
                      clock: Clock = system_clock, redis: Any = None) -> Broadcaster:
    ledger = DeliveryLedger(service._sessions, settings.default_language)
    broadcaster = Broadcaster(
        service, ledger, transport, rate=settings.push_rate_limit,
        concurrency=settings.push_concurrency, max_attempts=settings.push_max_attempts,
        backoff=settings.push_retry_backoff,
        quiet=QuietHours.parse(settings.push_quiet_hours, settings.push_timezone),
        reclaim_after=settings.push_reclaim_seconds, on_blocked=on_blocked, clock=clock)
    if settings.redis_url:
        # Several processes may send at once: the global rate and the per-chat spacing are
        # kept in Redis, so together they stay within Telegram's limits.
        from bot.shared_limits import RedisChatGate, RedisRateLimiter, redis_client

        if redis is None:
            redis = redis_client(settings.redis_url)
            broadcaster.closers.append(redis.aclose)
        broadcaster.limiter = RedisRateLimiter(redis, settings.push_rate_limit)  # type: ignore[assignment]
        broadcaster.gate = RedisChatGate(redis, broadcaster.gate.spacing)  # type: ignore[assignment]
    return broadcaster


def build_push_scheduler(settings: Settings, sessions: async_sessionmaker, transport: Transport, *,
                         surveys: Any = None, content: Any = None,
                         on_blocked: Callable[[int], Awaitable[None]] | None = None,
                         clock: Clock = system_clock, redis: Any = None) -> PushScheduler:
    service = build_campaign_service(settings, sessions, surveys=surveys, content=content,
                                     clock=clock)
    broadcaster = build_broadcaster(settings, service, transport,
                                    on_blocked=on_blocked, clock=clock, redis=redis)
    return PushScheduler(service, broadcaster, sync_seconds=settings.push_sync_seconds,
                         timezone=settings.push_timezone)
