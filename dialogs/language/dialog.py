"""Language picker: on first contact from a client in another language, and on /language."""

from __future__ import annotations

import logging
from operator import itemgetter
from typing import Any

from aiogram import Bot
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Group, Select
from aiogram_dialog.widgets.text import Const, Format

from bot.config import LANGUAGES
from bot.i18n import current_locale
from bot.users import UserDirectory
from dialogs.commands_menu import set_chat_commands
from dialogs.faq.open import open_faq_node, open_menu, open_search
from dialogs.faq.render import language_names
from dialogs.people import current_user_id
from dialogs.states import LanguageSG

log = logging.getLogger(__name__)

# Shown before we know which language the person reads, so it speaks all three.
PROMPT = (
    "🌐 <b>Оберіть мову</b> · <b>Proszę wybrać język</b> · <b>Choose your language</b>\n\n"
    "Українська · Polski · English"
)


async def _getter(**_: Any) -> dict[str, Any]:
    return {"languages": language_names()}


async def on_pick(callback: CallbackQuery, _widget: Any, manager: DialogManager, lang: str):
    if lang not in LANGUAGES:
        await callback.answer()
        return
    users: UserDirectory = manager.middleware_data["users"]
    await users.set_language(current_user_id(manager), lang)
    # The middleware chose a locale before this choice; re-render in the new one.
    manager.middleware_data["locale"] = lang
    current_locale.set(lang)
    bot: Bot = manager.middleware_data["bot"]
    await set_chat_commands(bot, callback.from_user.id, lang)
    then = manager.start_data if isinstance(manager.start_data, dict) else {}
    if then.get("slug"):
        await open_faq_node(manager, then["slug"])
    elif then.get("query"):
        await open_search(manager, then["query"])
    elif then.get("first") or len(manager.current_stack().intents) <= 1:
        await open_menu(manager)
    else:
        await manager.done()


async def on_text_before_choice(message: Message, _widget: Any, manager: DialogManager):
    then = manager.start_data if isinstance(manager.start_data, dict) else {}
    if message.text and not message.text.startswith("/") and then.get("first"):
        # Keep the question: it is answered as soon as a language is chosen.
        manager.start_data["query"] = message.text  # type: ignore[index]
    await message.answer(PROMPT)
    manager.show_mode = ShowMode.SEND


def build_language_dialog() -> Dialog:
    return Dialog(
        Window(
            Const(PROMPT),
            Group(
                Select(Format("{item[1]}"), id="l", item_id_getter=itemgetter(0),
                       items="languages", on_click=on_pick),
                width=3,
            ),
            MessageInput(on_text_before_choice),
            state=LanguageSG.pick,
            getter=_getter,
        )
    )
