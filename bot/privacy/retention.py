"""Retention: what the bot holds is deleted once it is no longer needed.

- A person who has not written to the bot for `inactive_months` (RETENTION_INACTIVE_MONTHS,
  default 24) is erased exactly as /delete erases them (bot/privacy/erasure.py). Receiving
  pushes is not writing: the day of the last message is what counts (`users.last_seen_on`).
- A ticket answered or closed, unchanged for `ticket_months` (TICKET_RETENTION_MONTHS,
  default 12), is deleted with its messages; its copies in the staff group are queued for
  removal as /delete does. A ticket still waiting for a reply is kept.

Run every night by the bot's scheduler (bot/broadcast/scheduler.py, `add_daily`) and on
demand by `python -m bot privacy purge [--dry-run]`. Idempotent: a second run, or a run in
a second worker, finds nothing left to delete.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.privacy.erasure import UserErasure

log = logging.getLogger(__name__)

# When the bot runs the purge, local time (PUSH_TIMEZONE): a quiet hour for the database.
PURGE_AT = dt.time(4, 0)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class PurgeReport:
    people_before: dt.date  # people whose last message was before this day
    tickets_before: dt.datetime  # answered/closed tickets unchanged since before this (UTC)
    people: int  # erased (or, in a dry run, to be erased)
    tickets: int  # deleted (or to be deleted)
    dry_run: bool


class Retention:
    def __init__(self, erasure: UserErasure, *, inactive_months: int = 24,
                 ticket_months: int = 12, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.erasure = erasure
        self.inactive_months, self.ticket_months = inactive_months, ticket_months
        self._clock = clock

    def limits(self) -> tuple[dt.date, dt.datetime]:
        now = self._clock().astimezone(dt.UTC).replace(tzinfo=None)
        tickets = dt.datetime.combine(months_before(now.date(), self.ticket_months), now.time())
        return months_before(now.date(), self.inactive_months), tickets

    async def purge(self, *, dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> PurgeReport:
        """Delete what is past its period; `progress(done, total)` after each person."""
        people_before, tickets_before = self.limits()
        tickets = await self.erasure.tickets.expired(tickets_before)
        people = await self.erasure.users.inactive_since(people_before)
        if dry_run:
            return PurgeReport(people_before, tickets_before, len(people), len(tickets), True)
        deleted = await self.erasure.tickets.delete(tickets, self.erasure.staff_chat_id)
        erased = 0
        for done, user_id in enumerate(people, 1):
            erased += await self.erasure.erase(user_id)
            if progress is not None:
                progress(done, len(people))
        if erased or deleted:
            log.info("retention: erased %d people inactive since before %s; deleted %d tickets",
                     erased, people_before.isoformat(), deleted)
        return PurgeReport(people_before, tickets_before, erased, deleted, False)
