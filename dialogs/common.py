"""Widgets and handlers shared by every dialog: Home, 🆘, the non-text hint, unknown commands."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button

from bot.i18n import gettext_ as t
from dialogs.crisis.open import open_crisis
from dialogs.faq.open import open_menu, open_search
from dialogs.widgets import T


def hint_for(message: Message, lang: str) -> str:
    kind = message.content_type
    if kind == ContentType.STICKER:
        return t("Nice sticker! I can only read text, though. Type your question in words, "
                 "or use the buttons.", lang)
    if kind in (ContentType.VOICE, ContentType.VIDEO_NOTE, ContentType.AUDIO):
        return t("I can't listen to voice or audio messages. Please type your question in "
                 "words, or use the buttons.", lang)
    if kind in (ContentType.PHOTO, ContentType.VIDEO, ContentType.DOCUMENT, ContentType.ANIMATION):
        return t("I can't look at photos, videos or files. Please type your question in words, "
                 "or use the buttons.", lang)
    if kind in (ContentType.LOCATION, ContentType.VENUE):
        return t("Thanks, but I don't use locations. Type your question in words, or open "
                 "the topics with /menu.", lang)
    return t("I can only read text. Type your question in words, or use the buttons.", lang)


async def reply_hint(message: Message, manager: DialogManager | None, lang: str) -> None:
    await message.answer(hint_for(message, lang))
    if manager is not None and manager.has_context():
        # Re-send the current screen below the hint so its buttons stay at hand.
        manager.show_mode = ShowMode.SEND


async def reply_unknown_command(message: Message, manager: DialogManager | None) -> None:
    lang = manager.middleware_data["locale"] if manager else "en"
    await message.answer(
        t("I don't know this command. Try /menu for the topics or /help.", lang)
    )
    if manager is not None and manager.has_context():
        manager.show_mode = ShowMode.SEND


async def on_other_content(message: Message, _widget: Any, manager: DialogManager) -> None:
    await reply_hint(message, manager, manager.middleware_data["locale"])


async def _go_home(_c: Any, _w: Any, manager: DialogManager) -> None:
    await open_menu(manager)


async def _text_elsewhere(message: Message, _widget: Any, manager: DialogManager) -> None:
    text = message.text or ""
    if text.startswith("/"):
        await reply_unknown_command(message, manager)
        return
    await open_search(manager, text)


async def _open_sos(_c: Any, _w: Any, manager: DialogManager) -> None:
    await open_crisis(manager)


def sos_button() -> Button:
    """🆘: the crisis lines, one tap from every screen (⬅️ Back there returns here)."""
    return Button(T("🆘 Help lines"), id="help_lines", on_click=_open_sos)


def home_button() -> Button:
    return Button(T("🏠 Home"), id="home", on_click=_go_home)


def search_inputs() -> list[MessageInput]:
    """Typed text searches the FAQ; anything else gets a hint. For dialogs other than the FAQ."""
    return [
        MessageInput(_text_elsewhere, content_types=[ContentType.TEXT]),
        MessageInput(on_other_content),
    ]
