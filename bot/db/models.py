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
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tg_user_id: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    # None until the person has chosen (or their client language settled it).
    language: Mapped[str | None] = mapped_column(String(2))
    created_on: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())
    last_seen_on: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())
    # Set when Telegram says the person blocked the bot; cleared when they write again.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Opted in to survey invitations pushed on a schedule.
    survey_pushes: Mapped[bool] = mapped_column(Boolean, default=False)


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
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

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
#   random keys, so not even the storage order follows insertion.


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
    __table_args__ = {"sqlite_with_rowid": False}

    answer_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict] = mapped_column(JSON)
