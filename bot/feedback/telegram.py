"""The Telegram edge of feedback: delivering staff replies, and the optional staff group.

`ReplyCourier` sends staff replies saved by the panel or the staff group to the person's chat,
in their language, with the ticket number. It runs right after a reply is saved in this
process and every few seconds in the background, which picks up replies another process
saved (a second worker, the CLI). Each reply is claimed with a lease (TicketService.
claim_pending): a courier killed mid-send leaves its replies to the others once the lease
runs out, and nobody takes over a reply a live courier is sending.

`StaffChat` posts each new ticket to the staff group (`STAFF_CHAT_ID`) and turns a staff
member's reply to such a post into a staff reply. Only the reply text is kept, with the
author recorded as "telegram-group": never the staff member's Telegram name or id.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import socket
import struct
import time
import uuid
import zlib
from functools import cache
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto, Message

from bot.db.models import utcnow
from bot.feedback.service import (
    DEFAULT_LEASE,
    MAX_TEXT,
    TicketError,
    TicketService,
    TicketView,
)
from bot.i18n import gettext_ as t
from bot.users import UserDirectory

log = logging.getLogger(__name__)

GROUP_AUTHOR = "telegram-group"
CAPTION_LIMIT = 1024
_POST_NUMBER = re.compile(r"#(\d+)")
# A removal that keeps failing for temporary reasons (Telegram unreachable) is retried every
# round for this long, then given up.
REMOVAL_RETRY_FOR = dt.timedelta(days=7)


def reply_text(number: int, text: str, lang: str) -> str:
    return (t("💬 <b>Reply to your ticket #{number}</b>", lang, number=number) + "\n\n"
            + escape(text) + "\n\n"
            + t("To write again, use the ✍️ Write to us button.", lang))


def worker_name() -> str:
    """Who holds a lease: this host and process, plus a random part (pids repeat in
    containers)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ReplyCourier:
    def __init__(self, bot: Bot, tickets: TicketService, users: UserDirectory,
                 interval: float = 3.0, staff_chat: StaffChat | None = None,
                 lease: dt.timedelta = DEFAULT_LEASE, batch: int = 10) -> None:
        self.bot, self.tickets, self.users, self.interval = bot, tickets, users, interval
        self.staff_chat = staff_chat  # its copies of deleted tickets are removed each round
        self.lease, self.batch = lease, batch
        self.worker = worker_name()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Deliver soon, without waiting for the next round."""
        self._wake.set()

    async def deliver_pending(self) -> int:
        """Send every pending reply now; returns how many were delivered."""
        delivered = 0
        async with self._lock:
            while True:
                batch = await self.tickets.claim_pending(self.worker, self.lease, self.batch)
                if not batch:
                    return delivered
                # Send only while the lease surely holds: past it another courier may have
                # claimed the rest, which then comes back to us (or it) in the next claim.
                until = time.monotonic() + self.lease.total_seconds() * 0.8
                for i, reply in enumerate(batch):
                    if time.monotonic() > until:  # give the rest back while they are ours
                        for left in batch[i:]:
                            await self.tickets.release(left.message_id, self.worker)
                        break
                    outcome = await self._send(reply.tg_user_id, reply.ticket_number,
                                               reply.text, reply.lang)
                    if outcome == "sent":
                        await self.tickets.mark_delivered(reply.message_id)
                        delivered += 1
                    elif outcome == "failed":
                        await self.tickets.mark_failed(reply.message_id)
                    else:  # temporary: give back this one and the rest, try next round
                        for left in batch[i:]:
                            await self.tickets.release(left.message_id, self.worker)
                        return delivered

    async def _send(self, chat_id: int, number: int, text: str, lang: str) -> str:
        try:
            await self.bot.send_message(chat_id, reply_text(number, text, lang))
        except TelegramForbiddenError:
            await self.users.set_blocked(chat_id, True)
            log.info("reply to ticket #%s not delivered: the user blocked the bot", number)
            return "failed"
        except TelegramBadRequest as exc:
            log.warning("reply to ticket #%s not delivered: %s", number, exc.message)
            return "failed"
        except TelegramRetryAfter as exc:
            log.info("reply delivery paused for %ss (flood control)", exc.retry_after)
            return "later"
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("reply delivery failed for now: %s", type(exc).__name__)
            return "later"
        log.info("reply to ticket #%s delivered", number)
        return "sent"

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver in the background until `stop` is set. Replies a stopped courier left
        "sending" are taken over when their lease runs out, not on start: the process that
        claimed them may be alive and sending them right now."""
        while not stop.is_set():
            try:
                await self.deliver_pending()
                if self.staff_chat is not None:
                    await self.staff_chat.remove_pending(self.bot)
            except Exception:  # the database may be busy; the next round tries again
                log.exception("reply delivery round failed")
            self._wake.clear()
            waiters = {asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())}
            _done, pending = await asyncio.wait(waiters, timeout=self.interval,
                                                return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class StaffChat:
    """Posts new tickets to the staff group and records replies made there."""

    def __init__(self, chat_id: int, tickets: TicketService) -> None:
        self.chat_id, self.tickets = chat_id, tickets

    @staticmethod
    def header(ticket: TicketView) -> str:
        where = f" · {ticket.faq_slug}" if ticket.faq_slug else ""
        head = f"📨 <b>Ticket #{ticket.number}</b> · {ticket.lang}{where}"
        if ticket.urgent:  # the person got the crisis card; staff should look first
            head = ("🆘 <b>URGENT</b>: the message may signal a crisis (the person was shown "
                    "the crisis lines)\n" + head)
        return head

    async def post(self, bot: Bot, ticket: TicketView) -> None:
        first = ticket.first
        head = self.header(ticket)
        body = escape(first.text)
        photo_post: int | None = None
        hint = "\n\n<i>Reply to this message to answer the person.</i>"
        try:
            if first.photo_file_id:
                caption = f"{head}\n\n{body}" if body else head
                if len(caption) + len(hint) > CAPTION_LIMIT:
                    # The text is too long for a caption: the text post is the one to reply to.
                    photo = await bot.send_photo(self.chat_id, first.photo_file_id, caption=head)
                    photo_post = photo.message_id
                    sent = await bot.send_message(self.chat_id, f"{head}\n\n{body}{hint}")
                else:
                    sent = await bot.send_photo(self.chat_id, first.photo_file_id,
                                                caption=caption + hint)
            else:
                sent = await bot.send_message(self.chat_id, f"{head}\n\n{body}{hint}")
        except Exception as exc:  # the ticket is stored; the group copy is a convenience
            log.warning("ticket #%s not posted to the staff chat: %s", ticket.number,
                        type(exc).__name__)
            return
        await self.tickets.set_staff_post(first.id, sent.message_id, photo_post)

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
        notice = (f"🗑 Ticket #{number}: removed (the person deleted their data, or the "
                  "ticket's retention period ended).")
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

    def router(self) -> Router:
        """Every update from the staff group ends here, so none reaches the user dialogs."""
        router = Router(name="staff-chat")
        router.message.filter(F.chat.id == self.chat_id)
        router.edited_message.filter(F.chat.id == self.chat_id)
        router.callback_query.filter(F.message.chat.id == self.chat_id)

        @router.message(F.reply_to_message)
        async def staff_reply(message: Message, bot: Bot, courier: ReplyCourier | None = None):
            post = message.reply_to_message
            assert post is not None
            number = await self.ticket_of(bot, post)
            if number is None:
                return  # a reply to something else in the group: not for the bot
            text = message.text or message.caption or ""
            try:
                await self.tickets.reply(number, text, GROUP_AUTHOR,
                                         staff_chat_message_id=message.message_id)
            except TicketError as exc:
                reason = ("The reply is empty: only text can be sent to the person."
                          if exc.code == "empty" else
                          f"The reply is longer than {MAX_TEXT} characters; please shorten it.")
                await message.reply(f"⚠️ Ticket #{number}: {reason}")
                return
            log.info("staff group reply recorded for ticket #%s", number)
            if courier is not None:
                await courier.deliver_pending()
            view = await self.tickets.get(number)
            last = view.messages[-1] if view else None
            state = {"sent": "delivered", "failed": "could not be delivered (the person "
                     "blocked the bot or deleted their data)"}.get(
                last.delivery if last else "", "saved; it will be delivered shortly")
            await message.reply(f"✅ Reply to ticket #{number} {state}.")

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
