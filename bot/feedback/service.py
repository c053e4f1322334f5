"""Feedback tickets: a person writes to staff, staff reply, the bot delivers the reply.

A ticket links to its user only so the reply can be delivered. Everything staff see
(`TicketSummary`, `TicketView`) carries the ticket number, language, status, times and
messages, never the person's address (Telegram id, Signal number), name or username. Only
`PendingReply`, which the delivery side needs to reach the person, holds their contact; it is
never shown to staff.

No channel here: replies go out through the core transport (bot/feedback/courier.py); the
Telegram staff group lives in bot/channels/telegram/staff_chat.py.

A ticket is urgent when the person's first message signals a crisis (bot/safety/crisis.py).
That is derived from the stored text whenever a ticket is read, so no column holds it and
the rules of the day apply to old tickets too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.transport import Contact, Photo
from bot.db.claims import claim_rows
from bot.db.models import (
    StaffPostRemoval,
    Ticket,
    TicketMessage,
    TicketPhoto,
    User,
    UserContact,
    utcnow,
)
from bot.safety.crisis import classify
from bot.staff import audit
from bot.users import contacts_of

MAX_TEXT = 3000
# A photo kept as bytes (a Signal attachment, ticket_photos) has this instead of a Telegram
# file id in photo_file_id, with a hash of the bytes (the same photo sent again is a repeat).
STORED_PHOTO = "stored:"
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's sendPhoto upload limit
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")  # what staff see as a photo
# Photos one message may bring (a Signal message can carry several; a Telegram one has one).
# Above it the person is asked to send fewer: at MAX_PHOTO_BYTES each, a ticket stays < 50 MB.
MAX_PHOTOS = 5
# Sending the same message again within this time opens no second ticket (TicketService.open).
REPEAT_WINDOW = dt.timedelta(minutes=10)
STATUSES = ("new", "answered", "closed")
# A reply the courier has claimed; "sending" fits the 8-character delivery column.
SENDING = "sending"
# How long a courier's claim on a reply holds. A courier stopped mid-send (killed, the
# machine lost) leaves its replies "sending"; another courier sends them once this has
# passed, so a reply is sent twice only if the send itself outlived its lease.
DEFAULT_LEASE = dt.timedelta(minutes=2)
# Tickets.staff_post: the ticket's copy in the staff group (bot/feedback/staff_posts.py).
POST_PENDING, POST_SENDING, POST_DONE, POST_FAILED = "pending", "sending", "posted", "failed"
# A ticket still unposted after this long (no staff group was set up then) is not posted any
# more: a group set up later starts with the tickets of the last days, not with all of them.
POST_WINDOW = dt.timedelta(days=7)


class TicketError(ValueError):
    """A request the service refuses; `code` says why ("empty", "too_long", "unknown", ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TicketLimits:
    """Tickets one person may open in any rolling hour and day; 0: no limit of that kind."""

    per_hour: int = 0
    per_day: int = 0


class TicketLimitReached(TicketError):
    """The person has opened `limit` tickets in the last `period` ("hour" or "day"); the next
    one can be opened at `retry_at` (naive UTC, like the stored times)."""

    def __init__(self, limit: int, period: str, retry_at: dt.datetime) -> None:
        super().__init__("limit", f"at most {limit} tickets per {period}")
        self.limit, self.period, self.retry_at = limit, period, retry_at


@dataclass(frozen=True)
class MessageView:
    id: int
    author: str  # "user" | "staff"
    text: str
    photo_file_id: str | None
    created_at: dt.datetime
    staff_email: str | None = None
    delivery: str | None = None  # staff replies: pending | sending | sent | failed


@dataclass(frozen=True)
class TicketSummary:
    number: int
    lang: str
    status: str
    faq_slug: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    preview: str
    has_photo: bool
    message_count: int
    urgent: bool = False  # the first message signals a crisis


@dataclass(frozen=True)
class TicketView:
    number: int
    lang: str
    status: str
    faq_slug: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    messages: tuple[MessageView, ...]
    # From `open`: the same message was already open, and this is that ticket.
    repeated: bool = False

    @property
    def first(self) -> MessageView:
        return self.messages[0]

    @property
    def urgent(self) -> bool:
        """The person's first message signals a crisis (suicide, violence, a child in danger,
        trafficking, a medical emergency)."""
        return bool(self.messages) and is_urgent(self.messages[0].text)


@dataclass(frozen=True)
class PendingReply:
    """A staff reply waiting for delivery. Holds the person's contact: for the delivery
    side only (no contact: they were reached on no channel any more)."""

    message_id: int
    ticket_number: int
    user_id: int
    contact: Contact | None
    lang: str
    text: str
    photo_file_id: str | None = None  # a photo a staff member sent in the staff group
    photo: Photo | None = None  # the same as bytes, when the person is not on Telegram


def is_stored(photo_file_id: str | None) -> bool:
    """The photo is kept as bytes (TicketService.photo), not as a Telegram file id."""
    return bool(photo_file_id and photo_file_id.startswith(STORED_PHOTO))


def _stored_id(photo: Photo) -> str:
    return STORED_PHOTO + hashlib.sha256(photo.data).hexdigest()[:40]


async def _keep_photo(session: AsyncSession, message: TicketMessage, photo: Photo) -> None:
    """Store a photo kept as bytes beside its (new) message, in ticket_photos."""
    await session.flush()  # the message's id
    session.add(TicketPhoto(message_id=message.id, mime=photo.mime[:100],
                            filename=photo.filename[:100], data=photo.data))


def check_photo(photo: Photo) -> None:
    if photo.mime not in PHOTO_TYPES:
        raise TicketError("not_photo", "only photos can be attached")
    if len(photo.data) > MAX_PHOTO_BYTES:
        raise TicketError("too_big", f"the photo is larger than {MAX_PHOTO_BYTES} bytes")


def is_urgent(text: str | None) -> bool:
    return bool(classify(text))


def check_text(text: str | None, *, photo: bool = False) -> str:
    """The text cleaned up, or TicketError("empty" / "too_long")."""
    text = (text or "").strip()
    if not text and not photo:
        raise TicketError("empty", "the message is empty")
    if len(text) > MAX_TEXT:
        raise TicketError("too_long", f"the message is longer than {MAX_TEXT} characters")
    return text


def _message(row: TicketMessage) -> MessageView:
    return MessageView(row.id, row.author, row.text or "", row.photo_file_id, row.created_at,
                       row.staff_email, row.delivery)


def _view(ticket: Ticket) -> TicketView:
    return TicketView(ticket.id, ticket.lang, ticket.status, ticket.faq_slug, ticket.created_at,
                      ticket.updated_at, tuple(_message(m) for m in ticket.messages))


def _summary(ticket: Ticket) -> TicketSummary:
    first = ticket.messages[0] if ticket.messages else None
    text = first.text if first else ""
    preview = text if len(text) <= 120 else text[:119] + "…"
    return TicketSummary(ticket.id, ticket.lang, ticket.status, ticket.faq_slug,
                         ticket.created_at, ticket.updated_at, preview,
                         bool(first and first.photo_file_id), len(ticket.messages),
                         urgent=is_urgent(text))


async def _audit(session: AsyncSession, actor: str, action: str, number: int,
                 before: dict | None, after: dict | None) -> None:
    await audit.record(session, actor=actor, action=action, entity="ticket", entity_id=number,
                       before=before, after=after)


async def _queue_removals(session: AsyncSession, tickets, chat_id: int) -> int:
    """Queue the staff-group copies of the tickets matching `tickets` for removal."""
    rows = (await session.execute(
        select(Ticket.id, TicketMessage.author, TicketMessage.photo_file_id,
               TicketMessage.staff_chat_message_id, TicketMessage.staff_chat_photo_id)
        .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
        .where(tickets)
        .where((TicketMessage.staff_chat_message_id.is_not(None))
               | (TicketMessage.staff_chat_photo_id.is_not(None))))).all()
    removals = []
    for number, author, photo, post, photo_post in rows:
        if photo_post is not None:
            removals.append((photo_post, number, "photo"))
        if post is not None:
            kind = ("reply" if author != "user" else
                    "photo" if photo and photo_post is None else "text")
            removals.append((post, number, kind))
    session.add_all(StaffPostRemoval(chat_id=chat_id, message_id=post, ticket_number=number,
                                     kind=kind) for post, number, kind in removals)
    return len(removals)


class TicketService:
    def __init__(self, sessions: async_sessionmaker, limits: TicketLimits | None = None) -> None:
        self._sessions = sessions
        self.limits = limits or TicketLimits()

    # ------------------------------------------------------------ the user side
    async def open(self, user_id: int, lang: str, text: str | None,
                   photo_file_id: str | None = None, faq_slug: str | None = None,
                   photos: Sequence[Photo] = ()) -> TicketView:
        """A new ticket with the person's first message.

        `photos` as bytes (a Signal message may bring up to MAX_PHOTOS): the first goes with
        the text, each further one is a message of its own, as a second photo sent on
        Telegram would be, so staff see each in the panel and the group.

        The same message (text, photos, answer) while the person's ticket with it is still
        new and younger than REPEAT_WINDOW returns that ticket, marked `repeated`: Telegram
        gives no idempotency key, and a Send whose answer never reached the person (the Bot
        API failed, the process was killed before the dialog state was saved) comes again."""
        if len(photos) > MAX_PHOTOS:
            raise TicketError("too_many_photos", f"more than {MAX_PHOTOS} photos")
        for photo in photos:  # kept beside their messages
            check_photo(photo)
        stored = [_stored_id(photo) for photo in photos]
        text = check_text(text, photo=bool(photo_file_id or stored))
        firsts = ([(text, stored[0])] + [("", i) for i in stored[1:]] if stored
                  else [(text, photo_file_id)])
        async with self._sessions() as session:
            if await session.get(User, user_id) is None:
                raise TicketError("unknown", "no such user")
            same = await self._same_open(session, user_id, firsts, faq_slug)
            if same is not None:
                return replace(_view(same), repeated=True)
            await self._check_limits(session, user_id)
            # Posted to the staff group by the process that owns it (bot/feedback/staff_posts.py).
            ticket = Ticket(user_id=user_id, lang=lang, status="new", faq_slug=faq_slug,
                            staff_post=POST_PENDING)
            messages = [TicketMessage(author="user", text=body, photo_file_id=photo_id)
                        for body, photo_id in firsts]
            ticket.messages.extend(messages)
            session.add(ticket)
            for message, photo in zip(messages, photos, strict=False):
                await _keep_photo(session, message, photo)
            await session.commit()
            return _view(ticket)

    @staticmethod
    async def _same_open(session: AsyncSession, user_id: int,
                         firsts: list[tuple[str, str | None]],
                         faq_slug: str | None) -> Ticket | None:
        recent = (await session.scalars(
            select(Ticket).where(Ticket.user_id == user_id, Ticket.status == "new",
                                 Ticket.created_at > utcnow() - REPEAT_WINDOW)
            .order_by(Ticket.id.desc()).limit(5))).all()
        for ticket in recent:
            if ticket.faq_slug == faq_slug and [
                    (m.text, m.photo_file_id) if m.author == "user" else None
                    for m in ticket.messages] == firsts:
                return ticket
        return None

    async def _check_limits(self, session: AsyncSession, user_id: int) -> None:
        """TicketLimitReached when a limit is reached; if both are, the one that lasts longer."""
        now = utcnow()
        reached: TicketLimitReached | None = None
        for limit, period, window in ((self.limits.per_hour, "hour", dt.timedelta(hours=1)),
                                      (self.limits.per_day, "day", dt.timedelta(days=1))):
            if not limit:
                continue
            recent = (await session.scalars(
                select(Ticket.created_at)
                .where(Ticket.user_id == user_id, Ticket.created_at > now - window)
                .order_by(Ticket.created_at.desc()).limit(limit))).all()
            if len(recent) < limit:
                continue
            # The oldest of the last `limit` tickets leaves the window first.
            retry_at = recent[-1] + window
            if reached is None or retry_at > reached.retry_at:
                reached = TicketLimitReached(limit, period, retry_at)
        if reached is not None:
            raise reached

    async def for_user(self, user_id: int) -> list[tuple[int, str]]:
        """(number, status) of a person's tickets, oldest first: for /mydata."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(Ticket.id, Ticket.status)
                .where(Ticket.user_id == user_id).order_by(Ticket.id))).all()
        return [(number, status) for number, status in rows]

    # ------------------------------------------------------------ the staff side
    async def inbox(self, status: str | None = None, limit: int = 50,
                   offset: int = 0) -> list[TicketSummary]:
        stmt = select(Ticket).order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        if status:
            if status not in STATUSES:
                raise TicketError("status", f"unknown status {status!r}")
            stmt = stmt.where(Ticket.status == status)
        async with self._sessions() as session:
            rows = (await session.scalars(stmt.limit(limit).offset(offset))).all()
            return [_summary(t) for t in rows]

    async def counts(self) -> dict[str, int]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(Ticket.status, func.count()).group_by(Ticket.status))).all()
        found = {status: n for status, n in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    async def get(self, number: int) -> TicketView | None:
        async with self._sessions() as session:
            ticket = await session.get(Ticket, number)
            return _view(ticket) if ticket else None

    async def reply(self, number: int, text: str, staff_email: str,
                    staff_chat_message_id: int | None = None,
                    photo_file_id: str | None = None,
                    photo: Photo | None = None) -> MessageView:
        """Record a staff reply (to be delivered by the bot) and mark the ticket answered.
        A photo (from the staff group) may come without text; `photo`: the same as bytes,
        for a person on a channel that cannot fetch a Telegram file."""
        text = check_text(text, photo=photo_file_id is not None or photo is not None)
        if photo is not None and photo_file_id is None:
            photo_file_id = _stored_id(photo)
        async with self._sessions() as session:
            ticket = await self._ticket(session, number)
            before = ticket.status
            row = TicketMessage(author="staff", staff_email=staff_email, text=text,
                                photo_file_id=photo_file_id, delivery="pending",
                                staff_chat_message_id=staff_chat_message_id)
            ticket.messages.append(row)
            ticket.status = "answered"
            ticket.updated_at = utcnow()
            if photo is not None:
                await _keep_photo(session, row, photo)
            await _audit(session, staff_email, "ticket.reply", number, {"status": before},
                         {"status": "answered", "text": text, "photo": photo_file_id is not None})
            await session.commit()
            return _message(row)

    async def close(self, number: int, actor: str) -> None:
        await self._set_status(number, actor, "ticket.close", lambda _t: "closed")

    async def reopen(self, number: int, actor: str) -> None:
        def status(ticket: Ticket) -> str:
            return "answered" if any(m.author == "staff" for m in ticket.messages) else "new"

        await self._set_status(number, actor, "ticket.reopen", status)

    async def _set_status(self, number: int, actor: str, action: str, new_status) -> None:
        async with self._sessions() as session:
            ticket = await self._ticket(session, number)
            before, after = ticket.status, new_status(ticket)
            if before == after:
                return
            ticket.status = after
            ticket.updated_at = utcnow()
            await _audit(session, actor, action, number, {"status": before}, {"status": after})
            await session.commit()

    @staticmethod
    async def _ticket(session: AsyncSession, number: int) -> Ticket:
        ticket = await session.get(Ticket, number)
        if ticket is None:
            raise TicketError("unknown", f"no ticket #{number}")
        return ticket

    async def photo(self, message_id: int) -> Photo | None:
        """A message's photo kept as bytes (see STORED_PHOTO), if any."""
        async with self._sessions() as session:
            row = await session.get(TicketPhoto, message_id)
            return Photo(row.data, row.mime, row.filename) if row else None

    async def channel_of(self, number: int) -> str | None:
        """The channel the ticket's person is reached on (their first contact), or None."""
        async with self._sessions() as session:
            user_id = await session.scalar(select(Ticket.user_id).where(Ticket.id == number))
            if user_id is None:
                return None
            contact = (await contacts_of(session, {user_id})).get(user_id)
            return contact.channel if contact else None

    # ------------------------------------------------------------ the staff group
    async def set_staff_post(self, message_id: int, staff_chat_message_id: int,
                             photo_post_id: int | None = None) -> None:
        async with self._sessions() as session:
            await session.execute(update(TicketMessage).where(TicketMessage.id == message_id)
                                  .values(staff_chat_message_id=staff_chat_message_id,
                                          staff_chat_photo_id=photo_post_id))
            await session.commit()

    async def queue_staff_post_removals(self, user_id: int, chat_id: int) -> int:
        """Before a person's tickets are deleted: queue their copies in the staff group for
        removal (the posts of their messages, and staff replies made there). Returns how many."""
        async with self._sessions() as session:
            mine = select(Ticket.id).where(Ticket.user_id == user_id)
            count = await _queue_removals(session, Ticket.id.in_(mine), chat_id)
            await session.commit()
        return count

    async def claim_unposted(self, worker: str, lease: dt.timedelta = DEFAULT_LEASE,
                             limit: int = 10) -> list[TicketView]:
        """Claim up to `limit` tickets whose staff-group copy is still to be posted, oldest
        first, whatever channel they came from: pending ones, and those whose poster's lease
        ran out (it was killed mid-post). Claimed as `claim_pending` claims replies
        (bot/db/claims.py), so with several workers each ticket is claimed by one."""
        now = utcnow()

        def claimable(row):
            return (row.created_at > now - POST_WINDOW) & (
                (row.staff_post == POST_PENDING)
                | ((row.staff_post == POST_SENDING)
                   & (row.staff_post_lease_until.is_(None)
                      | (row.staff_post_lease_until < now))))

        async with self._sessions() as session:
            # updated_at kept: posting is no change staff made (inbox order, retention).
            ids = await claim_rows(
                session, Ticket.id, claimable, limit=limit,
                values={"staff_post": POST_SENDING, "staff_post_claimed_by": worker[:64] or None,
                        "staff_post_lease_until": now + lease,
                        "updated_at": Ticket.updated_at})
            tickets = []
            if ids:
                rows = (await session.scalars(
                    select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id))).all()
                tickets = [_view(ticket) for ticket in rows]
            await session.commit()
        return tickets

    async def finish_post(self, number: int, worker: str, outcome: str) -> None:
        """After a claimed post: "posted", "failed" (for good) or "later" (back to pending).
        Only while `worker` still holds the claim."""
        status = {"posted": POST_DONE, "failed": POST_FAILED, "later": POST_PENDING}[outcome]
        async with self._sessions() as session:
            await session.execute(
                update(Ticket).where(Ticket.id == number, Ticket.staff_post == POST_SENDING,
                                     Ticket.staff_post_claimed_by == worker[:64])
                .values(staff_post=status, staff_post_claimed_by=None,
                        staff_post_lease_until=None, updated_at=Ticket.updated_at)
                .execution_options(synchronize_session=False))
            await session.commit()

    # ------------------------------------------------------------ retention
    async def expired(self, before: dt.datetime) -> list[int]:
        """Numbers of answered or closed tickets unchanged since before `before` (naive UTC).
        A ticket still waiting for a reply is never expired."""
        async with self._sessions() as session:
            return list((await session.scalars(
                select(Ticket.id).where(Ticket.status.in_(("answered", "closed")),
                                        Ticket.updated_at < before).order_by(Ticket.id))).all())

    async def delete(self, numbers: list[int], staff_chat_id: int | None) -> int:
        """Delete tickets with their messages, queueing their staff-group copies for removal
        first (in the same transaction). Returns how many tickets were deleted."""
        if not numbers:
            return 0
        async with self._sessions() as session:
            if staff_chat_id is not None:
                await _queue_removals(session, Ticket.id.in_(numbers), staff_chat_id)
            result = await session.execute(delete(Ticket).where(Ticket.id.in_(numbers)))
            await session.commit()
        return result.rowcount or 0

    async def staff_post_removals(self, limit: int = 50) -> list[StaffPostRemoval]:
        async with self._sessions() as session:
            return list((await session.scalars(
                select(StaffPostRemoval).order_by(StaffPostRemoval.id).limit(limit))).all())

    async def finish_staff_post_removal(self, removal_id: int, *, retry: bool = False) -> None:
        """Done (or given up): drop it from the queue. `retry`: keep it for the next round."""
        async with self._sessions() as session:
            if retry:
                await session.execute(update(StaffPostRemoval)
                                      .where(StaffPostRemoval.id == removal_id)
                                      .values(attempts=StaffPostRemoval.attempts + 1))
            else:
                await session.execute(StaffPostRemoval.__table__.delete()
                                      .where(StaffPostRemoval.id == removal_id))
            await session.commit()

    async def ticket_for_staff_post(self, staff_chat_message_id: int) -> int | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(TicketMessage.ticket_id)
                .where(TicketMessage.staff_chat_message_id == staff_chat_message_id).limit(1))

    # ------------------------------------------------------------ delivery of replies
    async def claim_pending(self, worker: str = "", lease: dt.timedelta = DEFAULT_LEASE,
                            limit: int = 20,
                            channels: Collection[str] | None = None) -> list[PendingReply]:
        """Claim up to `limit` staff replies for delivery by `worker`, oldest first: those
        pending, and those whose lease ran out (the courier that claimed them was stopped
        mid-send). The claim holds until now + `lease`.

        Claimed with bot/db/claims.py: two couriers claiming at once take different replies.

        `channels`: only replies to people reached on one of these (a process that serves
        Telegram alone must leave Signal people's replies to the Signal process, rather than
        fail them for want of a transport)."""
        now = utcnow()

        def claimable(row):
            return (row.delivery == "pending") | (
                (row.delivery == SENDING)
                & (row.lease_until.is_(None) | (row.lease_until < now)))

        def reached_on_channels(row):
            return row.ticket_id.in_(select(Ticket.id).where(
                Ticket.user_id.in_(select(UserContact.user_id)
                                   .where(UserContact.channel.in_(list(channels or ()))))))

        async with self._sessions() as session:
            ids = await claim_rows(
                session, TicketMessage.id, claimable, limit=limit,
                values={"delivery": SENDING, "claimed_by": worker[:64] or None,
                        "lease_until": now + lease},
                narrow=reached_on_channels if channels is not None else None)
            if not ids:
                await session.commit()
                return []
            rows = (await session.execute(
                select(TicketMessage.id, Ticket.id, Ticket.user_id, Ticket.lang,
                       TicketMessage.text, TicketMessage.photo_file_id)
                .join(Ticket, Ticket.id == TicketMessage.ticket_id)
                .where(TicketMessage.id.in_(ids)).order_by(TicketMessage.id))).all()
            contacts = await contacts_of(session, {row[2] for row in rows})
            photos = {p.message_id: Photo(p.data, p.mime, p.filename) for p in (
                await session.scalars(select(TicketPhoto)
                                      .where(TicketPhoto.message_id.in_(ids)))).all()}
            claimed, foreign = [], []
            for message_id, number, user_id, lang, text, photo in rows:
                contact = contacts.get(user_id)
                if channels is not None and contact is not None and contact.channel not in channels:
                    foreign.append(message_id)  # the person's own channel (first contact) decides
                    continue
                claimed.append(PendingReply(message_id, number, user_id, contact, lang, text,
                                            None if is_stored(photo) else photo,
                                            photos.get(message_id)))
            if foreign:
                await session.execute(
                    update(TicketMessage).where(TicketMessage.id.in_(foreign))
                    .values(delivery="pending", claimed_by=None, lease_until=None))
            await session.commit()
        return claimed

    async def mark_delivered(self, message_id: int) -> None:
        await self._mark(message_id, "sent")

    async def mark_failed(self, message_id: int) -> None:
        await self._mark(message_id, "failed")

    async def release(self, message_id: int, worker: str | None = None) -> None:
        """Give a claimed reply back (a temporary error): it is tried again later. With
        `worker`, only while that courier still holds it (not taken over since)."""
        async with self._sessions() as session:
            stmt = update(TicketMessage).where(TicketMessage.id == message_id,
                                               TicketMessage.delivery == SENDING)
            if worker:
                stmt = stmt.where(TicketMessage.claimed_by == worker[:64])
            await session.execute(stmt.values(delivery="pending", claimed_by=None,
                                              lease_until=None))
            await session.commit()

    async def _mark(self, message_id: int, delivery: str) -> None:
        async with self._sessions() as session:
            await session.execute(update(TicketMessage).where(TicketMessage.id == message_id)
                                  .values(delivery=delivery, claimed_by=None, lease_until=None))
            await session.commit()
