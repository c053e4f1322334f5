"""One generic dialog renders any FAQ node: content is data, adding a topic needs no code."""

from __future__ import annotations

from operator import itemgetter

from aiogram.enums import ContentType
from aiogram_dialog import Dialog, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Row, ScrollingGroup, Select, Start, Url
from aiogram_dialog.widgets.text import Format

from dialogs.common import on_other_content, sos_button
from dialogs.faq import getters, handlers
from dialogs.states import FaqSG, LanguageSG, PrivacySG, SurveySG
from dialogs.widgets import T

PAGE = 8


def _inputs() -> list[MessageInput]:
    return [
        MessageInput(handlers.on_text, content_types=[ContentType.TEXT]),
        MessageInput(on_other_content),
    ]


def _nav() -> Row:
    return Row(
        Button(T("⬅️ Back"), id="back", on_click=handlers.on_back),
        Button(T("🏠 Home"), id="home", on_click=handlers.on_home),
    )


def build_faq_dialog() -> Dialog:
    menu = Window(
        T("👋 <b>Belong</b>: help for people who moved to Pomorskie.\n\n"
          "Choose a topic, or just type your question in your own words."),
        T("\n⚠️ The answers are being updated. Please try again in a few minutes.", when="empty"),
        # The FAQ's emergency answer (112, 999, 998, 997) and the crisis lines card.
        Row(Button(T("🆘 Emergency numbers"), id="sos", on_click=handlers.on_emergency,
                   when="has_emergency"), sos_button()),
        Group(
            Select(Format("{item[1]}"), id="t", item_id_getter=itemgetter(0), items="topics",
                   on_click=handlers.on_pick_node),
            width=2,
        ),
        # Callback data "write" (and "w:<slug>" under answers) is recognised by the stale-button
        # recovery in dialogs/commands.py.
        Button(T("✍️ Write to us"), id="write", on_click=handlers.on_write),
        Row(
            Start(T("📊 Surveys"), id="surv", state=SurveySG.list),
            Start(T("🌐 Language"), id="lang", state=LanguageSG.pick),
            Start(T("🔒 Privacy"), id="priv", state=PrivacySG.info),
        ),
        *_inputs(),
        state=FaqSG.menu,
        getter=getters.menu_getter,
    )
    node = Window(
        Format("{text}"),
        ScrollingGroup(
            Select(Format("{item[1]}"), id="n", item_id_getter=itemgetter(0), items="children",
                   on_click=handlers.on_pick_node),
            id="pages", width=1, height=PAGE, hide_on_single_page=True, when="is_section",
        ),
        Row(
            Button(T("👍 Helpful"), id="up", on_click=handlers.on_rate),
            Button(T("👎 Not helpful"), id="down", on_click=handlers.on_rate),
            when="can_rate",
        ),
        Url(T("📤 Share"), Format("{share_url}"), id="share", when="has_share"),
        Select(T("✍️ Write to us"), id="w", item_id_getter=str, items="write",
               on_click=handlers.on_write),
        _nav(),
        sos_button(),
        *_inputs(),
        state=FaqSG.node,
        getter=getters.node_getter,
    )
    results = Window(
        T("🔎 Results for «{query}»:", when="found"),
        T("🔎 I found nothing for «{query}». Try other words, or choose a topic:",
          when="not_found"),
        T("(Your message was long, so I searched only its beginning.)", when="truncated"),
        Group(
            Select(Format("{item[1]}"), id="r", item_id_getter=itemgetter(0), items="hits",
                   on_click=handlers.on_pick_node),
            width=1, when="found",
        ),
        Group(
            Select(Format("{item[1]}"), id="t", item_id_getter=itemgetter(0), items="topics",
                   on_click=handlers.on_pick_node),
            width=2, when="not_found",
        ),
        Row(Button(T("🏠 Home"), id="home", on_click=handlers.on_home), sos_button()),
        *_inputs(),
        state=FaqSG.results,
        getter=getters.results_getter,
    )
    return Dialog(menu, node, results, on_start=handlers.on_start)
