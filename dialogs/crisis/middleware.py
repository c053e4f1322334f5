"""Crisis routing: before any handler sees a person's text, a message that signals a crisis
gets the 🆘 card, then whatever the handler does (a search, a ticket draft, a hint). A weaker
sign (bot/safety/crisis.py `note`: the learned scorer alone, below its card threshold) gets a
one-line 🆘 pointer to /sos above the normal answer instead.

It is an outer middleware on messages and on edited messages, so it covers every state of
every dialog (search, "Write to us", a survey, the language choice), text outside any dialog
and a message edited later alike, and the card always comes first. An edit of a message that
got the card gets no second one (bot/safety/given.py; in Redis with several workers, so
the edit may land on any of them). Only private chats with
people; commands are not read. The text is never logged; the signal is handed on as
`crisis` for handlers that want it (the search does not record a crisis message as a
content gap).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.types import Message, TelegramObject

from bot.safety.card import crisis_card, crisis_note
from bot.safety.crisis import CrisisSignal, classify
from bot.safety.given import CARD, NOTE, HelpGiven, HelpRecord

log = logging.getLogger(__name__)

_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_POLISH = re.compile(r"[ąćęłńóśźż]", re.IGNORECASE)


def card_language(text: str, locale: str, needs_language: bool) -> str:
    """The person's language; before they chose one, a guess from the letters they typed."""
    if not needs_language:
        return locale
    if _CYRILLIC.search(text):
        return "uk"
    if _POLISH.search(text):
        return "pl"
    return locale


class CrisisCardMiddleware(BaseMiddleware):
    def __init__(self, given: HelpRecord | None = None) -> None:
        # One record serves new and edited messages: an edit keeps its message's id.
        self.given = given or HelpGiven()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Message) or event.chat.type != ChatType.PRIVATE:
            return await handler(event, data)
        if event.from_user is None or event.from_user.is_bot:
            return await handler(event, data)
        text = event.text or event.caption or ""
        signal = CrisisSignal() if text.startswith("/") else classify(text)
        data["crisis"] = signal
        edit_of = event.message_id if event.edit_date is not None else None
        due = await self.given.due(event.chat.id, event.message_id, signal, edit_of)
        if due == CARD:
            lang = card_language(text, data.get("locale", "en"), data.get("needs_language", False))
            bot: Bot = data["bot"]
            try:
                await bot.send_message(event.chat.id, crisis_card(lang, signal.categories),
                                       disable_web_page_preview=True)
                log.info("crisis card sent")
            except Exception as exc:  # the answer below must still come
                log.warning("crisis card not sent: %s", type(exc).__name__)
        elif due == NOTE:
            # A weaker sign (the learned scorer alone, below its card threshold): one line
            # pointing to /sos, then the normal answer.
            lang = card_language(text, data.get("locale", "en"), data.get("needs_language", False))
            try:
                await data["bot"].send_message(event.chat.id, crisis_note(lang))
                log.info("crisis note sent")
            except Exception as exc:
                log.warning("crisis note not sent: %s", type(exc).__name__)
        return await handler(event, data)
