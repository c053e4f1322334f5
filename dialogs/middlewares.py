"""Per-update plumbing: one DB session, the user row, and the locale for rendering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import users
from bot.i18n import current_locale


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessions: async_sessionmaker) -> None:
        self.sessions = sessions

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.sessions() as session:
            data["session"] = session
            return await handler(event, data)


class UserLocaleMiddleware(BaseMiddleware):
    """Loads the user and sets `locale`: the stored choice, else a pl/uk/en client language
    (stored at once), else the default until the person picks one (`needs_language`)."""

    def __init__(self, default_language: str) -> None:
        self.default = default_language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: User | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot or "session" not in data:
            data.setdefault("locale", self.default)
            data.setdefault("needs_language", False)
            token = current_locale.set(data["locale"])
            try:
                return await handler(event, data)
            finally:
                current_locale.reset(token)
        session = data["session"]
        user, _created = await users.touch(session, tg_user.id)
        if user.language is None:
            guessed = users.client_language(tg_user.language_code)
            if guessed is not None:
                user.language = guessed
                await session.commit()
        data["user"] = user
        data["needs_language"] = user.language is None
        data["locale"] = user.language or self.default
        token = current_locale.set(data["locale"])
        try:
            return await handler(event, data)
        finally:
            current_locale.reset(token)
