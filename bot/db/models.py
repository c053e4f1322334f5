"""SQLAlchemy models.

Privacy shapes this schema: ratings and content gaps carry no user reference and no time
finer than a day, so they cannot be joined back to a person.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(Base):
    """A person, whatever channel they write from. The internal id is what every service
    and table refers to; how to reach them is in `contacts`."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None until the person has chosen (or their client language settled it).
    language: Mapped[str | None] = mapped_column(String(2))
    created_on: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())
    last_seen_on: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())
    # Set when Telegram says the person blocked the bot; cleared when they write again.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Opted in to survey invitations pushed on a schedule.
    survey_pushes: Mapped[bool] = mapped_column(Boolean, default=False)
    # Silences every scheduled push (survey invitations and news) at once.
    pushes_muted: Mapped[bool] = mapped_column(Boolean, default=False)


class UserContact(Base):
    """Where a person is reached: a channel ("telegram" | "signal") and their address there
    (the Telegram user id as text, a Signal number or account UUID). Only the channel
    adapters read the address (bot/channels); one address belongs to one person."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contacts_channel_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class FaqNode(Base):
    __tablename__ = "faq_nodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("faq_nodes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))  # "section" | "answer"
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed: Mapped[dt.date | None] = mapped_column(Date)
    review_every_days: Mapped[int] = mapped_column(Integer, default=180)
    review_status: Mapped[str] = mapped_column(String(10), default="ok")
    review_note: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str | None] = mapped_column(String(16))
    # The language staff write this node in; the other two are translations of it.
    source_lang: Mapped[str] = mapped_column(String(2), default="pl")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    texts: Mapped[list[FaqText]] = relationship(
        back_populates="node", cascade="all, delete-orphan", lazy="selectin"
    )


class FaqText(Base):
    __tablename__ = "faq_texts"
    __table_args__ = (UniqueConstraint("node_id", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("faq_nodes.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)  # behind the answer's "More" button
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Bumped whenever title, body or details change. A translation records the revision of the
    # source-language text it was made from: older than the source's now means outdated.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    source_revision: Mapped[int | None] = mapped_column(Integer)

    node: Mapped[FaqNode] = relationship(back_populates="texts")


class Rating(Base):
    """One 👍/👎 on an answer. No user, no time finer than the day."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("faq_nodes.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)  # +1 or -1
    day: Mapped[dt.date] = mapped_column(Date)


class ContentGap(Base):
    """A search that found nothing, counted per normalised query text. No user."""

    __tablename__ = "content_gaps"
    __table_args__ = (UniqueConstraint("lang", "query"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lang: Mapped[str] = mapped_column(String(2))
    query: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[dt.date] = mapped_column(Date)
    last_seen: Mapped[dt.date] = mapped_column(Date)


class ContentState(Base):
    """A single row whose version is bumped on every content change, so every process
    (and every worker on PostgreSQL) notices and reloads its in-memory tree."""

    __tablename__ = "content_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, server_default=func.current_timestamp()
    )


class FsmRecord(Base):
    """aiogram FSM state and data (aiogram-dialog stacks and contexts live here)."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict | None] = mapped_column(JSON)


# ---------------------------------------------------------------- surveys
#
# Anonymity is built into these tables, each point tested in tests/test_survey_anonymity.py:
# - SurveyAnswer has no user, chat, language or time finer than the ISO week, a random key,
#   and no column it shares with a per-user table except the wave;
# - a completed response waits in SurveyHolding (no user reference) and is released into
#   SurveyAnswer in shuffled batches of at least K, so neither row order nor time links it
#   to the SurveyParticipation record, which holds no answers;
# - both answer tables are WITHOUT ROWID on SQLite: rows are stored in the order of their
#   random keys, so not even the storage order follows insertion;
# - SurveyAnswer.answer_codes repeats the answers as numbers of SurveyCode, which numbers
#   (question key, answer) pairs: the definitions' first, in their order, then new values in
#   sorted order per release (bot/surveys/codes.py), so a number tells nothing of who or when.


class SurveyWave(Base):
    __tablename__ = "survey_waves"
    __table_args__ = (UniqueConstraint("survey", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))  # e.g. "2026-Q4"
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    release_k: Mapped[int] = mapped_column(Integer, default=10)


class SurveyParticipation(Base):
    """That a person took part in a wave: needed for one response per wave and reminders.
    It holds no answers and no time."""

    __tablename__ = "survey_participation"
    __table_args__ = (UniqueConstraint("wave_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_waves.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyHolding(Base):
    """Completed responses waiting to be released; no user reference."""

    __tablename__ = "survey_holding"
    __table_args__ = {"sqlite_with_rowid": False}

    holding_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week, "2026-W48"
    answers: Mapped[dict] = mapped_column(JSON)


class SurveyAnswer(Base):
    """One released, anonymous response."""

    __tablename__ = "survey_answers"
    # For the report (bot/surveys/coded.py): it reads the codes from the covering index alone,
    # grouped by wave and week in index order (ordered by content, then the random key: no
    # insertion order); the partial index holds only rows without codes, so asking whether
    # there are any needs no scan (empty once migration 013 has filled every row).
    __table_args__ = (Index("ix_survey_answers_codes", "wave_id", "week", "answer_codes"),
                      Index("ix_survey_answers_uncoded", "wave_id",
                            sqlite_where=text("answer_codes IS NULL"),
                            postgresql_where=text("answer_codes IS NULL")),
                      {"sqlite_with_rowid": False})

    answer_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict] = mapped_column(JSON)
    # The same answers as codes of `survey_codes` (bot/surveys/codes.py), for the report; NULL
    # when written by a process older than migration 013 or past the codebook's size.
    answer_codes: Mapped[str | None] = mapped_column(Text, nullable=True)


class SurveyCode(Base):
    """The codebook of `SurveyAnswer.answer_codes`: (question key, answer value as JSON text)
    -> a small number. Known answers are numbered from the survey definitions, in their order,
    before any response is coded; nothing here refers to a response."""

    __tablename__ = "survey_codes"
    __table_args__ = (UniqueConstraint("question_key", "value"),)

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    question_key: Mapped[str] = mapped_column(String(120))
    value: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- push preferences
#
# What a person agreed to receive. Survey invitations use User.survey_pushes; news is per
# topic ("general" or a root FAQ topic slug); User.pushes_muted silences everything.


class TopicSubscription(Base):
    __tablename__ = "topic_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)


# ---------------------------------------------------------------- scheduled pushes
#
# Schedules and campaigns are data, not pickled jobs: the scheduler is rebuilt from these
# rows on every start. A Schedule is a recurring rule (cron, e.g. quarterly survey waves);
# each firing creates Campaigns. A Campaign is one push to an audience at a time; its
# Delivery rows are the ledger, one per recipient, written when the campaign starts.


class Schedule(Base):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # "survey" | "announcement"
    cron: Mapped[str] = mapped_column(String(120))  # five-field crontab, Europe/Warsaw
    survey: Mapped[str | None] = mapped_column(String(40))
    remind_after_days: Mapped[int | None] = mapped_column(Integer)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)  # announcement text per language
    faq_slug: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[dict] = mapped_column(JSON, default=dict)  # {"languages": [...], "topic": ...}
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    # The cron time (naive UTC) of the last firing: claimed once, by one process.
    fired_for: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # "survey_invite" | "survey_reminder" | "announcement"
    kind: Mapped[str] = mapped_column(String(20))
    # "scheduled" -> "sending" -> "done"; or "cancelled"
    status: Mapped[str] = mapped_column(String(12), default="scheduled", index=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # UTC
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    # A reminder points at its invitation and goes to those who have not completed.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    survey: Mapped[str | None] = mapped_column(String(40))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("survey_waves.id", ondelete="SET NULL"))
    remind_after_days: Mapped[int | None] = mapped_column(Integer)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    faq_slug: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Delivery(Base):
    """The delivery ledger: one row per (campaign, recipient).

    pending -> sending (claimed) -> sent | failed | blocked. A row left in "sending" by a
    crash is retried on resume; see bot/broadcast for why and how small that window is."""

    __tablename__ = "deliveries"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(String(200))


# ---------------------------------------------------------------- staff panel


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # "editor" | "analyst" | "admin"
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The panel's language for this staff member: "pl" | "uk" | "en".
    locale: Mapped[str] = mapped_column(String(2), default="pl", server_default="en")


class StaffSession(Base):
    """A logged-in panel session (bot/staff/sessions.py); the cookie holds the token."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    password_failures: Mapped[int] = mapped_column(Integer, default=0)


class StaffLoginFailure(Base):
    """One failed password check (bot/staff/throttle.py). `email` is what was typed, with or
    without an account; kept for a day."""

    __tablename__ = "staff_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    counts: Mapped[bool] = mapped_column(Boolean)  # False: refused during a lock
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)  # by a login or a reset


class AuditEntry(Base):
    """Who changed what, when, with the state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))  # staff e-mail, or "cli"
    action: Mapped[str] = mapped_column(String(40))  # "node.edit", "text.edit", "ticket.reply", ...
    entity: Mapped[str] = mapped_column(String(40))  # "faq_node", "faq_text", "ticket", ...
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


# ---------------------------------------------------------------- feedback
#
# A ticket links to the user only so the bot can deliver staff replies. Staff see the ticket
# number and language, never the person's address (Telegram id, Signal number), name or username.


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the ticket number users see
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10), default="new", index=True)  # new|answered|closed
    faq_slug: Mapped[str | None] = mapped_column(String(64))  # the answer it was written under
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Its copy in the staff Telegram group: "pending" | "sending" (claimed until
    # staff_post_lease_until) | "posted" | "failed"; NULL: nothing to post (bot/feedback/staff_posts.py).
    staff_post: Mapped[str | None] = mapped_column(String(8), index=True)
    staff_post_claimed_by: Mapped[str | None] = mapped_column(String(64))
    staff_post_lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="selectin",
        order_by="TicketMessage.id")


class TicketMessage(Base):
    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(6))  # "user" | "staff"
    staff_email: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # For staff replies: "pending" until the bot delivered it, then "sent" (or "failed").
    delivery: Mapped[str | None] = mapped_column(String(8))
    # While "sending": the courier process that claimed it, and until when (naive UTC).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The copy of this message in the staff Telegram group, to relay replies made there.
    staff_chat_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # A photo whose text was too long for a caption went out as its own post before the text.
    staff_chat_photo_id: Mapped[int | None] = mapped_column(BigInteger)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class TicketPhoto(Base):
    """A ticket message's photo as bytes: a Signal person's attachment, or a staff photo reply
    on its way to a Signal person (a Telegram photo is kept as its file id alone)."""

    __tablename__ = "ticket_photos"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_messages.id", ondelete="CASCADE"), primary_key=True)
    mime: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StaffPostRemoval(Base):
    """A copy of a ticket in the staff group to remove, because the person deleted their data.

    No link to the person or the (deleted) ticket row: only where the post is."""

    __tablename__ = "staff_post_removals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    ticket_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(5))  # "text" | "photo" | "reply" (a staff member's)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# ---------------------------------------------------------------- Signal


class SignalScreen(Base):
    """Where a Signal person is in the conversation (the numbered options of their screen),
    and the newest message handled (the sender's timestamp, ms), so a message replayed after
    a reconnect is not answered twice. Goes with the user row."""

    __tablename__ = "signal_screens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    screen: Mapped[dict] = mapped_column(JSON, default=dict)
    last_timestamp: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SignalCursor(Base):
    """The id of the last daemon event handled, sent back as Last-Event-ID to resume."""

    __tablename__ = "signal_cursor"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SignalPartsSent(Base):
    """A long Signal message refused half-way (rate limit): how many of its parts went, so
    the retry sends only the rest, also after a restart (bot/channels/signal/transport.py).
    No address or text: the key is a hash of both. Deleted once the message went whole,
    or after a week."""

    __tablename__ = "signal_parts_sent"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    parts: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
