"""The Signal channel as a process (or a part of one): events in, replies and staff replies out.

A signal-cli send takes a noticeable fraction of a second, so people are served side by
side (up to `CONCURRENCY` at once) while each person's messages are handled one after the
other, in the order they were written. The stored event id (sent back as Last-Event-ID
after a restart) only moves past an event once it and every event before it are handled,
so nothing is lost; an event handled already and seen again (after a restart, or when the
daemon forgot the id and replays its whole buffer) is recognised by the message's
timestamp and not answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.channels.signal import texts as tx
from bot.channels.signal.contacts import SignalPeople
from bot.channels.signal.conversation import Conversation
from bot.channels.signal.conversation import Settings as ConversationSettings
from bot.channels.signal.envelope import parse
from bot.channels.signal.formatting import Styled
from bot.channels.signal.parts import SentParts
from bot.channels.signal.rpc import EventStream, SignalRpc, SseEvent, decode_event
from bot.channels.signal.survey import SignalSurveys
from bot.channels.signal.transport import SignalTransport
from bot.config import Settings
from bot.content.service import ContentStore
from bot.feedback.courier import ReplyCourier
from bot.feedback.service import TicketLimits, TicketService
from bot.privacy.erasure import UserErasure
from bot.ratelimit import RateLimiter, TokenBuckets
from bot.safety.crisis import classify
from bot.safety.given import help_record
from bot.surveys.definition import load_surveys
from bot.surveys.store import SurveyService
from bot.users import UserDirectory
from bot.users_prefs import PushPreferences
from bot.wakeup import TICKETS_OPENED, announce

log = logging.getLogger(__name__)
CONCURRENCY = 8  # people handled at once


def survey_service(settings: Settings, sessions: async_sessionmaker) -> SurveyService:
    surveys_dir = settings.content_dir / "surveys"
    return SurveyService(sessions, load_surveys(surveys_dir) if surveys_dir.is_dir() else {})


class SignalChannel:
    def __init__(self, settings: Settings, sessions: async_sessionmaker, content: ContentStore,
                 *, rpc: SignalRpc | None = None, retry_min_delay: float = 1.0) -> None:
        if not settings.signal_rpc_url and rpc is None:
            raise ValueError("SIGNAL_RPC_URL is not set")
        self.settings = settings
        self.account = settings.signal_account or "default"
        self.rpc = rpc or SignalRpc(settings.signal_rpc_url or "", settings.signal_account)
        self.transport = SignalTransport(self.rpc, retry_seconds=settings.signal_retry_seconds,
                                         max_attempts=settings.signal_max_attempts,
                                         parts=SentParts(sessions))
        self.sessions = sessions
        self._redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(settings.redis_url)
        self.users = UserDirectory(sessions)
        # A screen in Redis lives no longer than the retention period of its person.
        self.people = SignalPeople(sessions, self.users, self._redis,
                                   redis_ttl_seconds=settings.retention_inactive_months * 31 * 86400)
        self.tickets = TicketService(sessions, TicketLimits(settings.tickets_per_hour,
                                                            settings.tickets_per_day))
        # Staff-group copies of an erased person's tickets are queued here and removed by
        # the Telegram process's courier round.
        erasure = UserErasure(self.users, self.tickets, contact_erasers=[self.people.forget],
                              staff_chat_id=settings.staff_chat_id)
        # Staff replies to Signal people: the core courier, through this transport only (it
        # claims only Signal people's replies).
        self.courier = ReplyCourier(self.transport, self.tickets, self.users,
                                    interval=settings.feedback_poll_seconds)
        self.conversation = Conversation(
            self.people, self.users, content, self.tickets, PushPreferences(sessions), erasure,
            ConversationSettings(account=settings.signal_account,
                                 retention_months=settings.retention_inactive_months,
                                 ticket_months=settings.ticket_retention_months),
            surveys=SignalSurveys(survey_service(settings, sessions)),
            fetch_attachment=self.rpc.get_attachment,
            on_ticket_opened=partial(announce, self._redis, TICKETS_OPENED),
            given=help_record(self._redis, settings, "signal"))
        # The flood guard: as on Telegram (FLOOD_BURST, FLOOD_PER_MINUTE), one notice per
        # flood, the rest dropped until the bucket refills; a crisis message always passes.
        self.flood: RateLimiter | None = (
            TokenBuckets(settings.flood_burst, settings.flood_per_minute)
            if settings.flood_burst else None)
        self.retry_min_delay = retry_min_delay
        self.stream: EventStream | None = None
        self.handled = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._people: dict[str, asyncio.Queue] = {}  # address -> its events waiting
        self._workers: set[asyncio.Task] = set()
        self._order: list[list] = []  # [event id, done] in arrival order, for the cursor
        self._slots = asyncio.Semaphore(CONCURRENCY)

    # ------------------------------------------------------------ life
    async def start(self) -> None:
        cursor = await self.people.cursor(self.account)
        self.stream = EventStream(self.rpc, self._on_event, last_event_id=cursor,
                                  min_delay=self.retry_min_delay)
        self._stop.clear()
        self._tasks = [asyncio.create_task(self.stream.run(self._stop), name="signal-events"),
                       asyncio.create_task(self.transport.run(self._stop), name="signal-retries"),
                       asyncio.create_task(self.courier.run(self._stop), name="signal-replies")]
        log.info("signal channel started")

    async def stop(self) -> None:
        self._stop.set()
        tasks = [*self._tasks, *self._workers]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks, self._workers, self._people, self._order = [], set(), {}, []
        await self.rpc.close()
        if self._redis is not None:
            await self._redis.aclose()
        log.info("signal channel stopped")

    async def run_forever(self) -> None:
        await self.start()
        try:
            await self._stop.wait()
        finally:
            await self.stop()

    # ------------------------------------------------------------ incoming
    async def _on_event(self, event: SseEvent) -> None:
        """Hand the event to its person's queue (a worker per person while they write)."""
        payload = decode_event(event)
        incoming = parse(payload) if payload else None
        mark = [event.id, incoming is None]
        self._order.append(mark)
        if incoming is None:
            await self._advance_cursor()
            return
        queue = self._people.get(incoming.address)
        if queue is None:
            queue = self._people[incoming.address] = asyncio.Queue()
            worker = asyncio.create_task(self._person(incoming.address, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        queue.put_nowait((incoming, mark))

    async def _person(self, address: str, queue: asyncio.Queue) -> None:
        while True:
            try:
                incoming, mark = queue.get_nowait()
            except asyncio.QueueEmpty:
                if self._people.get(address) is queue:
                    del self._people[address]
                return
            async with self._slots:
                await self._handle(incoming)
            mark[1] = True
            await self._advance_cursor()

    async def _advance_cursor(self) -> None:
        last = None
        while self._order and self._order[0][1]:
            event_id = self._order.pop(0)[0]
            last = event_id if event_id is not None else last
        if last is not None:
            await self.people.set_cursor(self.account, last)

    async def _handle(self, incoming) -> None:
        if incoming is not None:
            try:
                replies = await self._flood_notice(incoming)
                if replies is None:
                    replies = await self.conversation.handle(incoming)
            except Exception:
                log.exception("signal message not handled")
                replies = [Styled().add(tx.t(tx.SOMETHING_WRONG, "en"))]
            for reply in replies:
                await self.transport.send_styled(incoming.address, reply)
            if replies and incoming.kind == "text":
                await self.rpc.send_receipt(incoming.address, incoming.timestamp)
            self.handled += 1

    async def _flood_notice(self, incoming) -> list[Styled] | None:
        """None: handle the message; else what to send instead (the notice, or nothing)."""
        if self.flood is None:
            return None
        if incoming.kind == "text" and not incoming.text.startswith("/") and classify(incoming.text):
            return None
        decision = await self.flood.take(incoming.address)
        if decision.allowed:
            return None
        log.info("signal flood guard: message dropped")
        if not decision.notify:
            return []
        person = await self.people.find(incoming.address)
        lang = (person.language if person else None) or self.settings.default_language
        return [Styled().add(tx.t(tx.TOO_MANY, lang))]
