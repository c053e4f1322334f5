"""Keeps alive the classes aiogram parses Bot API answers into.

aiogram reads every answer as `Response[<the method's result type>]`, a pydantic generic
class made on first use. pydantic caches those classes in a WeakValueDictionary and nothing
else holds them, so every cyclic garbage collection may drop them, and the next answer builds
the class again: 3-6 ms of the event loop each time, on about 1.5 % of the answers (31 of
2,000 in one profile of button presses), which is where a press's p99 was. Holding each
class once it is made costs one dictionary lookup per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod
    from aiogram.methods.base import TelegramType


class KeepResponseTypes(BaseRequestMiddleware):
    def __init__(self) -> None:
        self.kept: dict[type, Any] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self.kept:
            self.kept[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
