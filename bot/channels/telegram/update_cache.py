"""Lets each Telegram update go once it is handled.

aiogram computes `Update.event_type` through `functools.lru_cache(128)` on the method, which
keys the cache by the Update itself: the last 128 updates stay alive, each with its whole
message and keyboard (about 40 objects for a Belong screen of 15 buttons). They outlive the
young generations of the garbage collector and make every collection walk them: 3.6 ms per
young collection against 0.6 ms for the bare aiogram bot, whose updates carry two buttons
(bench/profile_press.py). Emptying the cache after each update costs nothing that matters:
the next lookup recomputes a chain of attribute checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update


class ReleaseUpdates(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            Update.event_type.fget.cache_clear()  # type: ignore[attr-defined]
