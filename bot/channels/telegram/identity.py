"""Telegram people as core contacts, and what erasing one means on Telegram's side."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.transport import TELEGRAM, Contact


def telegram_contact(tg_user_id: int) -> Contact:
    """A Telegram user as a contact (in a private chat the chat id is the user id)."""
    return Contact(TELEGRAM, str(tg_user_id))


def dialog_state_eraser(storage: Any) -> Callable[[Contact], Awaitable[None]]:
    """Erasure step: the person's aiogram FSM records (dialog stacks and contexts). A storage
    without `forget` (Redis) keeps its records until they expire."""

    async def forget(contact: Contact) -> None:
        method = getattr(storage, "forget", None)
        if contact.channel == TELEGRAM and method is not None:
            await method(int(contact.address))

    return forget
