"""Waking a background loop when there is work, with a long fallback poll.

The problem: the reply courier and the push scheduler used to look at the database every few
seconds whether or not there was anything to do, and each look (a short transaction, about a
millisecond of the event loop, measured) lands on top of some button press. Work made in this
process (a staff reply saved in the panel or the staff chat, a campaign scheduled in the panel)
now calls `wake()` and is handled at once; only work saved by another process waits for the
fallback poll, which can then be long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


class Wakeup:
    """An event set by whoever enqueues work, waited for with a fallback timeout."""

    def __init__(self, fallback: float) -> None:
        self.fallback = fallback
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, stop: asyncio.Event | None = None) -> bool:
        """Return when woken, when `stop` is set or after `fallback` seconds; True if woken.

        A wake-up that comes while the caller is busy is kept, so the next `wait` returns at
        once and no work enqueued meanwhile waits for the fallback poll."""
        if not self._event.is_set() and not (stop is not None and stop.is_set()):
            waiters = {asyncio.ensure_future(self._event.wait())}
            if stop is not None:
                waiters.add(asyncio.ensure_future(stop.wait()))
            try:
                await asyncio.wait(waiters, timeout=self.fallback, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waiters:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        woken = self._event.is_set()
        self._event.clear()
        return woken


# ---------------------------------------------------------------- across processes
# Work one process makes for another (a ticket opened by the Signal process, to be posted to
# the staff group by the Telegram process) is announced on a Redis channel when REDIS_URL is
# set, so the other process wakes at once instead of at its fallback poll. Without Redis the
# fallback poll still finds the work: an announcement is a hint, never the only way.
TICKETS_OPENED = "belong:wake:tickets-opened"


async def announce(redis, channel: str) -> None:
    """Publish a wake-up; a failure is only logged (the fallback poll finds the work)."""
    if redis is None:
        return
    try:
        await redis.publish(channel, b"1")
    except Exception as exc:  # Redis away: the other process polls anyway
        log.info("wake-up not announced: %s", type(exc).__name__)


async def listen(redis, channel: str, wake, stop: asyncio.Event, retry: float = 5.0) -> None:
    """Call `wake()` for every announcement on `channel` until `stop` is set."""
    while not stop.is_set():
        pubsub = redis.pubsub()
        try:
            await pubsub.subscribe(channel)
            while not stop.is_set():
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis restarted or away: subscribe again after a pause
            log.info("wake-up channel lost: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
