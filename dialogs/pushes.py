"""Buttons inside scheduled pushes ("push:<action>:<value>", see bot/channels/telegram/transport.py).

A push is not a dialog message, so its buttons carry no dialog intent: this router, included
before the dialogs, opens the right dialog whatever state the person's stack is in. The push
itself stays in the chat; the dialog comes as a new message.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode

from bot.broadcast.render import ACTION_FAQ, ACTION_SURVEY
from bot.channels.telegram.filters import OnLoop
from bot.channels.telegram.transport import CALLBACK_PREFIX
from bot.content.service import ContentStore
from dialogs.faq.open import open_faq_node, open_menu
from dialogs.survey.dialog import open_survey_wave, parse_wave_id

log = logging.getLogger(__name__)


def build_pushes_router() -> Router:
    router = Router(name="pushes")
    # A push is always a message in a chat; a query without one is the fallback's.
    router.callback_query.filter(OnLoop(F.message))

    @router.callback_query(OnLoop(F.data.startswith(f"{CALLBACK_PREFIX}:")))
    async def push_button(callback: CallbackQuery, dialog_manager: DialogManager,
                          content: ContentStore) -> None:
        _prefix, action, value = [*(callback.data or "").split(":", 2), "", ""][:3]
        try:
            await callback.answer()
        except Exception:  # an old push: the query may be too old to answer
            log.debug("push button query could not be answered")
        wave_id = parse_wave_id(value) if action == ACTION_SURVEY else None
        if wave_id is not None:
            await open_survey_wave(dialog_manager, wave_id, show_mode=ShowMode.SEND)
        elif action == ACTION_FAQ and (await content.current()).get(value) is not None:
            await open_faq_node(dialog_manager, value, show_mode=ShowMode.SEND)
        else:
            await open_menu(dialog_manager, show_mode=ShowMode.SEND)

    return router
