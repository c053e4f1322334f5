"""TicketService on its own (no Telegram): statuses, counts, audit, delivery claims, privacy."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.transport import Contact
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import AuditEntry, User, UserContact
from bot.feedback.service import MAX_TEXT, TicketError, TicketService


@pytest.fixture
async def service(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        # Internal ids 9001 and 9002, reached on Telegram as 7009001 and 7009002.
        session.add_all([User(id=9001, language="uk"), User(id=9002, language="pl")])
        await session.flush()
        session.add_all([UserContact(channel="telegram", address="7009001", user_id=9001),
                         UserContact(channel="telegram", address="7009002", user_id=9002)])
        await session.commit()
    yield TicketService(sessions), sessions
    await engine.dispose()


async def test_lifecycle_counts_and_audit(service):
    tickets, sessions = service
    a = await tickets.open(9001, "uk", "  Питання  ", faq_slug="meldunek")
    b = await tickets.open(9002, "pl", None, photo_file_id="PHOTO-1")
    assert a.first.text == "Питання" and b.first.photo_file_id == "PHOTO-1"
    assert await tickets.counts() == {"new": 2, "answered": 0, "closed": 0}

    await tickets.reply(a.number, "Відповідь", "ed@example.org")
    await tickets.close(b.number, "ed@example.org")
    assert await tickets.counts() == {"new": 0, "answered": 1, "closed": 1}
    assert [t.number for t in await tickets.inbox("answered")] == [a.number]
    await tickets.reopen(b.number, "admin@example.org")
    assert (await tickets.get(b.number)).status == "new"
    await tickets.close(a.number, "ed@example.org")
    await tickets.reopen(a.number, "ed@example.org")
    assert (await tickets.get(a.number)).status == "answered"

    async with sessions() as session:
        actions = [(e.actor, e.action, e.entity_id) for e in
                   (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()]
    assert actions[0] == ("ed@example.org", "ticket.reply", str(a.number))
    assert ("admin@example.org", "ticket.reopen", str(b.number)) in actions
    assert await tickets.for_user(9001) == [(a.number, "answered")]


async def test_refusals(service):
    tickets, _ = service
    with pytest.raises(TicketError) as empty:
        await tickets.open(9001, "uk", "   ")
    assert empty.value.code == "empty"
    with pytest.raises(TicketError) as long:
        await tickets.open(9001, "uk", "x" * (MAX_TEXT + 1))
    assert long.value.code == "too_long"
    with pytest.raises(TicketError):
        await tickets.open(1234, "uk", "no such user")
    ticket = await tickets.open(9001, "uk", "ok")
    with pytest.raises(TicketError):
        await tickets.reply(ticket.number, "", "ed@example.org")
    with pytest.raises(TicketError):
        await tickets.reply(ticket.number + 100, "text", "ed@example.org")
    assert (await tickets.get(ticket.number)).status == "new"


async def test_staff_views_hold_no_telegram_id(service):
    tickets, _ = service
    ticket = await tickets.open(9001, "uk", "text")
    for shown in (await tickets.inbox(), await tickets.get(ticket.number)):
        assert "7009001" not in repr(shown)
        assert "contact" not in repr(shown) and "telegram" not in repr(shown)


async def test_a_reply_is_claimed_once(service):
    tickets, _ = service
    ticket = await tickets.open(9001, "uk", "text")
    await tickets.reply(ticket.number, "answer", "ed@example.org")
    [claimed] = await tickets.claim_pending("one", dt.timedelta(seconds=0))
    assert claimed.user_id == 9001 and claimed.lang == "uk"
    assert claimed.contact == Contact("telegram", "7009001")  # for the courier only
    # Its lease ran out (the courier was killed mid-send): another courier takes it over...
    [again] = await tickets.claim_pending("two")
    assert again.message_id == claimed.message_id
    # ...and while that lease holds, nobody else gets it.
    assert await tickets.claim_pending("three") == []
    await tickets.mark_delivered(again.message_id)
    assert await tickets.claim_pending("three") == []
    assert (await tickets.get(ticket.number)).messages[-1].delivery == "sent"


async def test_the_same_message_sent_again_is_the_same_ticket(service):
    """A Send whose answer was lost comes again (tests/test_faults.py): no second ticket.
    Another text, photo or answer, another person, or a ticket staff already answered: new."""
    tickets, _ = service
    first = await tickets.open(9001, "uk", "Питання", faq_slug="meldunek")
    again = await tickets.open(9001, "uk", " Питання ", faq_slug="meldunek")
    assert again.number == first.number and again.repeated and not first.repeated
    assert await tickets.counts() == {"new": 1, "answered": 0, "closed": 0}
    others = [await tickets.open(9001, "uk", "Питання"),
              await tickets.open(9001, "uk", "Інше питання", faq_slug="meldunek"),
              await tickets.open(9001, "uk", "Питання", "PHOTO-1", faq_slug="meldunek"),
              await tickets.open(9002, "uk", "Питання", faq_slug="meldunek")]
    assert not any(t.repeated for t in others)
    await tickets.reply(first.number, "Відповідь", "ed@example.org")
    assert not (await tickets.open(9001, "uk", "Питання", faq_slug="meldunek")).repeated
