"""Erasing one person: the single use case behind /delete (on any channel) and the
retention purge.

What goes: the user row and, through its foreign keys, contacts, survey participation,
topic subscriptions, delivery ledger rows and tickets with their messages; what each
channel holds for the person's contacts (on Telegram the dialog state, FSM records). The
copies of their tickets in the staff Telegram group are queued for removal first, while the
tickets still say where those copies are, and the courier is woken to remove them at once.
What stays: ratings, content gaps and released survey answers, which hold no link to anybody.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.core.transport import Contact
from bot.feedback.service import TicketService
from bot.users import UserDirectory


class UserErasure:
    def __init__(self, users: UserDirectory, tickets: TicketService, *,
                 contact_erasers: Sequence[Callable[[Contact], Awaitable[None]]] = (),
                 staff_chat_id: int | None = None,
                 on_staff_posts_queued: Callable[[], None] | None = None) -> None:
        self.users, self.tickets = users, tickets
        self.contact_erasers = list(contact_erasers)  # per channel: what it keeps per contact
        self.staff_chat_id = staff_chat_id
        # Wakes whoever removes staff-group copies (the reply courier's round).
        self.on_staff_posts_queued = on_staff_posts_queued

    async def erase(self, user_id: int) -> bool:
        """Everything the bot holds about this person; False if it held nothing."""
        contacts = await self.users.contacts(user_id)
        queued = 0
        if self.staff_chat_id is not None:
            queued = await self.tickets.queue_staff_post_removals(user_id, self.staff_chat_id)
        existed = await self.users.forget(user_id)
        for contact in contacts:
            for erase in self.contact_erasers:
                await erase(contact)
        if queued and self.on_staff_posts_queued is not None:
            self.on_staff_posts_queued()
        return existed
