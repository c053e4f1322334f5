"""The 🆘 screen: every crisis line, one tap from any screen (the 🆘 button) and /sos."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Row
from aiogram_dialog.widgets.link_preview import LinkPreview
from aiogram_dialog.widgets.text import Format

from bot.content.service import ContentStore
from bot.safety.card import crisis_card
from dialogs.common import home_button, search_inputs
from dialogs.faq.open import open_faq_node, open_menu
from dialogs.states import CrisisSG
from dialogs.widgets import T

EMERGENCY_ANSWER = "emergency-numbers"  # the FAQ answer with 999, 998, 997 and what to say


async def card_getter(dialog_manager: DialogManager, locale: str, content: ContentStore,
                      **_: Any) -> dict[str, Any]:
    catalog = await content.current()
    return {"card": crisis_card(locale), "has_numbers": catalog.get(EMERGENCY_ANSWER) is not None}


async def on_numbers(_c: CallbackQuery, _w: Any, manager: DialogManager) -> None:
    await open_faq_node(manager, EMERGENCY_ANSWER)


async def on_back(_c: CallbackQuery, _w: Any, manager: DialogManager) -> None:
    if len(manager.current_stack().intents) > 1:
        await manager.done()
    else:
        await open_menu(manager)


def build_crisis_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{card}"),
            Button(T("🚑 Ambulance, police, fire: all numbers"), id="numbers",
                   on_click=on_numbers, when="has_numbers"),
            Row(Button(T("⬅️ Back"), id="sos_back", on_click=on_back), home_button()),
            LinkPreview(is_disabled=True),
            *search_inputs(),
            state=CrisisSG.card,
            getter=card_getter,
        ),
    )
