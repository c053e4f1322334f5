"""/settings: which pushes a person gets (survey invitations, news per topic) and mute all."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Group, Row, Select
from aiogram_dialog.widgets.text import Format

from bot.content.service import ContentStore
from bot.i18n import gettext_ as t
from bot.users_prefs import GENERAL, PushPreferences
from dialogs.common import home_button, search_inputs, sos_button
from dialogs.faq.render import label
from dialogs.people import current_user_id
from dialogs.states import SettingsSG
from dialogs.widgets import T

ON, OFF = "✅", "▫️"


async def topic_choices(content: ContentStore, lang: str) -> list[tuple[str, str]]:
    """(topic, title) of every news topic, in the person's language."""
    catalog = await content.current()
    return [(GENERAL, t("General news", lang))] + [
        (root.slug, label(root, lang)) for root in catalog.roots]


async def settings_getter(dialog_manager: DialogManager, prefs: PushPreferences,
                          content: ContentStore, locale: str, **_: Any) -> dict[str, Any]:
    user_id = current_user_id(dialog_manager)
    mine = await prefs.get(user_id)
    topics = [(slug, title, ON if slug in mine.topics else OFF)
              for slug, title in await topic_choices(content, locale)]
    return {
        "topics": topics,
        "invites_on": mine.survey_invites,
        "invites_off": not mine.survey_invites,
        "muted": mine.muted,
        "not_muted": not mine.muted,
    }


def _prefs(manager: DialogManager) -> PushPreferences:
    return manager.middleware_data["prefs"]


async def on_invites(callback: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    await _prefs(manager).set_survey_invites(current_user_id(manager), widget.widget_id == "inv_on")


async def on_mute(callback: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    await _prefs(manager).set_muted(current_user_id(manager), widget.widget_id == "mute")


async def on_topic(callback: CallbackQuery, _w: Any, manager: DialogManager, topic: str) -> None:
    prefs = _prefs(manager)
    mine = await prefs.get(current_user_id(manager))
    await prefs.set_topic(current_user_id(manager), topic, topic not in mine.topics)


def build_settings_dialog() -> Dialog:
    return Dialog(
        Window(
            T("⚙️ <b>Notifications</b>\n\n"
              "Choose what the bot may send you on its own. It never sends advertising."),
            T("\n🔕 <b>All notifications are muted.</b> Your choices below are kept and "
              "count again when you unmute.", when="muted"),
            T("\n📰 News by topic: tap a topic to turn it on (✅) or off."),
            Button(T("📊 Survey invitations: on ✅"), id="inv_off", on_click=on_invites,
                   when="invites_on"),
            Button(T("📊 Survey invitations: off ▫️"), id="inv_on", on_click=on_invites,
                   when="invites_off"),
            Group(Select(Format("{item[2]} {item[1]}"), id="topic", item_id_getter=itemgetter(0),
                         items="topics", on_click=on_topic), width=2),
            Button(T("🔕 Mute all"), id="mute", on_click=on_mute, when="not_muted"),
            Button(T("🔔 Unmute"), id="unmute", on_click=on_mute, when="muted"),
            Row(home_button(), sos_button()),
            *search_inputs(),
            state=SettingsSG.main,
            getter=settings_getter,
        ),
    )


async def open_settings(manager: DialogManager) -> None:
    await manager.start(SettingsSG.main, mode=StartMode.RESET_STACK)
