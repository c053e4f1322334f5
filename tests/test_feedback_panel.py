"""The panel's feedback inbox over HTTP (httpx ASGITransport) on a running bot: filters and
counts, the conversation with its photo, replies delivered at once, validation, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, TicketMessage
from bot.factory import build_panel
from bot.web.app import build_web_app
from bot.web.panel.security import CONTENT_SECURITY_POLICY
from tests.panel_client import PanelEnv, post_form
from tests.test_feedback_bot import last_text
from tests.test_feedback_group import write_ticket

pytestmark = pytest.mark.usefixtures("bot")


@pytest.fixture
async def env(bot):
    app = bot.app
    panel = build_panel(app.settings, app.sessions, app.content, app.surveys, app.bot)
    panel.extra["tickets"], panel.extra["courier"] = app.tickets, app.courier
    web, _ = build_web_app(panel=panel)
    return PanelEnv(panel, web, app.engine)


async def two_tickets(sandbox) -> tuple[object, object]:
    oksana = sandbox.user(6001, language_code="uk", first_name="Oksana", username="oksana_k")
    await write_ticket(oksana, "uk", "Де отримати PESEL?")
    adam = sandbox.user(6002, language_code="pl", first_name="Adam")
    await write_ticket(adam, "pl", "Co znaczy to pismo?", photo=True)
    return oksana, adam


async def test_inbox_lists_by_status_with_counts_and_no_identity(env, sandbox):
    await two_tickets(sandbox)
    async with env.login("editor") as client:
        page = await client.get("/panel/feedback")
        assert page.status_code == 200
        assert "New (2)" in page.text and "Answered (0)" in page.text and "Closed (0)" in page.text
        assert "#1" in page.text and "#2" in page.text and "Ukrainian" in page.text
        assert "📷" in page.text
        ticket = await client.get("/panel/feedback/1")
        for shown in (page.text, ticket.text):
            for secret in ("6001", "Oksana", "oksana_k", "Adam"):
                assert secret not in shown
        assert 'name="reply"' in ticket.text and "Send reply" in ticket.text
        assert "Де отримати PESEL?" in ticket.text
        closed = await client.get("/panel/feedback?status=closed")
        assert "No tickets with the status “closed”." in closed.text


async def test_reply_in_the_panel_reaches_the_user_at_once(env, sandbox):
    oksana, _adam = await two_tickets(sandbox)
    async with env.login("editor") as client:
        sent = await post_form(client, "/panel/feedback/1/reply",
                               {"reply": "Зверніться до міської ради."}, page="/panel/feedback/1")
        assert sent.status_code == 303
        page = await client.get(sent.headers["location"])
        assert "Reply sent to the person" in page.text and 'data-delivery="sent"' in page.text
        listing = await client.get("/panel/feedback?status=answered")
        assert "Answered (1)" in listing.text and 'data-ticket="1"' in listing.text
    text = last_text(oksana)
    assert "Відповідь на ваше звернення №1" in text and "Зверніться до міської ради." in text
    async with env.panel.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.reply"))
        assert entry.actor == "editor@example.org" and entry.entity_id == "1"


@pytest.mark.parametrize("reply, problem", [("   ", "empty"), ("я" * 3001, "too long")])
async def test_empty_or_too_long_reply_is_refused_and_kept(env, sandbox, reply, problem):
    await two_tickets(sandbox)
    async with env.login("editor") as client:
        response = await post_form(client, "/panel/feedback/1/reply", {"reply": reply},
                                   page="/panel/feedback/1")
        assert response.status_code == 400
        assert problem in response.text
        if problem == "too long":
            assert "3001 characters" in response.text and reply in response.text
    async with env.panel.sessions() as session:
        assert (await session.scalars(select(TicketMessage).where(
            TicketMessage.author == "staff"))).all() == []


async def test_reply_without_csrf_token_is_rejected(env, sandbox):
    await two_tickets(sandbox)
    async with env.login("editor") as client:
        response = await client.post("/panel/feedback/1/reply", data={"reply": "Hello"})
        assert response.status_code == 403


async def test_close_and_reopen(env, sandbox):
    await two_tickets(sandbox)
    async with env.login("admin") as client:
        closed = await post_form(client, "/panel/feedback/2/close", {}, page="/panel/feedback/2")
        assert closed.status_code == 303
        page = await client.get("/panel/feedback/2")
        assert 'id="ticket-status">closed' in page.text and "Reopen ticket" in page.text
        assert "Closed (1)" in (await client.get("/panel/feedback")).text
        await post_form(client, "/panel/feedback/2/reopen", {}, page="/panel/feedback/2")
        assert 'id="ticket-status">new' in (await client.get("/panel/feedback/2")).text
    async with env.panel.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "ticket"))).all()
    assert actions == ["ticket.close", "ticket.reopen"]


async def test_photo_is_fetched_through_the_bot(env, sandbox):
    await two_tickets(sandbox)
    async with env.panel.sessions() as session:
        message = await session.scalar(select(TicketMessage).where(
            TicketMessage.ticket_id == 2))
    url = f"/panel/feedback/2/photo/{message.id}"
    async with env.login("editor") as client:
        page = await client.get("/panel/feedback/2")
        assert url in page.text
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        photo = await client.get(url)
        assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
        # The photo is what a user sent: the panel's CSP applies to it as to the page.
        assert photo.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert (await client.get("/panel/feedback/1/photo/1")).status_code == 404


async def test_a_signal_persons_photos_are_served_from_the_database(env, sandbox):
    """Photos a person attached on Signal are kept as bytes, not as Telegram files; a
    message with two shows staff both, each its own."""
    from bot.core.transport import SIGNAL, Photo
    from bot.db.models import User, UserContact
    from bot.fake_telegram.users import _TINY_PNG

    async with env.panel.sessions() as session:
        user = User(language="en")
        session.add(user)
        await session.flush()
        session.add(UserContact(channel=SIGNAL, address="+48601444555", user_id=user.id))
        await session.commit()
        user_id = user.id
    second = _TINY_PNG + b"second"
    ticket = await env.panel.extra["tickets"].open(
        user_id, "en", "What is this letter?",
        photos=[Photo(_TINY_PNG, "image/png", "a.png"), Photo(second, "image/png", "b.png")])
    urls = [f"/panel/feedback/{ticket.number}/photo/{m.id}" for m in ticket.messages]
    assert len(urls) == 2
    async with env.login("editor") as client:
        page = await client.get(f"/panel/feedback/{ticket.number}")
        assert all(url in page.text for url in urls) and "+48601444555" not in page.text
        for url, data in zip(urls, (_TINY_PNG, second), strict=True):
            photo = await client.get(url)
            assert photo.status_code == 200 and photo.content == data
            assert photo.headers["content-type"] == "image/png"
            assert photo.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_only_editors_and_admins(env, sandbox):
    await two_tickets(sandbox)
    async with env.login("analyst") as client:
        assert (await client.get("/panel/feedback")).status_code == 403
        assert (await client.get("/panel/feedback/1")).status_code == 403
        assert (await client.get("/panel/feedback/2/photo/2")).status_code == 403
    async with env.client() as anonymous:
        assert (await anonymous.get("/panel/feedback")).status_code == 303
