"""The Telegram staff group: each new ticket is posted to `STAFF_CHAT_ID`, and a staff
member's reply to such a post becomes a staff reply. Only the reply text (and photo) is kept,
with the author recorded as "telegram-group": never the staff member's Telegram name or id.
The bot writes in the group in STAFF_CHAT_LANGUAGE, whatever the person's language. Copies of
deleted tickets are removed from the group by `remove_pending`, which the reply courier runs
after each of its rounds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import struct
import zlib
from functools import cache
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto, Message

from bot.channels.telegram.filters import OnLoop
from bot.core.transport import TELEGRAM, Photo
from bot.db.models import utcnow
from bot.feedback.courier import ReplyCourier
from bot.feedback.service import (
    MAX_TEXT,
    MessageView,
    TicketError,
    TicketService,
    TicketView,
    is_stored,
)
from bot.i18n import _
from bot.i18n import gettext_ as t

log = logging.getLogger(__name__)

GROUP_AUTHOR = "telegram-group"
CAPTION_LIMIT = 1024
_POST_NUMBER = re.compile(r"#(\d+)")
# A removal that keeps failing for temporary reasons (Telegram unreachable) is retried every
# round for this long, then given up.
REMOVAL_RETRY_FOR = dt.timedelta(days=7)


class StaffChat:
    """Posts new tickets to the staff group and records replies made there."""

    def __init__(self, chat_id: int, tickets: TicketService, lang: str = "pl") -> None:
        self.chat_id, self.tickets, self.lang = chat_id, tickets, lang

    def t(self, msgid: str, **values: object) -> str:
        return t(msgid, self.lang, **values)

    def header(self, ticket: TicketView) -> str:
        where = f" · {ticket.faq_slug}" if ticket.faq_slug else ""
        head = self.t("📨 <b>Ticket #{number}</b>", number=ticket.number) + f" · {ticket.lang}{where}"
        if ticket.urgent:  # the person got the crisis card; staff should look first
            head = self.t("🆘 <b>URGENT</b>: the message may signal a crisis (the person was "
                          "shown the crisis lines)") + "\n" + head
        return head

    def board(self, bot: Bot):
        """The core's StaffPoster board (bot/feedback/staff_posts.py): posts to this group."""
        async def post(ticket: TicketView) -> str:
            return await self.post(bot, ticket)
        return post

    async def post(self, bot: Bot, ticket: TicketView) -> str:
        """Post the ticket: "posted", "failed" (the group refused it for good) or "later"."""
        first = ticket.first
        head = self.header(ticket)
        body = escape(first.text)
        photo_post: int | None = None
        hint = "\n\n<i>" + self.t("Reply to this message to answer the person.") + "</i>"
        image = await self._image(first)
        try:
            if image is not None:
                caption = f"{head}\n\n{body}" if body else head
                if len(caption) + len(hint) > CAPTION_LIMIT:
                    # The text is too long for a caption: the text post is the one to reply to.
                    photo = await bot.send_photo(self.chat_id, image, caption=head)
                    photo_post = photo.message_id
                    sent = await bot.send_message(self.chat_id, f"{head}\n\n{body}{hint}")
                else:
                    sent = await bot.send_photo(self.chat_id, image, caption=caption + hint)
            else:
                sent = await bot.send_message(self.chat_id, f"{head}\n\n{body}{hint}")
        except (TelegramRetryAfter, TelegramNetworkError, TelegramServerError) as exc:
            log.warning("ticket #%s not posted to the staff chat yet: %s", ticket.number,
                        type(exc).__name__)
            return "later"
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            # The ticket is stored and in the panel; the group copy is a convenience.
            log.warning("ticket #%s not posted to the staff chat: %s", ticket.number,
                        type(exc).__name__)
            return "failed"
        await self.tickets.set_staff_post(first.id, sent.message_id, photo_post)
        await self._post_more_photos(bot, ticket, head)
        return "posted"

    async def _image(self, message: MessageView) -> str | BufferedInputFile | None:
        if is_stored(message.photo_file_id):  # a Signal person's photo, kept as bytes
            stored = await self.tickets.photo(message.id)
            return BufferedInputFile(stored.data, stored.filename) if stored else None
        return message.photo_file_id

    async def _post_more_photos(self, bot: Bot, ticket: TicketView, head: str) -> None:
        """The further photos of a message that brought several (Signal): one post each,
        numbered, after the ticket's post. A reply to any of them answers the ticket. The
        ticket counts as posted even if one fails: the panel shows every photo."""
        more = [m for m in ticket.messages[1:] if m.author == "user" and m.photo_file_id]
        for i, message in enumerate(more, 2):
            image = await self._image(message)
            if image is None:
                continue
            try:
                sent = await bot.send_photo(self.chat_id, image,
                                            caption=f"{head} · 📷 {i}/{len(more) + 1}")
            except TelegramAPIError as exc:
                log.warning("photo %s of ticket #%s not posted to the staff chat: %s", i,
                            ticket.number, type(exc).__name__)
                continue
            await self.tickets.set_staff_post(message.id, sent.message_id)

    async def remove_pending(self, bot: Bot) -> int:
        """Remove the staff-group copies of deleted tickets (/delete, or the retention purge).

        A post is deleted; Telegram lets a bot delete messages only in their first 48 hours,
        so an older post is overwritten instead (its photo replaced by a blank image). A staff
        member's own reply can be deleted only if the bot is a group admin. Returns how many
        posts were removed or overwritten."""
        done = 0
        for removal in await self.tickets.staff_post_removals():
            outcome = await self._remove(bot, removal.chat_id, removal.message_id,
                                         removal.ticket_number, removal.kind)
            if outcome == "later" and utcnow() - removal.created_at < REMOVAL_RETRY_FOR:
                await self.tickets.finish_staff_post_removal(removal.id, retry=True)
                return done  # Telegram is busy or away: the rest wait for the next round too
            if outcome == "later":
                log.warning("staff group copy of ticket #%s: removal given up after %s tries",
                            removal.ticket_number, removal.attempts + 1)
            done += outcome == "removed"
            await self.tickets.finish_staff_post_removal(removal.id)
        return done

    async def _remove(self, bot: Bot, chat_id: int, message_id: int, number: int,
                      kind: str) -> str:
        """"removed", "kept" (it cannot be removed) or "later" (a temporary failure)."""
        notice = self.t("🗑 Ticket #{number}: removed (the person deleted their data, or the "
                        "ticket's retention period ended).", number=number)
        try:
            try:
                await bot.delete_message(chat_id, message_id)
                return "removed"
            except TelegramBadRequest as exc:
                if "not found" in exc.message:
                    return "removed"  # already gone (deleted by hand, or by a second worker)
                if kind == "reply":
                    return "kept"  # a staff member's message: only a group admin may delete it
            # Older than 48 hours: overwrite what the bot posted.
            if kind == "photo":
                await bot.edit_message_media(InputMediaPhoto(
                    media=BufferedInputFile(_blank_png(), "removed.png"), caption=notice),
                    chat_id=chat_id, message_id=message_id)
            else:
                await bot.edit_message_text(notice, chat_id=chat_id, message_id=message_id)
            return "removed"
        except (TelegramRetryAfter, TelegramNetworkError, TelegramServerError):
            return "later"
        except TelegramBadRequest as exc:
            if "not modified" in exc.message or "not found" in exc.message:
                return "removed"
            log.warning("staff group copy of ticket #%s not removed: %s", number, exc.message)
            return "kept"
        except TelegramForbiddenError:
            log.warning("staff group copy of ticket #%s not removed: the bot left the group",
                        number)
            return "kept"

    async def ticket_of(self, bot: Bot, post: Message) -> int | None:
        number = await self.tickets.ticket_for_staff_post(post.message_id)
        if number is not None:
            return number
        # A photo posted before its long text: only the bot's own posts count.
        me = await bot.me()
        if post.from_user is None or post.from_user.id != me.id:
            return None
        match = _POST_NUMBER.search(post.caption or post.text or "")
        if match and await self.tickets.get(int(match.group(1))) is not None:
            return int(match.group(1))
        return None

    async def _photo_bytes(self, bot: Bot, number: int, file_id: str) -> Photo | None:
        if await self.tickets.channel_of(number) in (None, TELEGRAM):
            return None
        try:
            data = await bot.download(file_id)
        except Exception as exc:  # the reply still goes, with the text
            log.warning("photo of a reply to ticket #%s not downloaded: %s", number,
                        type(exc).__name__)
            return None
        if data is None:
            return None
        raw = data.read()
        # Telegram re-encodes photos as JPEG; the fake server keeps what it was given.
        if raw.startswith(b"\x89PNG"):
            return Photo(raw, "image/png", "photo.png")
        return Photo(raw, "image/jpeg", "photo.jpg")

    def router(self) -> Router:
        """Every update from the staff group ends here, so none reaches the user dialogs."""
        router = Router(name="staff-chat")
        router.message.filter(OnLoop(F.chat.id == self.chat_id))
        router.edited_message.filter(OnLoop(F.chat.id == self.chat_id))
        router.callback_query.filter(OnLoop(F.message.chat.id == self.chat_id))

        @router.message(OnLoop(F.reply_to_message))
        async def staff_reply(message: Message, bot: Bot, courier: ReplyCourier | None = None):
            post = message.reply_to_message
            assert post is not None
            number = await self.ticket_of(bot, post)
            if number is None:
                return  # a reply to something else in the group: not for the bot
            text = message.text or message.caption or ""
            # The largest size Telegram made of the photo; the bot re-sends it by file id.
            photo = message.photo[-1].file_id if message.photo else None
            # A person on another channel (Signal) cannot get a Telegram file: the bytes go
            # with the reply.
            data = await self._photo_bytes(bot, number, photo) if photo else None
            try:
                await self.tickets.reply(number, text, GROUP_AUTHOR,
                                         staff_chat_message_id=message.message_id,
                                         photo_file_id=photo, photo=data)
            except TicketError as exc:
                reason = (self.t("The reply is empty: only text or a photo can be sent to the "
                                 "person.") if exc.code == "empty" else
                          self.t("The reply is longer than {limit} characters; please shorten "
                                 "it.", limit=MAX_TEXT))
                await message.reply("⚠️ " + self.t("Ticket #{number}", number=number)
                                    + f": {reason}")
                return
            log.info("staff group reply recorded for ticket #%s", number)
            if courier is not None:
                await courier.deliver_pending()
            view = await self.tickets.get(number)
            last = view.messages[-1] if view else None
            outcome = {"sent": _("✅ Reply to ticket #{number} delivered."),
                       "failed": _("✅ Reply to ticket #{number} could not be delivered (the "
                                   "person blocked the bot or deleted their data).")}.get(
                last.delivery if last else "",
                _("✅ Reply to ticket #{number} saved; it will be delivered shortly."))
            await message.reply(self.t(outcome, number=number))

        @router.message()
        async def ignore(_message: Message) -> None:
            return

        @router.edited_message()
        async def ignore_edit(_message: Message) -> None:
            return

        @router.callback_query()
        async def ignore_button(callback: CallbackQuery) -> None:
            with contextlib.suppress(Exception):
                await callback.answer()

        return router


@cache
def _blank_png(side: int = 64) -> bytes:
    """A plain grey square: what a removed photo in the staff group is replaced with."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\xc8" * side for _ in range(side))  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
