"""Per-update plumbing: which chats the bot talks in, the flood guard, the user and the locale
for rendering, and one answer per button press, sent once the press's dialog state is stored."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatType
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject, Update, User

from bot.channels.telegram.identity import telegram_contact
from bot.i18n import _, current_locale
from bot.i18n import gettext_ as t
from bot.ratelimit import RateLimiter
from bot.safety.crisis import classify
from bot.users import UserDirectory, client_language

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


TOO_MANY_MESSAGES = _("⏳ Too many messages, please wait a moment.")
TOO_MANY_TAPS = _("⏳ Too many taps, please wait a moment.")


class FloodGuardMiddleware(BaseMiddleware):
    """One person's messages and button taps, through a per-person rate limit.

    Over the limit, a message gets one "please wait" per flood and is then dropped without
    a word; a button tap is always answered (a short notice), or the person's client keeps
    the button spinning. Other kinds of update (a block, the staff group, aiogram-dialog's
    background updates) are never limited. A message that signals a crisis is never dropped:
    it goes on to the crisis card however fast the person writes. It runs before the FSM lock
    and the user lookup, so a dropped update costs no database access (see build_dispatcher).
    The staff group's updates never get here: ChatGate, which runs first, hands them to the
    staff router."""

    def __init__(self, limiter: RateLimiter, directory: UserDirectory,
                 default_language: str) -> None:
        self.limiter = limiter
        self.directory = directory
        self.default = default_language
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
        if tg_user is None or tg_user.is_bot:
            return await handler(event, data)
        chat = data.get("event_chat")
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
            info = await self.directory.lookup(telegram_contact(tg_user.id))
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
    message = event.message or event.edited_message
    if message is None:
        return False
    text = message.text or message.caption or ""
    return bool(text) and not text.startswith("/") and bool(classify(text))


class UserLocaleMiddleware(BaseMiddleware):
    """Loads the user and sets `locale`: the stored choice, else a pl/uk/en client language
    (stored at once), else the default until the person picks one (`needs_language`).
    Whoever writes in the staff group is not a user and gets no row: ChatGate, which runs
    first, hands the group's updates to the staff router, so they never get here."""

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
        user = await self.directory.seen(telegram_contact(tg_user.id), tg_user.language_code)
        data["user"] = user
        data["needs_language"] = user.language is None
        data["locale"] = user.language or self.default
        token = current_locale.set(data["locale"])
        try:
            return await handler(event, data)
        finally:
            current_locale.reset(token)


# The answers to a press held back while its update is handled (AnswerAfterState).
_held: ContextVar[list[tuple[Any, Bot, AnswerCallbackQuery]] | None] = ContextVar(
    "held_callback_answers", default=None)


class AnswerCallbackOnce(BaseRequestMiddleware):
    """One answerCallbackQuery per button press, sent after the press's dialog state is stored.

    aiogram-dialog answers every press after its handler ran. A handler that shows a toast
    ("Thank you!", "This survey is closed.") answers first, and Telegram refused the second
    answer (logged as a warning, a wasted round trip). The first answer stands; a later one
    for the same query is not sent. Found by tests/test_fuzz_webhook.py.

    While an update is handled (AnswerAfterState), the answer is held and sent when the
    handling ends: aiogram-dialog answers inside its handler but stores the dialog state after
    it, so the answer (the end of the client's spinner: "done") came before the state was
    stored, and a bot killed between the two forgot a rating it had thanked the person for."""

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
        held = _held.get()
        if held is not None:
            held.append((make_request, bot, method))
            response = Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]
        else:
            response = await make_request(bot, method)
        self._answered[query_id] = None
        if len(self._answered) > self.remember:
            self._answered.popitem(last=False)
        return response


class AnswerAfterState(BaseMiddleware):
    """The outermost middleware on a button press: answers given while it is handled (see
    AnswerCallbackOnce) are sent when the handling has ended, the dialog state stored, also when
    the handling failed (the client's spinner must stop)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update) or event.callback_query is None:
            return await handler(event, data)
        held: list[tuple[Any, Bot, AnswerCallbackQuery]] = []
        token = _held.set(held)
        try:
            return await handler(event, data)
        finally:
            _held.reset(token)
            for make_request, bot, method in held:
                try:
                    await make_request(bot, method)
                except Exception as exc:  # a spinner left turning; the press itself took effect
                    log.info("button press answer not sent: %s", type(exc).__name__)
