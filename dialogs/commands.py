"""Plain handlers: commands (matched in any dialog state, so they are included before the
dialogs), the fallback for input outside any dialog, blocks, and stale buttons."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.filters.chat_member_updated import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import CallbackQuery, ChatMemberUpdated, ErrorEvent, Message
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState
from aiogram_dialog.utils import remove_intent_id

from bot.channels.telegram.filters import OnLoop
from bot.config import Settings
from bot.content.service import ContentStore
from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.users import UserDirectory, UserInfo
from dialogs.common import reply_hint, reply_unknown_command
from dialogs.crisis.open import open_crisis
from dialogs.faq.open import open_faq_node, open_menu, open_search
from dialogs.feedback.open import open_feedback
from dialogs.privacy.dialog import open_privacy
from dialogs.settings.dialog import open_settings
from dialogs.states import LanguageSG
from dialogs.survey.dialog import open_surveys

log = logging.getLogger(__name__)

DEEP_LINK = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Select widgets whose items are FAQ slugs: topics, children, search results.
NODE_BUTTON = re.compile(r"^(t|n|r|m):([a-z0-9][a-z0-9-]{0,63})$")  # m: "More" under an answer
# "✍️ Write to us": in the menu ("write") and under an answer ("w:<slug>").
WRITE_BUTTON = re.compile(r"^(?:write|w:([a-z0-9][a-z0-9-]{0,63}))$")

HELP_TEXT = _(
    "ℹ️ <b>How to use Belong</b>\n\n"
    "• Tap a topic and go deeper with the buttons. ⬅️ Back goes one step back, 🏠 Home to the topics.\n"
    "• Or type your question in your own words, for example: <i>how to register my address</i>.\n"
    "• Under every answer you find its source and the date it was checked.\n"
    "• ✍️ Write to us: a question or feedback for the Belong team. The reply comes here.\n\n"
    "Commands:\n"
    "/sos: crisis and emergency lines\n"
    "/menu: topics\n"
    "/surveys: short anonymous surveys\n"
    "/settings: notifications you get\n"
    "/language: change language\n"
    "/privacy: what the bot stores and why\n"
    "/mydata: what the bot holds about you\n"
    "/delete: delete your data\n\n"
    "In an emergency call <b>112</b>."
)

SOMETHING_WENT_WRONG = _("⚠️ Something went wrong on our side. Please try again in a moment.")
INLINE_BUTTON_TEXT = _("This button works only in the chat with Belong. Open the chat with the "
                       "bot and send /menu.")


def build_commands_router() -> Router:
    router = Router(name="commands")
    router.message.filter(OnLoop(F.chat.type == ChatType.PRIVATE))

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject, dialog_manager: DialogManager,
                    content: ContentStore, needs_language: bool) -> None:
        payload = (command.args or "").strip().lower()
        slug = payload if DEEP_LINK.match(payload) else None
        if slug:
            catalog = await content.current()
            if catalog.get(slug) is None:
                slug = None
        if needs_language:
            await dialog_manager.start(
                LanguageSG.pick, data={"first": True, "slug": slug}, mode=StartMode.RESET_STACK
            )
        elif slug:
            await open_faq_node(dialog_manager, slug)
        else:
            await open_menu(dialog_manager)

    @router.message(Command("menu"))
    async def menu(message: Message, dialog_manager: DialogManager, needs_language: bool):
        if not await _asked_language_first(dialog_manager, needs_language):
            await open_menu(dialog_manager)

    @router.message(Command("language"))
    async def language(message: Message, dialog_manager: DialogManager):
        has_stack = dialog_manager.has_context()
        await dialog_manager.start(
            LanguageSG.pick, data={"first": not has_stack},
            mode=StartMode.NORMAL if has_stack else StartMode.RESET_STACK,
            show_mode=ShowMode.SEND,
        )

    @router.message(Command("surveys"))
    async def surveys(message: Message, dialog_manager: DialogManager, needs_language: bool):
        if not await _asked_language_first(dialog_manager, needs_language):
            await open_surveys(dialog_manager)

    @router.message(Command("settings"))
    async def settings(message: Message, dialog_manager: DialogManager, needs_language: bool):
        if not await _asked_language_first(dialog_manager, needs_language):
            await open_settings(dialog_manager)

    @router.message(Command("help"))
    async def help_(message: Message, locale: str, dialog_manager: DialogManager):
        await message.answer(t(HELP_TEXT, locale))
        if dialog_manager.has_context():
            dialog_manager.show_mode = ShowMode.SEND
            await dialog_manager.show()

    @router.message(Command("sos"))
    async def sos(message: Message, dialog_manager: DialogManager):
        await open_crisis(dialog_manager, show_mode=ShowMode.SEND)

    @router.message(Command("privacy", "mydata"))
    async def privacy(message: Message, dialog_manager: DialogManager):
        await open_privacy(dialog_manager)

    @router.message(Command("delete"))
    async def delete(message: Message, dialog_manager: DialogManager):
        await open_privacy(dialog_manager, confirm_delete=True)

    # A button on a message sent in inline mode comes without the message, hence without a
    # chat: aiogram-dialog gives such a callback no dialog manager and no screen can be
    # shown under it. It is still answered, or the button would keep spinning.
    @router.callback_query(OnLoop(F.message.is_(None)))
    async def inline_button(callback: CallbackQuery, locale: str) -> None:
        await callback.answer(t(INLINE_BUTTON_TEXT, locale), show_alert=True)

    return router


async def _asked_language_first(manager: DialogManager, needs_language: bool) -> bool:
    """On first contact from a client in another language, ask for one of pl/uk/en first."""
    if needs_language:
        await manager.start(LanguageSG.pick, data={"first": True}, mode=StartMode.RESET_STACK)
    return needs_language


def build_fallback_router() -> Router:
    """Input that no dialog took: there is no dialog open for this chat."""
    router = Router(name="fallback")
    router.message.filter(OnLoop(F.chat.type == ChatType.PRIVATE))

    @router.message(OnLoop(F.text.startswith("/")))
    async def unknown_command(message: Message, dialog_manager: DialogManager):
        await reply_unknown_command(message, dialog_manager)

    @router.message(OnLoop(F.text))
    async def text(message: Message, dialog_manager: DialogManager, needs_language: bool):
        if needs_language:
            await dialog_manager.start(LanguageSG.pick, data={"first": True, "query": message.text},
                                       mode=StartMode.RESET_STACK)
            return
        await open_search(dialog_manager, message.text or "")

    @router.message()
    async def other(message: Message, locale: str, dialog_manager: DialogManager):
        await reply_hint(message, None, locale)

    @router.edited_message()
    async def edited(message: Message) -> None:
        # On purpose: an edit of an earlier question is not a new question. (An edit that
        # signals a crisis got the card from CrisisCardMiddleware before this handler.)
        log.debug("edited message ignored")

    @router.callback_query(OnLoop(F.message.is_(None)))
    async def button_without_chat(callback: CallbackQuery) -> None:
        # A button of an inline-mode message or a game: the query names no chat, so there is
        # no dialog manager and nowhere to show a screen; stop the client's spinner.
        await callback.answer()

    @router.callback_query()
    async def orphan_button(callback: CallbackQuery, dialog_manager: DialogManager) -> None:
        await recover_button(callback, dialog_manager)

    @router.my_chat_member(ChatMemberUpdatedFilter(KICKED))
    async def blocked(event: ChatMemberUpdated, users: UserDirectory, user: UserInfo) -> None:
        await users.set_blocked(user.user_id, True)
        log.info("a user blocked the bot")

    @router.my_chat_member(ChatMemberUpdatedFilter(MEMBER))
    async def unblocked(event: ChatMemberUpdated, users: UserDirectory, user: UserInfo) -> None:
        await users.set_blocked(user.user_id, False)

    return router


async def recover_button(callback: CallbackQuery, manager: DialogManager) -> None:
    """A button from an old message: open the current version of its node, else the menu."""
    _intent, data = remove_intent_id(callback.data or "")
    match = NODE_BUTTON.match(data)
    content: ContentStore = manager.middleware_data["content"]
    catalog = await content.current()
    slug = match.group(2) if match else None
    more = bool(match and match.group(1) == "m")
    try:
        await callback.answer()
    except Exception:  # the query may be too old to answer; the screen below still helps
        log.debug("old callback could not be answered")
    write = WRITE_BUTTON.match(data)
    if write:
        answer = write.group(1)
        await open_feedback(manager, answer if answer and catalog.get(answer) else None,
                            reset=True, show_mode=ShowMode.SEND)
        return
    if slug and catalog.get(slug) is not None:
        await open_faq_node(manager, slug, show_mode=ShowMode.SEND, more=more)
    else:
        await open_menu(manager, show_mode=ShowMode.SEND)


async def on_stale_intent(event: ErrorEvent, dialog_manager: DialogManager) -> None:
    log.info("stale dialog button: %s", type(event.exception).__name__)
    if event.update.callback_query is not None:
        await recover_button(event.update.callback_query, dialog_manager)
    elif event.update.message is not None:
        await open_menu(dialog_manager, show_mode=ShowMode.SEND)


async def on_unexpected_error(event: ErrorEvent, bot: Bot, settings: Settings,
                              locale: str | None = None) -> None:
    """The last resort: tell the person, answer the button so it stops spinning, and log
    what failed and where. Not the exception's message: it can carry what the person wrote
    (a validation error quotes its input, a database error its parameters)."""
    exc = event.exception
    causes = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 5:
        causes.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    log.error("update failed: %s%s\n%s", type(exc).__name__,
              f" (from {', '.join(causes)})" if causes else "",
              "".join(traceback.format_tb(exc.__traceback__)).rstrip())
    notice = t(SOMETHING_WENT_WRONG, locale or settings.default_language)
    update = event.update
    try:
        if update.callback_query is not None:
            await bot.answer_callback_query(update.callback_query.id, text=notice)
        elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
            await bot.send_message(update.message.chat.id, notice)
    except Exception as send_error:  # the button may have been answered already
        log.info("failure notice not sent: %s", type(send_error).__name__)


def register_error_handlers(router: Router) -> None:
    router.errors.register(
        on_stale_intent, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState)
    )
    router.errors.register(on_unexpected_error, ExceptionTypeFilter(Exception))


__all__: list[Any] = ["build_commands_router", "build_fallback_router", "register_error_handlers"]
