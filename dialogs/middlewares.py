"""Per-update plumbing: the user and the locale for rendering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.i18n import current_locale
from bot.users import UserDirectory


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
