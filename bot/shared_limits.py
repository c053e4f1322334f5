"""Limits shared by every bot process through Redis (REDIS_URL), for several workers.

In one process the limits live in memory (bot/ratelimit.py `TokenBuckets`, and the push
sender's `RateLimiter` and `ChatGate` in bot/broadcast/sender.py). With two processes each
would allow the full rate: two pushes a second to one chat, twice Telegram's global rate,
and a flood split between workers would pass at twice the speed. Here the same arithmetic
runs in one Lua script per decision, on Redis's clock (TIME), so every process sees and
changes the same numbers atomically; no lock is taken and none is held across a send.

- `RedisTokenBuckets`: the flood guard's per-person token bucket, a hash per key expiring
  once the bucket would be full again;
- `RedisSlots`: evenly spaced start times. `RedisRateLimiter` (the global push rate: one
  key) and `RedisChatGate` (at least `spacing` seconds between two messages to one chat: a
  key per chat) reserve the next slot and sleep until it.

Staff panel logins need nothing here: their throttle is in the database already
(bot/staff/throttle.py). If Redis cannot be reached, each process falls back to its own
in-memory limit for that decision (and logs it): a person's message is never dropped and a
push never fails because Redis is away.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.ratelimit import ALLOWED, RateDecision, TokenBuckets

log = logging.getLogger(__name__)

PREFIX = "belong:limit:"

_BUCKET = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local h = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'notified')
local tokens = tonumber(h[1])
local notified = h[3] == '1'
if tokens == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - tonumber(h[2])) * rate)
end
if tokens >= burst then notified = false end
local allowed, notify, retry = 0, 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  if not notified then notify = 1 end
  notified = true
  retry = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now),
           'notified', notified and '1' or '0')
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, notify, tostring(retry)}
"""

# ARGV: spacing in ms, and 1 when a late caller may still take the slot it missed (the global
# rate, so wake-up jitter does not lower it), 0 when not (a chat's spacing is a minimum).
_SLOT = """
local spacing = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot
if ARGV[2] == '1' then slot = math.max(now - spacing, nxt) else slot = math.max(now, nxt) end
redis.call('SET', KEYS[1], tostring(slot + spacing), 'PX', math.max(slot + spacing - now, 0) + 1000)
return slot - now
"""


class RedisTokenBuckets:
    """bot.ratelimit.TokenBuckets, shared: the same burst, refill and notify-once rules."""

    def __init__(self, redis: Redis, burst: int, per_minute: float, *,
                 prefix: str = PREFIX + "flood:") -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("burst must be at least 1 and per_minute above 0")
        self.redis, self.prefix = redis, prefix
        self.burst, self.rate = burst, per_minute / 60.0
        self._script = redis.register_script(_BUCKET)
        self._local = TokenBuckets(burst, per_minute)
        self._warned = 0.0

    async def take(self, key: str) -> RateDecision:
        try:
            allowed, notify, retry = await self._script(keys=[self.prefix + key],
                                                        args=[self.burst, repr(self.rate)])
        except (RedisError, OSError) as exc:
            self._warned = warn_unreachable(self._warned, exc)
            return await self._local.take(key)
        if int(allowed):
            return ALLOWED
        return RateDecision(False, bool(int(notify)), float(retry))


def warn_unreachable(last: float, exc: BaseException, logger: logging.Logger = log,
                     meanwhile: str = "this process limits on its own") -> float:
    """Log a Redis failure (its kind, never a key) at most once a minute; returns when it
    was last logged."""
    now = time.monotonic()
    if now - last >= 60 or last == 0.0:
        logger.warning("Redis unreachable (%s); %s", type(exc).__name__, meanwhile)
        return now
    return last


class RedisSlots:
    def __init__(self, redis: Redis, spacing: float, *, catch_up: bool) -> None:
        self.redis, self.spacing = redis, spacing
        self.spacing_ms = max(1, round(spacing * 1000))
        self.catch_up = "1" if catch_up else "0"
        self._script = redis.register_script(_SLOT)
        self._local: dict[str, float] = {}  # when Redis is away: this process's own slots
        self._warned = 0.0

    async def reserve(self, key: str) -> float:
        """Take the next slot of `key`; returns the seconds to wait for it (0 if it is now)."""
        try:
            wait_ms = int(await self._script(keys=[key], args=[self.spacing_ms, self.catch_up]))
        except (RedisError, OSError) as exc:
            self._warned = warn_unreachable(self._warned, exc)
            now = time.monotonic()
            if len(self._local) > 50_000:
                self._local = {k: t for k, t in self._local.items() if t > now}
            slot = max(now - self.spacing if self.catch_up == "1" else now,
                       self._local.get(key, 0.0))
            self._local[key] = slot + self.spacing
            return max(slot - now, 0.0)
        return max(wait_ms, 0) / 1000.0


class RedisRateLimiter:
    """The push sender's global rate across processes (see sender.RateLimiter)."""

    def __init__(self, redis: Redis, rate: float, *, key: str = PREFIX + "push-rate") -> None:
        self.interval = 1.0 / rate
        self.key = key
        self._slots = RedisSlots(redis, self.interval, catch_up=True)

    async def acquire(self) -> None:
        wait = await self._slots.reserve(self.key)
        if wait > 0:
            await asyncio.sleep(wait)


class RedisChatGate:
    """At most one push per `spacing` seconds to one chat, whichever process sends it."""

    def __init__(self, redis: Redis, spacing: float = 1.0, *,
                 prefix: str = PREFIX + "chat:") -> None:
        self.spacing, self.prefix = spacing, prefix
        self._slots = RedisSlots(redis, spacing, catch_up=False)

    async def wait(self, chat_id: int) -> None:
        wait = await self._slots.reserve(f"{self.prefix}{chat_id}")
        if wait > 0:
            await asyncio.sleep(wait)


def redis_client(url: str) -> Redis:
    """A client whose pool waits for a free connection instead of refusing the 101st."""
    from redis.asyncio import BlockingConnectionPool

    return Redis(connection_pool=BlockingConnectionPool.from_url(url, max_connections=100,
                                                                 timeout=20))
