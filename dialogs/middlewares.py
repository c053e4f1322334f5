"""Per-update plumbing: the flood guard, the user and the locale for rendering."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User

from bot.i18n import _, current_locale
from bot.i18n import gettext_ as t
from bot.ratelimit import RateLimiter
from bot.safety.crisis import classify
from bot.users import UserDirectory, client_language

log = logging.getLogger(__name__)

TOO_MANY_MESSAGES = _("⏳ Too many messages, please wait a moment.")
TOO_MANY_TAPS = _("⏳ Too many taps, please wait a moment.")


class FloodGuardMiddleware(BaseMiddleware):
    """One person's messages and button taps, through a per-person rate limit.

    Over the limit, a message gets one "please wait" per flood and is then dropped without
    a word; a button tap is always answered (a short notice), or the person's client keeps
    the button spinning. Other kinds of update (a block, the staff group, aiogram-dialog's
    background updates) are never limited. A message that signals a crisis is never dropped:
    it goes on to the crisis card however fast the person writes. It runs before the FSM lock
    and the user lookup, so a dropped update costs no database access (see build_dispatcher)."""

    def __init__(self, limiter: RateLimiter, directory: UserDirectory, default_language: str,
                 skip_chats: frozenset[int] = frozenset()) -> None:
        self.limiter = limiter
        self.directory = directory
        self.default = default_language
        self.skip_chats = skip_chats
        # The language of people currently over the limit: looked up once per flood.
        self._languages: OrderedDict[int, str] = OrderedDict()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update) or not (event.message or event.edited_message
                                                 or event.callback_query):
            return await handler(event, data)
        tg_user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if tg_user is None or tg_user.is_bot or (chat is not None and chat.id in self.skip_chats):
            return await handler(event, data)
        decision = await self.limiter.take(f"user:{tg_user.id}")
        if decision.allowed:
            self._languages.pop(tg_user.id, None)
            return await handler(event, data)
        if _signals_crisis(event):
            return await handler(event, data)
        bot: Bot = data["bot"]
        if event.callback_query is not None:
            lang = await self._language(tg_user)
            await self._quietly(bot.answer_callback_query(event.callback_query.id,
                                                          text=t(TOO_MANY_TAPS, lang)))
        elif decision.notify and chat is not None:
            lang = await self._language(tg_user)
            await self._quietly(bot.send_message(chat.id, t(TOO_MANY_MESSAGES, lang)))
        if decision.notify:
            log.info("flood guard: one person's updates dropped for now")
        return None

    async def _language(self, tg_user: User) -> str:
        lang = self._languages.get(tg_user.id)
        if lang is None:
            info = await self.directory.describe(tg_user.id)
            lang = ((info.language if info else None) or client_language(tg_user.language_code)
                    or self.default)
            self._languages[tg_user.id] = lang
            while len(self._languages) > 10_000:
                self._languages.popitem(last=False)
        return lang

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> None:
        try:
            await call
        except Exception as exc:  # a notice that could not be sent changes nothing
            log.info("flood guard notice not sent: %s", type(exc).__name__)


def _signals_crisis(event: Update) -> bool:
    message = event.message
    if message is None:
        return False
    text = message.text or message.caption or ""
    return bool(text) and not text.startswith("/") and bool(classify(text))


class UserLocaleMiddleware(BaseMiddleware):
    """Loads the user and sets `locale`: the stored choice, else a pl/uk/en client language
    (stored at once), else the default until the person picks one (`needs_language`)."""

    def __init__(self, directory: UserDirectory, default_language: str,
                 skip_chats: frozenset[int] = frozenset()) -> None:
        self.directory = directory
        self.default = default_language
        self.skip_chats = skip_chats  # chats whose members are not users (the staff group)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if tg_user is None or tg_user.is_bot or (chat is not None and chat.id in self.skip_chats):
            data.setdefault("locale", self.default)
            data.setdefault("needs_language", False)
            token = current_locale.set(data["locale"])
            try:
                return await handler(event, data)
            finally:
                current_locale.reset(token)
        user = await self.directory.seen(tg_user.id, tg_user.language_code)
        data["user"] = user
        data["needs_language"] = user.language is None
        data["locale"] = user.language or self.default
        token = current_locale.set(data["locale"])
        try:
            return await handler(event, data)
        finally:
            current_locale.reset(token)
