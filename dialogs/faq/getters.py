"""Getters of the FAQ dialog: read the live catalog, return plain values to render."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot
from aiogram_dialog import DialogManager

from bot.content.service import ContentStore
from bot.i18n import gettext_ as t
from dialogs.faq.data import FaqView
from dialogs.faq.render import answer_html, label, section_html, share_url

EMERGENCY_SLUG = "emergency"


async def _bot_username(data: dict[str, Any]) -> str | None:
    if data.get("bot_username"):
        return data["bot_username"]
    bot: Bot | None = data.get("bot")
    if bot is None:
        return None
    me = await bot.me()  # aiogram caches this after the first call
    return me.username


async def menu_getter(dialog_manager: DialogManager, content: ContentStore, locale: str, **_: Any):
    catalog = await content.current()
    topics = [(root.slug, label(root, locale)) for root in catalog.roots]
    emergency = catalog.get(EMERGENCY_SLUG)
    first_answer = emergency.answers()[0] if emergency and emergency.answers() else None
    return {
        "topics": topics,
        "has_emergency": first_answer is not None,
        "emergency_slug": first_answer.slug if first_answer else "",
        "empty": not topics,
    }


async def node_getter(
    dialog_manager: DialogManager, content: ContentStore, locale: str, **kwargs: Any
):
    view = FaqView.load(dialog_manager.dialog_data)
    catalog = await content.current()
    node = catalog.get(view.current)
    if node is None:
        text = t("This page is no longer available. Here are the topics instead.", locale)
        return _section_view(text, catalog.roots, locale)
    if not node.is_answer:
        return _section_view(section_html(node, locale), node.children, locale)
    url = share_url(await _bot_username(kwargs), node, locale)
    more = view.more and node.more(locale) is not None
    return {
        "text": answer_html(node, locale, more=more),
        # The slug rides in the button, so a "More" under an older answer opens that answer.
        "more": [node.slug] if node.more(locale) is not None and not more else [],
        "children": [],
        "is_section": False,
        "is_answer": True,
        "can_rate": node.slug not in view.rated,
        "share_url": url or "",
        "has_share": bool(url),
        "write": [node.slug],  # "Write to us" under every answer
    }


def _section_view(text: str, children: list, locale: str) -> dict[str, Any]:
    return {
        "text": text,
        "children": [(child.slug, label(child, locale)) for child in children],
        "is_section": True,
        "is_answer": False,
        "more": [],
        "can_rate": False,
        "share_url": "",
        "has_share": False,
        "write": [],
    }


async def results_getter(
    dialog_manager: DialogManager, content: ContentStore, locale: str, **_: Any
):
    view = FaqView.load(dialog_manager.dialog_data)
    catalog = await content.current()
    hits = [catalog.get(slug) for slug in view.results]
    hits = [h for h in hits if h is not None]
    query = escape(view.query or "")
    return {
        "query": query,
        "hits": [(h.slug, label(h, locale)) for h in hits],
        "found": bool(hits),
        "not_found": not hits,
        "truncated": view.truncated,
        "topics": [(root.slug, label(root, locale)) for root in catalog.roots],
    }
