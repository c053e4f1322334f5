"""Writing to staff on Signal: the write screen, the draft (text, or photos with a caption)
and sending it as a ticket.

Signal has no buttons: the draft is shown back with numbered options (send, cancel), as
every screen of the conversation (bot/channels/signal/conversation.py), which hands over
the person's typed text or attachments while they are on the write screens. signal-cli
keeps an attachment's bytes until the draft is sent: only its id waits in the screen.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from bot.channels.signal import texts as tx
from bot.channels.signal.contacts import Person
from bot.channels.signal.envelope import Incoming
from bot.channels.signal.formatting import Styled
from bot.core.transport import Photo
from bot.feedback.service import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    MAX_TEXT,
    PHOTO_TYPES,
    TicketError,
    TicketLimitReached,
    TicketService,
)

log = logging.getLogger(__name__)
t = tx.t
WARSAW = ZoneInfo("Europe/Warsaw")
SCREENS = ("write", "write_check")  # the person is writing to staff

# (attachment id, sender's address) -> its bytes, or None (signal-cli's getAttachment).
AttachmentFetcher = Callable[[str, str], Awaitable[bytes | None]]
# Numbered lines whose actions become the screen's options (Conversation._options).
Options = Callable[[Styled, Person, list[tuple[str, list]]], None]
# The main menu, under a heading when given (Conversation._menu).
Menu = Callable[[Person, str, Styled | None], Styled]


async def _no_attachment(_attachment_id: str, _address: str) -> bytes | None:
    return None


class StaffWriting:
    def __init__(self, tickets: TicketService, options: Options, menu: Menu,
                 fetch_attachment: AttachmentFetcher | None = None,
                 on_ticket_opened: Callable[[], Awaitable[None]] | None = None) -> None:
        self.tickets = tickets
        self._options, self._menu = options, menu
        self.fetch_attachment: AttachmentFetcher = fetch_attachment or _no_attachment
        # Tells the process that posts tickets to staff (the Telegram bot) to do it now.
        self.on_ticket_opened = on_ticket_opened

    def screen(self, contact: Person, slug: str | None, lang: str) -> Styled:
        contact.screen = {"name": "write", "about": slug, "options": []}
        return Styled().add(t(tx.WRITE_PROMPT, lang))

    def attachment_draft(self, contact: Person, incoming: Incoming, lang: str) -> Styled:
        """Photos become the draft (the caption its text), up to MAX_PHOTOS of them; anything
        else is refused with what staff can take. signal-cli keeps the files: only their ids
        wait in the screen."""
        photos = [a for a in incoming.photos if a.content_type in PHOTO_TYPES]
        if not photos or incoming.sticker:
            return Styled().add(t(tx.ONLY_TEXT_OR_PHOTO, lang))
        if len(photos) > MAX_PHOTOS:
            return Styled().add(t(tx.TOO_MANY_PHOTOS, lang, limit=MAX_PHOTOS))
        if any(photo.size > MAX_PHOTO_BYTES for photo in photos):
            return Styled().add(t(tx.PHOTO_TOO_BIG, lang, limit=MAX_PHOTO_BYTES // 2**20))
        return self.text_draft(contact, incoming.text.strip(), lang,
                               [{"id": p.id, "mime": p.content_type} for p in photos])

    def text_draft(self, contact: Person, text: str, lang: str,
                   photos: list[dict] | None = None) -> Styled:
        if len(text) > MAX_TEXT:
            return Styled().add(t(tx.TICKET_TOO_LONG, lang, limit=MAX_TEXT))
        contact.screen = {"name": "write_check", "about": contact.screen.get("about"),
                          "draft": text, "photos": photos or []}
        if not photos:
            out = Styled().add(t(tx.CHECK_MESSAGE, lang, text=text))
        elif len(photos) == 1:
            out = Styled().add(t(tx.CHECK_PHOTO, lang, text=text).replace("\n\n\n", "\n\n"))
        else:
            out = Styled().add(t(tx.CHECK_PHOTOS, lang, text=text, count=len(photos))
                               .replace("\n\n\n", "\n\n"))
        out.line()
        self._options(out, contact, [(t(tx.SEND, lang), ["send"]),
                                     (t(tx.CANCEL, lang), ["home"])])
        return out

    async def send(self, contact: Person, lang: str) -> Styled:
        draft = contact.screen.get("draft")
        about = contact.screen.get("about")
        # "photo": one, in a screen saved before a message could bring several.
        attached = contact.screen.get("photos") or [
            p for p in [contact.screen.get("photo")] if p]
        if not draft and not attached:
            return self._menu(contact, lang, None)
        photos = []
        for item in attached:
            data = await self.fetch_attachment(item["id"], contact.address)
            if data is None:  # signal-cli no longer has it: ask for it again
                contact.screen = {"name": "write", "about": about, "options": []}
                return Styled().add(t(tx.PHOTO_LOST, lang))
            photos.append(Photo(data, item["mime"], "photo." + item["mime"].rpartition("/")[2]))
        try:
            ticket = await self.tickets.open(contact.user_id, lang, draft, faq_slug=about,
                                             photos=photos)
        except TicketLimitReached as exc:
            local = exc.retry_at.replace(tzinfo=dt.UTC).astimezone(WARSAW)
            return Styled().add(t(tx.TICKET_LIMIT, lang, time=local.strftime("%d.%m.%Y %H:%M")))
        except TicketError as exc:
            if exc.code == "too_big":  # signal-cli named no size, or a wrong one
                return Styled().add(t(tx.PHOTO_TOO_BIG, lang, limit=MAX_PHOTO_BYTES // 2**20))
            if exc.code == "not_photo":
                return Styled().add(t(tx.ONLY_TEXT_OR_PHOTO, lang))
            if exc.code == "too_many_photos":
                return Styled().add(t(tx.TOO_MANY_PHOTOS, lang, limit=MAX_PHOTOS))
            key = tx.TICKET_TOO_LONG if exc.code == "too_long" else tx.EMPTY_MESSAGE
            return Styled().add(t(key, lang, limit=MAX_TEXT) if exc.code == "too_long" else t(key, lang))
        log.info("signal ticket opened")
        if not ticket.repeated and self.on_ticket_opened is not None:
            await self.on_ticket_opened()
        key = tx.TICKET_AGAIN if ticket.repeated else tx.TICKET_OPENED
        return self._menu(contact, lang, Styled().add(t(key, lang, number=ticket.number)))
