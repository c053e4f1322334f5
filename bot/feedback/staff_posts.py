"""Posting tickets to staff, whichever channel they came from.

A ticket records whether its copy for staff (the staff Telegram group) is posted
(`tickets.staff_post`, bot/feedback/service.py). `StaffPoster` posts every ticket not yet
posted, through a `board` that knows the group: the Telegram process owns the group and runs
it. It runs right after a ticket is opened in this process (the Telegram dialog calls
`post_pending`), after each round of the reply courier (woken by `kick()` or its fallback
poll: tickets opened by the Signal process or another worker arrive that way). Each ticket is
claimed with a lease (TicketService.claim_unposted), so with several workers it is posted
once, and one a killed worker was posting is posted by another once the lease runs out.

What the board gets is what staff may see: the ticket number, language, text and photo,
never the person's address (Telegram id, phone number, Signal UUID).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.feedback.courier import worker_name
from bot.feedback.service import DEFAULT_LEASE, TicketService, TicketView

log = logging.getLogger(__name__)

# Posts one ticket; answers "posted", "failed" (refused for good) or "later" (try again).
Board = Callable[[TicketView], Awaitable[str]]


class StaffPoster:
    def __init__(self, tickets: TicketService, board: Board,
                 lease: dt.timedelta = DEFAULT_LEASE, batch: int = 10) -> None:
        self.tickets, self.board, self.lease, self.batch = tickets, board, lease, batch
        self.worker = worker_name()
        self._lock = asyncio.Lock()

    async def post_pending(self) -> int:
        """Post every ticket waiting for it now; returns how many were posted."""
        posted = 0
        async with self._lock:
            while True:
                batch = await self.tickets.claim_unposted(self.worker, self.lease, self.batch)
                if not batch:
                    return posted
                for i, ticket in enumerate(batch):
                    try:
                        outcome = await self.board(ticket)
                    except Exception:
                        log.exception("ticket #%s not posted to staff", ticket.number)
                        outcome = "later"
                    await self.tickets.finish_post(ticket.number, self.worker, outcome)
                    if outcome == "posted":
                        posted += 1
                    elif outcome == "later":  # the group is away: the rest wait too
                        for left in batch[i + 1:]:
                            await self.tickets.finish_post(left.number, self.worker, "later")
                        return posted
