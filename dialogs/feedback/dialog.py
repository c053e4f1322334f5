""""Write to us": one message (text, or a photo with or without caption) becomes a ticket.

The draft stays in dialog_data until the person presses Send, so a sticker, a voice message
or a too-long text on the way gets a hint and loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row
from aiogram_dialog.widgets.text import Format

from bot.config import Settings
from bot.feedback.service import (
    MAX_TEXT,
    TicketError,
    TicketLimitReached,
    TicketService,
    check_text,
    is_urgent,
)
from bot.feedback.staff_posts import StaffPoster
from bot.i18n import gettext_ as t
from bot.i18n import ngettext_
from dialogs.common import home_button, reply_unknown_command, search_inputs, sos_button
from dialogs.faq.open import open_faq_node, open_menu
from dialogs.feedback.data import FeedbackDraft
from dialogs.people import current_user_id
from dialogs.states import FeedbackSG
from dialogs.widgets import T

log = logging.getLogger(__name__)


def _locale(manager: DialogManager) -> str:
    return manager.middleware_data["locale"]


async def _hint(message: Message, manager: DialogManager, text: str) -> None:
    await message.answer(text)
    manager.show_mode = ShowMode.SEND  # the screen again below the hint, draft unchanged


def other_content_hint(kind: str, lang: str) -> str:
    if kind == ContentType.STICKER:
        return t("Stickers can't be passed on to staff. Please write your message in words, "
                 "or send a photo.", lang)
    if kind in (ContentType.VOICE, ContentType.VIDEO_NOTE, ContentType.AUDIO):
        return t("Voice and audio messages can't be passed on to staff. Please type your "
                 "message, or send a photo.", lang)
    if kind in (ContentType.DOCUMENT, ContentType.VIDEO, ContentType.ANIMATION):
        return t("Files and videos can't be passed on to staff. You can send a picture as a "
                 "photo (not as a file), or type your message.", lang)
    return t("Only text and photos can be passed on to staff. Please type your message, "
             "or send a photo.", lang)


def _problem(exc: TicketError, length: int, lang: str) -> str:
    if exc.code == "too_long":
        return t("Your message is too long ({length} characters). Please keep it under "
                 "{limit} characters: shorten it, or send the rest as a second ticket "
                 "afterwards.", lang, length=length, limit=MAX_TEXT)
    return t("Your message is empty. Please type a few words, or send a photo.", lang)


def limit_notice(exc: TicketLimitReached, lang: str, zone: ZoneInfo) -> str:
    """When the person can write again, in the region's local time: the clock time today,
    else the day and the time."""
    local = exc.retry_at.replace(tzinfo=dt.UTC).astimezone(zone)
    # A ticket cannot be opened before the limit lifts: round up to the next minute.
    local = (local + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    today = dt.datetime.now(zone).date()
    time = local.strftime("%H:%M") if local.date() == today else (
        f"{local.day}.{local.month:02d} {local:%H:%M}")
    if exc.period == "hour":
        return ngettext_("⏳ You can send up to {n} message to staff per hour, and that limit is "
                         "reached. You can send this one from {time}; it stays here until then.",
                         "⏳ You can send up to {n} messages to staff per hour, and that limit is "
                         "reached. You can send this one from {time}; it stays here until then.",
                         exc.limit, lang, time=time)
    return ngettext_("⏳ You can send up to {n} message to staff per day, and that limit is "
                     "reached. You can send this one from {time}; it stays here until then.",
                     "⏳ You can send up to {n} messages to staff per day, and that limit is "
                     "reached. You can send this one from {time}; it stays here until then.",
                     exc.limit, lang, time=time)


async def _take(message: Message, manager: DialogManager, text: str | None,
                photo: str | None) -> None:
    """Put what the person sent into the draft: text replaces the text, a photo the photo."""
    lang = _locale(manager)
    draft = FeedbackDraft.load(manager.dialog_data)
    if text is not None:
        try:
            draft.text = check_text(text, photo=bool(photo or draft.photo_file_id))
        except TicketError as exc:
            await _hint(message, manager, _problem(exc, len(text.strip()), lang))
            return
    if photo is not None:
        draft.photo_file_id = photo
    draft.save(manager.dialog_data)
    await manager.switch_to(FeedbackSG.confirm, show_mode=ShowMode.SEND)


async def on_text(message: Message, _w: Any, manager: DialogManager) -> None:
    text = message.text or ""
    if text.startswith("/"):
        if text.split()[0].split("@")[0].lower() == "/cancel":
            await _leave(manager, ShowMode.SEND)
        else:
            await reply_unknown_command(message, manager)
        return
    await _take(message, manager, text, None)


async def on_photo(message: Message, _w: Any, manager: DialogManager) -> None:
    photo = message.photo[-1].file_id if message.photo else None
    await _take(message, manager, message.caption, photo)


async def on_other(message: Message, _w: Any, manager: DialogManager) -> None:
    await _hint(message, manager, other_content_hint(message.content_type, _locale(manager)))


def _inputs() -> list[MessageInput]:
    return [
        MessageInput(on_text, content_types=[ContentType.TEXT]),
        MessageInput(on_photo, content_types=[ContentType.PHOTO]),
        MessageInput(on_other),
    ]


async def _leave(manager: DialogManager, show_mode: ShowMode | None = None) -> None:
    """Back to where "Write to us" was pressed; after a restart that lost it, the answer."""
    if len(manager.current_stack().intents) > 1:
        await manager.done(show_mode=show_mode)
        return
    draft = FeedbackDraft.load(manager.dialog_data)
    if draft.faq_slug:
        await open_faq_node(manager, draft.faq_slug, show_mode=show_mode)
    else:
        await open_menu(manager, show_mode=show_mode)


async def on_back(_c: CallbackQuery, _w: Any, manager: DialogManager) -> None:
    await _leave(manager)


async def on_send(callback: CallbackQuery, _w: Any, manager: DialogManager) -> None:
    draft = FeedbackDraft.load(manager.dialog_data)
    if draft.ticket is not None:  # a second tap on Send
        await manager.switch_to(FeedbackSG.sent)
        return
    tickets: TicketService = manager.middleware_data["tickets"]
    try:
        ticket = await tickets.open(current_user_id(manager), _locale(manager), draft.text,
                                    draft.photo_file_id, draft.faq_slug)
    except TicketLimitReached as exc:
        # The draft stays on the screen below the notice: Send works again from that time.
        settings: Settings = manager.middleware_data["settings"]
        if isinstance(callback.message, Message):
            await _hint(callback.message, manager,
                        limit_notice(exc, _locale(manager), ZoneInfo(settings.push_timezone)))
        return
    except TicketError:
        await manager.switch_to(FeedbackSG.write)
        return
    draft.ticket = ticket.number
    draft.save(manager.dialog_data)
    await manager.switch_to(FeedbackSG.sent)
    if ticket.repeated:  # Send again after an answer that was lost: the ticket is there
        log.info("ticket #%s: the same message sent again", ticket.number)
        return
    log.info("ticket #%s opened (lang=%s)", ticket.number, ticket.lang)
    # Posted now, through the same claim as tickets from other channels: once, whoever posts.
    poster: StaffPoster | None = manager.middleware_data.get("staff_poster")
    if poster is not None:
        await poster.post_pending()


async def on_start(start_data: Any, manager: DialogManager) -> None:
    data = start_data if isinstance(start_data, dict) else {}
    FeedbackDraft(faq_slug=data.get("slug")).save(manager.dialog_data)


async def draft_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    draft = FeedbackDraft.load(dialog_manager.dialog_data)
    return {
        "text": escape(draft.text),
        "has_text": bool(draft.text),
        "has_photo": bool(draft.photo_file_id),
        "number": draft.ticket or 0,
        "urgent": is_urgent(draft.text),
    }


def build_feedback_dialog() -> Dialog:
    return Dialog(
        Window(
            T("✍️ <b>Write to us</b>\n\n"
              "Send your question or feedback to the Belong team in one message. You can send "
              "a photo too (for example of a letter you don't understand), with a caption if "
              "you like.\n\n"
              "Staff see only a ticket number and your language, not your name or Telegram "
              "account. Please don't send passport or bank numbers."),
            Row(Button(T("⬅️ Back"), id="fb_back", on_click=on_back), sos_button()),
            *_inputs(),
            state=FeedbackSG.write,
        ),
        Window(
            T("📨 <b>Check your message</b>\n"),
            Format("{text}", when="has_text"),
            T("📷 A photo is attached.", when="has_photo"),
            T("\nSend it to staff? To change it, just send a new text or photo now."),
            Row(
                Button(T("✅ Send"), id="fb_send", on_click=on_send),
                Button(T("✖️ Cancel"), id="fb_cancel", on_click=on_back),
            ),
            sos_button(),
            *_inputs(),
            state=FeedbackSG.confirm,
            getter=draft_getter,
        ),
        Window(
            T("✅ <b>Thank you!</b> Your message is ticket #{number}.\n\n"
              "Staff usually reply within a few working days; the reply will come here, "
              "in this chat."),
            T("\n🆘 Staff read messages on working days only. If you or someone else is in "
              "danger now, call 112; the help lines are under 🆘 below.", when="urgent"),
            Row(Button(T("⬅️ Back"), id="fb_done", on_click=on_back), home_button()),
            sos_button(),
            *search_inputs(),  # after sending, typed text is a search again
            state=FeedbackSG.sent,
            getter=draft_getter,
        ),
        on_start=on_start,
    )

