"""Per-update plumbing: which chats the bot talks in, the user and the locale for rendering."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Router
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatType
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject, Update, User

from bot.i18n import current_locale
from bot.users import UserDirectory

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)
_SHARED_CHATS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL})


class ChatGate(BaseMiddleware):
    """Private chats go on to the dialogs; the staff group goes to its own router; any other
    group or channel the bot was added to gets nothing.

    aiogram-dialog keys every dialog by chat and user and fails on a message without a user,
    which is what an anonymous group admin or a channel sends; and a person who removed the
    bot from some group must not be taken for one who blocked it. So updates from chats that
    are not private are settled here, before aiogram-dialog's middlewares see them. Updates
    without a chat (inline queries, poll answers) go on: no dialog takes them."""

    def __init__(self, staff_router: Router | None = None, staff_chat_id: int | None = None):
        self.staff_router, self.staff_chat_id = staff_router, staff_chat_id

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        # Not `!= PRIVATE`: aiogram-dialog's background updates carry a chat of type "".
        if chat is None or chat.type not in _SHARED_CHATS:
            return await handler(event, data)
        if self.staff_router is not None and chat.id == self.staff_chat_id \
                and isinstance(event, Update):
            return await self.staff_router.propagate_event(
                event.event_type, event.event, **{**data, "event_update": event})
        log.debug("update from a %s chat ignored", chat.type)
        return UNHANDLED


class UserLocaleMiddleware(BaseMiddleware):
    """Loads the user and sets `locale`: the stored choice, else a pl/uk/en client language
    (stored at once), else the default until the person picks one (`needs_language`)."""

    def __init__(self, directory: UserDirectory, default_language: str) -> None:
        self.directory = directory
        self.default = default_language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: User | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
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


class AnswerCallbackOnce(BaseRequestMiddleware):
    """One answerCallbackQuery per button press.

    aiogram-dialog answers every press after its handler ran. A handler that shows a toast
    ("Thank you!", "This survey is closed.") answers first, and Telegram refused the second
    answer (logged as a warning, a wasted round trip). The first answer stands; a later one
    for the same query is not sent. Found by tests/test_fuzz_webhook.py."""

    def __init__(self, remember: int = 10_000) -> None:
        self.remember = remember
        self._answered: OrderedDict[str, None] = OrderedDict()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)
        query_id = method.callback_query_id
        if query_id in self._answered:
            return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]
        response = await make_request(bot, method)
        self._answered[query_id] = None
        if len(self._answered) > self.remember:
            self._answered.popitem(last=False)
        return response
