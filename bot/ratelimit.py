"""Per-person rate limits: a token bucket per key.

Measured before this existed: one person's 500 messages in 7.6 s made 1,498 Bot API calls to
their chat and slowed every other chat down. A bucket holds `burst` tokens and refills at
`per_minute`; each update takes one. An update that finds the bucket empty is refused, and
the first refusal of a flood is marked `notify`, so the person is told once (and not once
per dropped update). A new flood may notify again only after the bucket has filled up,
that is once the person has been calm for a while.

`RateLimiter` is what the Telegram layer depends on. `TokenBuckets` keeps the buckets in this
process, which is right for the embedded single-process run; a Redis-backed implementation
(one Lua script doing the same arithmetic on a hash per key, with a TTL of burst/rate) can
take its place when several processes serve the bot.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    notify: bool = False  # refused, and the first refusal of this flood: say so once
    retry_after: float = 0.0  # seconds until the next update would be allowed


ALLOWED = RateDecision(True)


class RateLimiter(Protocol):
    async def take(self, key: str) -> RateDecision:
        """Spend one token of `key`'s bucket, if there is one."""
        ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    notified: bool = False


class TokenBuckets:
    """Token buckets in this process's memory, at most `max_keys` of them (the least recently
    used go first: a bucket idle that long is full anyway, the same as a new one)."""

    def __init__(self, burst: int, per_minute: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("burst must be at least 1 and per_minute above 0")
        self.burst = float(burst)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    async def take(self, key: str) -> RateDecision:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens >= self.burst:
            bucket.notified = False  # calm again: a new flood is told again
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return ALLOWED
        notify = not bucket.notified
        bucket.notified = True
        return RateDecision(False, notify, (1.0 - bucket.tokens) / self.rate)
