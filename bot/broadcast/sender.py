"""The rate-limited sender: works one campaign's ledger through a core `Transport`
(bot/core/transport.py; a `TransportRegistry` when people are reached on several channels).

Limits: one global rate (messages per second, shared by every campaign this process sends)
and at most one message per second per person. Outcomes of a send:
- RetryAfter (Telegram's 429): wait that long, then retry the same message;
- Failed(temporary=True) (5xx, network): retry with exponential backoff, at most
  `max_attempts` tries, then the delivery is "failed" with the error;
- Blocked (403, chat gone): the delivery is "blocked" and the user is marked blocked, so
  nothing more is pushed until they write again;
- Failed (any other error): recorded, not retried.
The claim/send/record protocol and what survives a crash: see the package docstring.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.broadcast.campaigns import CampaignInfo, CampaignService
from bot.broadcast.clock import Clock, QuietHours, as_aware_utc, system_clock, to_utc_naive
from bot.broadcast.ledger import DeliveryLedger, Outcome, Recipient
from bot.broadcast.render import Push
from bot.core.transport import Blocked, Failed, RetryAfter, Sent, Transport

log = logging.getLogger(__name__)

MAX_THROTTLED = 10  # 429s in a row for one message before it counts as failed


@dataclass(frozen=True)
class RunResult:
    campaign_id: int
    status: str  # "done" | "paused" (quiet hours) | "stopped" | "cancelled" | "waiting" | "missing"
    resume_at: dt.datetime | None = None  # aware UTC, for "paused" and "waiting"
    sent: int = 0
    failed: int = 0
    blocked: int = 0


class RateLimiter:
    """Evenly spaced slots: at most `rate` sends start per second. A sender that comes a
    little late for its slot still takes it (so wake-up jitter does not lower the rate), which
    allows at most one extra message in any one-second window."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def acquire(self) -> None:
        now = time.monotonic()
        slot = max(now - self.interval, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class ChatGate:
    """At most one message per second to one person (retries included)."""

    def __init__(self, spacing: float = 1.0) -> None:
        self.spacing = spacing
        self._next: dict[int, float] = {}

    async def wait(self, user_id: int) -> None:
        now = time.monotonic()
        if len(self._next) > 50_000:
            self._next = {c: t for c, t in self._next.items() if t > now}
        slot = max(now, self._next.get(user_id, 0.0))
        self._next[user_id] = slot + self.spacing
        if slot > now:
            await asyncio.sleep(slot - now)


class _Recorder:
    """Group commit: outcomes of many workers written in one transaction; each worker waits
    until its outcome is committed before taking the next recipient."""

    def __init__(self, ledger: DeliveryLedger, campaign_id: int, progress) -> None:
        self.ledger, self.campaign_id, self.progress = ledger, campaign_id, progress
        self._items: list[tuple[Outcome, asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task = asyncio.create_task(self._run())
        self.counts = {"sent": 0, "failed": 0, "blocked": 0}

    async def add(self, outcome: Outcome) -> None:
        future = asyncio.get_running_loop().create_future()
        self._items.append((outcome, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            if self._closed and not self._items:
                return
            await self._wake.wait()
            self._wake.clear()
            # Let more outcomes join this commit: at 500/s and above one commit per
            # message would cost more CPU than the sends themselves (measured).
            await asyncio.sleep(0.02)
            items, self._items = self._items, []
            if not items:
                continue
            try:
                await self.ledger.record(self.campaign_id, [o for o, _ in items])
            except Exception as exc:
                for _, future in items:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for outcome, future in items:
                self.counts[outcome.status] += 1
                if not future.done():
                    future.set_result(None)
            if self.progress is not None:
                self.progress(len(items))

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        await self._task


class Broadcaster:
    """Sends campaigns. One per process; every campaign it sends shares its rate limit."""

    def __init__(self, service: CampaignService, ledger: DeliveryLedger, transport: Transport,
                 *, rate: float = 25.0, concurrency: int = 0, max_attempts: int = 5,
                 backoff: float = 1.0, quiet: QuietHours | None = None,
                 reclaim_after: float = 300.0, chat_spacing: float = 1.0,
                 on_blocked: Callable[[int], Awaitable[None]] | None = None,
                 clock: Clock = system_clock) -> None:
        self.service, self.ledger, self.transport = service, ledger, transport
        self.limiter = RateLimiter(rate)
        self.gate = ChatGate(chat_spacing)
        self.concurrency = concurrency or max(4, min(100, int(rate // 10) + 1))
        self.max_attempts, self.backoff = max(1, max_attempts), backoff
        self.quiet = quiet or QuietHours.parse("")
        self.reclaim_after = reclaim_after
        self.on_blocked = on_blocked
        self.clock = clock
        self.closers: list[Callable[[], Awaitable[None]]] = []  # what the wiring opened

    async def close(self) -> None:
        close = getattr(self.transport, "close", None)
        if close is not None:
            await close()
        for closer in self.closers:
            await closer()

    # ------------------------------------------------------------ one message
    async def deliver(self, recipient: Recipient, push: Push) -> Outcome:
        transient = throttled = 0
        while True:
            await self.gate.wait(recipient.user_id)
            await self.limiter.acquire()
            result = await self.transport.send(recipient.contact, push)
            if isinstance(result, Sent):
                return Outcome(recipient.user_id, "sent", to_utc_naive(self.clock()))
            if isinstance(result, Blocked):
                if self.on_blocked is not None:
                    with contextlib.suppress(Exception):
                        await self.on_blocked(recipient.user_id)
                return Outcome(recipient.user_id, "blocked", to_utc_naive(self.clock()),
                               result.reason or None)
            if isinstance(result, RetryAfter) and throttled < MAX_THROTTLED:
                throttled += 1
                await asyncio.sleep(max(result.seconds, 0.0))
                continue
            if isinstance(result, Failed) and result.temporary:
                transient += 1
                if transient < self.max_attempts:
                    await asyncio.sleep(min(self.backoff * 2 ** (transient - 1), 60.0))
                    continue
            error = result.reason or type(result).__name__
            return Outcome(recipient.user_id, "failed", to_utc_naive(self.clock()),
                           f"{error} (after {transient + throttled + 1} tries)")

    # ------------------------------------------------------------ one campaign
    async def run_campaign(self, campaign_id: int, stop: asyncio.Event | None = None,
                           progress: Callable[[int], None] | None = None,
                           reclaim_after: float | None = None) -> RunResult:
        """Send what is left of a due campaign. Returns why it stopped."""
        stop = stop or asyncio.Event()
        info = await self.service.get(campaign_id)
        if info is None:
            return RunResult(campaign_id, "missing")
        if info.status in ("done", "cancelled"):
            return RunResult(campaign_id, info.status)
        now = as_aware_utc(self.clock())
        if as_aware_utc(info.due_at) > now:
            return RunResult(campaign_id, "waiting", as_aware_utc(info.due_at))
        if info.wave_id is not None and await self._wave_closed(info.wave_id):
            await self.service.cancel(campaign_id)  # nobody can answer a closed wave
            return RunResult(campaign_id, "cancelled")
        waiting = await self._wait_for_parent(info, now)
        if waiting is not None:
            return waiting
        if info.quiet_hours and self.quiet.is_quiet(now):
            return RunResult(campaign_id, "paused", self.quiet.next_end(now))
        status = await self.ledger.start(campaign_id, to_utc_naive(now))
        if status != "sending":
            return RunResult(campaign_id, status or "missing")
        after = self.reclaim_after if reclaim_after is None else reclaim_after
        reclaimed = await self.ledger.reclaim(
            campaign_id, to_utc_naive(now - dt.timedelta(seconds=after)))
        if reclaimed:
            log.warning("campaign %s: %d deliveries left in flight by a stopped sender are sent "
                        "again", campaign_id, reclaimed)
        log.info("campaign %s: sending", campaign_id)
        result = await self._pipeline(info, stop, progress)
        if result.status == "done":
            await self.ledger.finish_if_done(campaign_id, to_utc_naive(self.clock()))
            log.info("campaign %s: done (sent %d, failed %d, blocked %d)", campaign_id,
                     result.sent, result.failed, result.blocked)
        return result

    async def _wave_closed(self, wave_id: int) -> bool:
        surveys = self.service.surveys
        if surveys is None:
            return False
        wave = await surveys.wave(wave_id)
        return wave is None or wave.closed

    async def _wait_for_parent(self, info: CampaignInfo, now: dt.datetime) -> RunResult | None:
        if info.parent_id is None:
            return None
        parent = await self.service.get(info.parent_id)
        if parent is not None and parent.status in ("scheduled", "sending"):
            # A reminder goes only to those the invitation reached: wait for it to finish.
            return RunResult(info.id, "waiting", now + dt.timedelta(minutes=10))
        return None

    async def _pipeline(self, info: CampaignInfo, stop: asyncio.Event,
                        progress: Callable[[int], None] | None) -> RunResult:
        cid = info.id
        pushes: dict[str, Push] = {}
        queue: asyncio.Queue[Recipient | None] = asyncio.Queue()
        recorder = _Recorder(self.ledger, cid, progress)
        space = asyncio.Event()
        space.set()

        async def worker() -> None:
            while True:
                recipient = await queue.get()
                if recipient is None:
                    return
                if queue.qsize() < self.concurrency:
                    space.set()
                lang = recipient.language or self.service.default_language
                push = pushes.get(lang)
                if push is None:
                    push = pushes[lang] = await self.service.render(info, lang)
                await recorder.add(await self.deliver(recipient, push))

        workers = [asyncio.create_task(worker()) for _ in range(self.concurrency)]
        status = "done"
        resume_at = None
        exhausted = False
        next_check = 0.0
        try:
            while True:
                if stop.is_set():
                    status = "stopped"
                    break
                now = as_aware_utc(self.clock())
                if info.quiet_hours and self.quiet.is_quiet(now):
                    status, resume_at = "paused", self.quiet.next_end(now)
                    break
                if time.monotonic() >= next_check:  # cancelled, from here or elsewhere?
                    next_check = time.monotonic() + 0.5
                    if await self.ledger.campaign_status(cid) != "sending":
                        status = "cancelled"
                        break
                batch = await self.ledger.claim(cid, self.concurrency, to_utc_naive(now))
                if not batch:
                    exhausted = True  # the workers finish what is queued
                    break
                for recipient in batch:
                    queue.put_nowait(recipient)
                # Claim ahead by at most one batch: what is claimed but unsent goes back to
                # pending on a graceful stop, and is re-sent needlessly after a hard kill.
                space.clear()
                if queue.qsize() >= self.concurrency:
                    stopper = asyncio.create_task(stop.wait())
                    spacer = asyncio.create_task(space.wait())
                    await asyncio.wait({stopper, spacer}, return_when=asyncio.FIRST_COMPLETED)
                    stopper.cancel()
                    spacer.cancel()
        finally:
            unsent = []
            while not exhausted and not queue.empty():
                item = queue.get_nowait()
                if item is not None:
                    unsent.append(item.user_id)
            for _ in workers:
                queue.put_nowait(None)
            results = await asyncio.gather(*workers, return_exceptions=True)
            await recorder.close()
            await self.ledger.release(cid, unsent)
        for outcome in results:
            if isinstance(outcome, BaseException):
                raise outcome
        if status == "done":
            pending, sending = await self.ledger.remaining(cid)
            if pending or sending:
                # Another process holds the rest (PostgreSQL) or left rows in flight.
                status, resume_at = "waiting", as_aware_utc(self.clock()) + dt.timedelta(
                    seconds=max(self.reclaim_after, 1.0))
        counts = recorder.counts
        return RunResult(cid, status, resume_at, counts["sent"], counts["failed"],
                         counts["blocked"])
