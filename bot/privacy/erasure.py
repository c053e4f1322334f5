"""Erasing one person: the single path for /delete and for the retention purge.

What goes: the user row and, through its foreign keys, survey participation, topic
subscriptions, delivery ledger rows and tickets with their messages; the person's dialog
state (FSM records). The copies of their tickets in the staff Telegram group are queued for
removal first, while the tickets still say where those copies are (the courier of the bot
process removes them). What stays: ratings, content gaps and released survey answers, which
hold no link to anybody.
"""

from __future__ import annotations

from typing import Any

from bot.feedback.service import TicketService
from bot.users import UserDirectory


class UserErasure:
    def __init__(self, users: UserDirectory, tickets: TicketService, storage: Any = None,
                 staff_chat_id: int | None = None) -> None:
        self.users, self.tickets = users, tickets
        # The FSM storage (bot/db/fsm_storage.py). One without `forget` (Redis) keeps its
        # records until they expire.
        self.storage = storage
        self.staff_chat_id = staff_chat_id

    async def erase(self, tg_user_id: int) -> bool:
        """Everything the bot holds about this person; False if it held nothing."""
        if self.staff_chat_id is not None:
            await self.tickets.queue_staff_post_removals(tg_user_id, self.staff_chat_id)
        existed = await self.users.forget(tg_user_id)
        forget = getattr(self.storage, "forget", None)
        if forget is not None:
            await forget(tg_user_id)
        return existed
