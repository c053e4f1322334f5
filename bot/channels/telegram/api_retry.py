"""Bot API calls retried through short failures of Telegram.

Without this, one 5xx (or a 429, or a dropped connection) on the edit that draws the next
screen fails the whole update: the person gets "something went wrong" instead of the
answer, the dialog state is not saved, and what the handler stored (a ticket) is done again
when they tap again. So the bot's own calls are retried with a growing pause for a bounded
time (`budget`, 10 s: a button's answer is still useful then, and Telegram drops callback
queries older than about 15 s); after that the error goes to the caller as before.

- 5xx and 429 are retried (a 429 after its retry_after, if that fits in the budget).
- A network error is retried when the request cannot have reached Telegram (no connection);
  after a timeout or a dropped connection the call may have been executed, so only methods
  whose repetition changes nothing visible are retried: sending a message twice would show
  it twice. An edit done twice is answered "message is not modified" the second time, which
  aiogram-dialog takes as done.
- getUpdates is left alone: aiogram's polling has its own backoff.

Pushes and staff replies (bot/channels/telegram/transport.py) do not go through aiogram and
have their own retries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiohttp import ClientConnectorError

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

# Calls that create something the person sees: never repeated when they may have arrived.
_CREATING = ("send", "copy", "forward")


def _repeatable(method_name: str, exc: TelegramNetworkError) -> bool:
    if isinstance(exc.__cause__, ClientConnectorError):
        return True  # no connection was made: the call did not reach Telegram
    return not method_name.startswith(_CREATING)


class BotApiRetry(BaseRequestMiddleware):
    def __init__(self, budget: float = 10.0, first_pause: float = 0.25,
                 max_pause: float = 3.0) -> None:
        self.budget, self.first_pause, self.max_pause = budget, first_pause, max_pause

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        name = method.__api_method__
        if name == "getUpdates":
            return await make_request(bot, method)
        deadline = time.monotonic() + self.budget
        pause = self.first_pause
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                failure: Exception = exc
                wait, error = float(exc.retry_after), "429"
            except TelegramServerError as exc:
                failure, wait, error = exc, pause, "5xx"
            except TelegramNetworkError as exc:
                if not _repeatable(name, exc):
                    raise
                failure, wait, error = exc, pause, "network"
            if time.monotonic() + wait > deadline:
                raise failure
            log.info("Bot API %s failed (%s); retrying in %.1f s", name, error, wait)
            await asyncio.sleep(wait)
            pause = min(pause * 2, self.max_pause)
