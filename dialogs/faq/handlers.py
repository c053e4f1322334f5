"""Handlers of the FAQ dialog."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode

from bot.content.service import ContentStore
from bot.i18n import gettext_ as t
from bot.safety.crisis import classify
from dialogs.faq.data import RESULTS, FaqView
from dialogs.feedback.open import open_feedback
from dialogs.states import FaqSG

log = logging.getLogger(__name__)

MAX_QUERY = 300


async def show_node(manager: DialogManager, slug: str, *, remember: bool = True) -> None:
    view = FaqView.load(manager.dialog_data)
    if remember:
        if manager.current_context().state == FaqSG.results:
            view.push(RESULTS)
        elif view.current and view.current != slug:
            view.push(view.current)
    view.current = slug
    view.more = False
    view.save(manager.dialog_data)
    await manager.switch_to(FaqSG.node)


async def on_more(callback: CallbackQuery, _widget: Any, manager: DialogManager, slug: str):
    """ "More" under an answer: its details, read from the current catalog (an old button
    shows the current text); ⬅️ Back returns to the short screen."""
    content: ContentStore = manager.middleware_data["content"]
    node = (await content.current()).get(slug)
    if node is None or not node.is_answer:
        await callback.answer()
        return
    view = FaqView.load(manager.dialog_data)
    if view.current and view.current != slug:
        view.push(view.current)
    view.current = slug
    view.more = True
    view.save(manager.dialog_data)
    await manager.switch_to(FaqSG.node)


async def on_pick_node(callback: CallbackQuery, _widget: Any, manager: DialogManager, slug: str):
    if manager.current_context().state == FaqSG.menu:
        view = FaqView.load(manager.dialog_data)
        view.history.clear()
        view.current = None
        view.save(manager.dialog_data)
    await show_node(manager, slug)


async def on_emergency(callback: CallbackQuery, _widget: Any, manager: DialogManager):
    content: ContentStore = manager.middleware_data["content"]
    catalog = await content.current()
    root = catalog.get("emergency")
    if root is None or not root.answers():
        await callback.answer()
        return
    view = FaqView(current=None)
    view.save(manager.dialog_data)
    await show_node(manager, root.answers()[0].slug)


async def on_back(callback: CallbackQuery, _widget: Any, manager: DialogManager):
    view = FaqView.load(manager.dialog_data)
    if view.more:
        view.more = False
        view.save(manager.dialog_data)
        await manager.switch_to(FaqSG.node)
        return
    content: ContentStore = manager.middleware_data["content"]
    catalog = await content.current()
    while view.history:
        entry = view.history.pop()
        if entry == RESULTS and view.query is not None:
            view.current = None
            view.save(manager.dialog_data)
            await manager.switch_to(FaqSG.results)
            return
        if catalog.get(entry) is not None:
            view.current = entry
            view.save(manager.dialog_data)
            await manager.switch_to(FaqSG.node)
            return
    # No history left: go up the tree, or home from a root topic.
    node = catalog.get(view.current)
    if node is not None and node.parent is not None:
        view.current = node.parent.slug
        view.save(manager.dialog_data)
        await manager.switch_to(FaqSG.node)
        return
    await on_home(callback, _widget, manager)


async def on_write(_c: CallbackQuery, _widget: Any, manager: DialogManager, slug: str = ""):
    await open_feedback(manager, slug or None)


async def on_home(_event: Any, _widget: Any, manager: DialogManager):
    FaqView().save(manager.dialog_data)
    await manager.switch_to(FaqSG.menu)


async def on_rate(callback: CallbackQuery, widget: Any, manager: DialogManager):
    view = FaqView.load(manager.dialog_data)
    slug = view.current
    if not slug or slug in view.rated:
        await callback.answer()
        return
    content: ContentStore = manager.middleware_data["content"]
    locale: str = manager.middleware_data["locale"]
    value = 1 if widget.widget_id == "up" else -1
    stored = await content.record_rating(slug, value)
    view.rated.append(slug)
    view.save(manager.dialog_data)
    await callback.answer(t("Thank you! Your rating helps us improve the answers.", locale) if stored else "")


async def run_search(manager: DialogManager, query: str) -> None:
    content: ContentStore = manager.middleware_data["content"]
    locale: str = manager.middleware_data["locale"]
    text = " ".join(query.split())
    view = FaqView.load(manager.dialog_data)
    view.truncated = len(text) > MAX_QUERY
    text = text[:MAX_QUERY]
    hits = await content.search(text, locale, limit=5)
    view.query = text
    view.results = [h.slug for h in hits]
    view.history.clear()
    view.current = None
    view.save(manager.dialog_data)
    # A crisis message is not a content gap: staff must not read it in the gap list.
    if not hits and not classify(text):
        await content.record_gap(text, locale)
    log.info("search: lang=%s hits=%d", locale, len(hits))
    await manager.switch_to(FaqSG.results, show_mode=ShowMode.SEND)


async def on_text(message: Message, _widget: Any, manager: DialogManager):
    """Typed text on any FAQ screen: a search (or an unknown command)."""
    from dialogs.common import reply_unknown_command

    text = message.text or ""
    if text.startswith("/"):
        await reply_unknown_command(message, manager)
        return
    if not text.strip():
        manager.show_mode = ShowMode.SEND
        return
    await run_search(manager, text)


async def on_start(start_data: Any, manager: DialogManager):
    data = start_data if isinstance(start_data, dict) else {}
    if data.get("query"):
        await run_search(manager, data["query"])
    elif data.get("slug"):
        FaqView(current=data["slug"], more=bool(data.get("more"))).save(manager.dialog_data)
