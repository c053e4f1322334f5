"""Delivery of staff replies, on whatever channel the person is reached.

`ReplyCourier` sends staff replies saved by the panel or the staff group to the person, in
their language, with the ticket number, through the core transport (a `TransportRegistry`
picks the channel by the person's contact). It runs right after a reply is saved in this
process (whoever saves one calls `kick()`) and, as a fallback, every `interval` seconds in the
background, which picks up replies another process saved (a second worker, the CLI). Channel
chores that belong to the same rhythm (removing staff-group copies of deleted tickets on
Telegram) run after each round.

Outcomes: Sent -> delivered; Blocked -> failed, and the person is marked blocked; Failed ->
failed; RetryAfter or a temporary failure -> this reply and the rest of the batch go back to
pending for the next round.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from html import escape
from typing import Any

from bot.core.transport import (
    Blocked,
    Failed,
    OutgoingMessage,
    RetryAfter,
    SendOutcome,
    Sent,
    Transport,
)
from bot.feedback.service import DEFAULT_LEASE, PendingReply, TicketService
from bot.i18n import gettext_ as t
from bot.users import UserDirectory
from bot.wakeup import Wakeup

log = logging.getLogger(__name__)


def reply_text(number: int, text: str, lang: str) -> str:
    """The reply as the person reads it; a photo reply may come without text."""
    return "\n\n".join(part for part in (
        t("💬 <b>Reply to your ticket #{number}</b>", lang, number=number), escape(text),
        t("To write again, use the ✍️ Write to us button.", lang)) if part)


def worker_name() -> str:
    """Who holds a lease: this host and process, plus a random part (pids repeat in
    containers)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ReplyCourier:
    def __init__(self, transport: Transport, tickets: TicketService, users: UserDirectory,
                 interval: float = 3.0,
                 chores: Sequence[Callable[[], Awaitable[Any]]] = (),
                 lease: dt.timedelta = DEFAULT_LEASE, batch: int = 10) -> None:
        self.transport, self.tickets, self.users, self.interval = (transport, tickets, users,
                                                                   interval)
        self.chores = list(chores)  # run after each background round
        # Only the replies this process can deliver: the Telegram bot leaves Signal people's
        # replies to the Signal process (a missing transport would fail them).
        channels = getattr(transport, "channels", None)
        self.channels: tuple[str, ...] = (tuple(channels) if channels is not None
                                          else (transport.channel,))
        # Each reply is claimed with a lease (TicketService.claim_pending): a courier killed
        # mid-send leaves its replies to the others once the lease runs out, and nobody takes
        # over a reply a live courier is sending.
        self.lease, self.batch = lease, batch
        self.worker = worker_name()
        self._lock = asyncio.Lock()
        # `interval` is only the fallback for replies saved by another process: this process
        # kicks the courier whenever it saves one (bot/wakeup.py says why).
        self.wakeup = Wakeup(interval)

    def kick(self) -> None:
        """Deliver soon, without waiting for the next round."""
        self.wakeup.wake()

    async def deliver_pending(self) -> int:
        """Send every pending reply now; returns how many were delivered."""
        delivered = 0
        async with self._lock:
            while True:
                batch = await self.tickets.claim_pending(self.worker, self.lease, self.batch,
                                                         channels=self.channels)
                if not batch:
                    return delivered
                # Send only while the lease surely holds: past it another courier may have
                # claimed the rest, which then comes back to us (or it) in the next claim.
                until = time.monotonic() + self.lease.total_seconds() * 0.8
                for i, reply in enumerate(batch):
                    if time.monotonic() > until:  # give the rest back while they are ours
                        for left in batch[i:]:
                            await self.tickets.release(left.message_id, self.worker)
                        break
                    outcome = await self._send(reply)
                    if outcome == "sent":
                        await self.tickets.mark_delivered(reply.message_id)
                        delivered += 1
                    elif outcome == "failed":
                        await self.tickets.mark_failed(reply.message_id)
                    else:  # temporary: give back this one and the rest, try next round
                        for left in batch[i:]:
                            await self.tickets.release(left.message_id, self.worker)
                        return delivered

    async def _send(self, reply: PendingReply) -> str:
        """"sent", "failed" or "later"."""
        number = reply.ticket_number
        if reply.contact is None:
            log.warning("reply to ticket #%s not delivered: the person has no contact", number)
            return "failed"
        message = OutgoingMessage(reply_text(number, reply.text, reply.lang),
                                  telegram_photo=reply.photo_file_id, photo=reply.photo)
        outcome: SendOutcome = await self.transport.send(reply.contact, message)
        if isinstance(outcome, Sent):
            log.info("reply to ticket #%s delivered", number)
            return "sent"
        if isinstance(outcome, Blocked):
            await self.users.mark_blocked(reply.user_id)
            log.info("reply to ticket #%s not delivered: the person blocked the bot", number)
            return "failed"
        if isinstance(outcome, RetryAfter):
            log.info("reply delivery paused for %ss (flood control)", outcome.seconds)
            return "later"
        assert isinstance(outcome, Failed)
        if outcome.temporary:
            log.warning("reply delivery failed for now: %s", outcome.reason)
            return "later"
        log.warning("reply to ticket #%s not delivered: %s", number, outcome.reason)
        return "failed"

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver in the background until `stop` is set. Replies a stopped courier left
        "sending" are taken over when their lease runs out, not on start: the process that
        claimed them may be alive and sending them right now."""
        while not stop.is_set():
            try:
                await self.deliver_pending()
                for chore in self.chores:
                    await chore()
            except Exception:  # the database may be busy; the next round tries again
                log.exception("reply delivery round failed")
            await self.wakeup.wait(stop)
