"""The channel-free core at work: one campaign run and one courier round reach people on
Telegram (through the sandbox Bot API) and on a second channel (a recording transport that
renders the markup as Signal would), each outcome handled by channel-free code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.broadcast.setup import build_broadcaster
from bot.channels.telegram.transport import TelegramTransport
from bot.core.markup import StyledText, render_signal
from bot.core.transport import (
    SIGNAL,
    Blocked,
    Contact,
    OutgoingMessage,
    RetryAfter,
    SendOutcome,
    Sent,
    TransportRegistry,
)
from bot.db.models import TicketMessage, TopicSubscription, User, UserContact
from bot.feedback.courier import ReplyCourier
from bot.feedback.service import TicketService
from bot.users import UserDirectory
from tests.broadcast_env import NOON, add_users, internal_id, ledger, push_env, sent_counts


class SignalRecorder:
    """A Signal transport without signal-cli: what it would send, and scripted outcomes."""

    channel = SIGNAL

    def __init__(self) -> None:
        self.sent: list[tuple[str, StyledText]] = []
        self.outcomes: dict[str, list[SendOutcome]] = {}

    async def send(self, contact: Contact, message: OutgoingMessage) -> SendOutcome:
        scripted = self.outcomes.get(contact.address)
        outcome = scripted.pop(0) if scripted else Sent()
        if isinstance(outcome, Sent):
            self.sent.append((contact.address, render_signal(message.text)))
        return outcome

    async def close(self) -> None:
        return None


async def add_signal_user(env, number: str, language: str = "uk") -> int:
    today = NOON.date()
    async with env.sessions() as session:
        user = User(language=language, created_on=today, last_seen_on=today)
        session.add(user)
        await session.flush()
        session.add_all([UserContact(channel=SIGNAL, address=number, user_id=user.id),
                         TopicSubscription(user_id=user.id, topic="general")])
        await session.commit()
        return user.id


@pytest.fixture
async def env(db_path, sandbox):
    environment = await push_env(db_path, sandbox)
    yield environment
    await environment.close()


async def test_one_campaign_reaches_telegram_and_signal_people(env, sandbox):
    telegram_ids = await add_users(env, sandbox, 3)
    signal = SignalRecorder()
    olena = await add_signal_user(env, "+48500100200")
    gone = await add_signal_user(env, "+48500100300")
    signal.outcomes["+48500100300"] = [Blocked("unregistered user")]
    signal.outcomes["+48500100200"] = [RetryAfter(0.01, "rate limit")]  # then sent
    registry = TransportRegistry([TelegramTransport(env.bot), signal])
    broadcaster = build_broadcaster(env.settings, env.service, registry, clock=env.clock)
    try:
        campaign = await env.service.create_announcement(
            "news", {"uk": "Нова адреса &lt;офісу&gt;: <b>вул. Długa 1</b>"})
        result = await broadcaster.run_campaign(campaign.id)
    finally:
        await broadcaster.close()

    assert (result.status, result.sent, result.blocked, result.failed) == ("done", 4, 1, 0)
    assert sent_counts(sandbox) == {tg: 1 for tg in telegram_ids}
    assert sandbox.chat(telegram_ids[0]).bot_texts()[-1].startswith("Нова адреса <офісу>: вул. Długa 1\n\n")
    [(number, styled)] = signal.sent
    assert number == "+48500100200"
    assert styled.text.startswith("Нова адреса <офісу>: вул. Długa 1\n\n")  # escapes undone, no tags
    assert "21:12:BOLD" in styled.styles  # staff's bold, as a Signal style
    assert "<i>" not in styled.text and styled.styles[-1].endswith(":ITALIC")
    async with env.sessions() as session:
        blocked = {uid: b for uid, b in (await session.execute(
            select(User.id, User.blocked).where(User.id.in_([olena, gone])))).all()}
    assert blocked == {olena: False, gone: True}
    rows = await ledger(env, campaign.id)  # Telegram people, by their Telegram id
    assert all(rows[tg] == "sent" for tg in telegram_ids)


async def test_the_courier_delivers_replies_on_each_channel(env, sandbox):
    [tg_person] = await add_users(env, sandbox, 1, language="en")
    signal = SignalRecorder()
    on_signal = await add_signal_user(env, "+48500100400", language="pl")
    gone = await add_signal_user(env, "+48500100500")
    tickets = TicketService(env.sessions)
    users = UserDirectory(env.sessions)
    courier = ReplyCourier(TransportRegistry([TelegramTransport(env.bot), signal]), tickets, users)
    numbers = {}
    for who in (await internal_id(env, tg_person), on_signal, gone):
        view = await tickets.open(who, "pl", "Pytanie")
        await tickets.reply(view.number, "Odpowiedź <ważna>", "ed@example.org")
        numbers[who] = view.number
    signal.outcomes["+48500100400"] = [RetryAfter(5, "rate limit")]
    signal.outcomes["+48500100500"] = [Blocked("unregistered user")]
    try:
        first = await courier.deliver_pending()
        second = await courier.deliver_pending()
    finally:
        await courier.transport.close()

    # Round one: Telegram delivered; the Signal rate limit gave the rest back for later.
    assert first == 1 and second == 1
    assert "\n\nOdpowiedź <ważna>\n\n" in sandbox.chat(tg_person).bot_texts()[-1]
    [(number, styled)] = signal.sent
    assert number == "+48500100400"
    heading = f"Odpowiedź na zgłoszenie nr {numbers[on_signal]}"  # the formal voice of wip/voice
    assert styled.text.startswith(f"💬 {heading}\n")
    assert "\n\nOdpowiedź <ważna>\n\n" in styled.text
    # the heading in bold, after the emoji (two UTF-16 units) and its space
    assert styled.styles == (f"3:{len(heading)}:BOLD",)
    async with env.sessions() as session:
        states = dict((await session.execute(
            select(TicketMessage.ticket_id, TicketMessage.delivery)
            .where(TicketMessage.author == "staff"))).all())
        gone_blocked = await session.scalar(select(User.blocked).where(User.id == gone))
    assert states == {numbers[on_signal]: "sent", numbers[gone]: "failed",
                      numbers[await internal_id(env, tg_person)]: "sent"}
    assert gone_blocked is True
