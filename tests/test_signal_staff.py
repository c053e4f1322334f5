"""Signal tickets reach the staff Telegram group, and replies made there reach Signal.

Two processes as in production, on one SQLite file: the Telegram bot (polling the fake
Telegram server, owning the staff group) and the Signal channel (the fake signal-cli daemon).
The Signal process only stores the ticket; the Telegram process posts it (StaffPoster, once,
claimed), and the Signal process's courier delivers the group's reply."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.db.models import Ticket
from bot.fake_signal import FakeSignalDaemon
from tests.botenv import RunningBot
from tests.botenv import make_settings as telegram_settings
from tests.test_feedback_group import GROUP, StaffGroup
from tests.test_signal_channel import Harness, option

NUMBER = "+48601222333"


@pytest.fixture
async def both(sandbox, db_path):
    group = StaffGroup(sandbox)
    telegram = RunningBot(sandbox, telegram_settings(db_path, sandbox, staff_chat_id=GROUP,
                                                     feedback_poll_seconds=0.2))
    await telegram.start()  # migrates the database first
    async with FakeSignalDaemon() as daemon:
        signal = Harness(daemon, db_path)
        await signal.start()
        try:
            yield telegram, signal, group
        finally:
            await signal.stop()
            await signal.engine.dispose()
            await telegram.stop()


async def posts_with(group: StaffGroup, needle: str, within: float = 15.0):
    async with asyncio.timeout(within):
        while not (found := [p for p in group.posts() if needle in (p.text or "")]):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return found


async def post_state(signal: Harness, number: int, state: str) -> None:
    """Until the ticket's staff post is recorded as `state` (just after the post appears)."""
    async with asyncio.timeout(10):
        while True:
            async with signal.sessions() as session:
                if await session.scalar(select(Ticket.staff_post)
                                        .where(Ticket.id == number)) == state:
                    return
            await asyncio.sleep(0.05)


async def write_ticket(signal: Harness, person, text: str, lang: str = "3") -> int:
    await signal.say(person, "/start")
    [menu] = await signal.say(person, lang)
    [_prompt] = await signal.say(person, option(menu, {"3": "Write to us", "1": "Napisz",
                                                       "2": "Напишіть"}[lang]))
    [_check] = await signal.say(person, text)
    [done, *_] = await signal.say(person, "1")  # 1. Send
    return int(re.search(r"#\s?(\d+)", done).group(1))


async def test_a_signal_ticket_is_posted_to_the_group_and_the_reply_comes_back(both):
    _telegram, signal, group = both
    person = signal.daemon.person(NUMBER)
    number = await write_ticket(signal, person, "My employer has not paid me for two months.")

    [post] = await posts_with(group, f"#{number}")
    assert "My employer has not paid me for two months." in post.text
    assert f"Zgłoszenie #{number} · en" in post.text
    # Staff see the ticket, never the person's number or Signal account.
    for secret in (NUMBER, NUMBER[1:], person.uuid):
        assert secret not in post.text
    await post_state(signal, number, "posted")

    sent = len(signal.daemon.sent_to(person.uuid))
    await group.say("Proszę przyjść do PIP, ul. Długa 1.", reply_to=post)
    messages = await signal.daemon.wait_sent(person.uuid, sent + 1)
    assert f"#{number}" in messages[-1].message
    assert "ul. Długa 1" in messages[-1].message
    # The group's own confirmation names the ticket only.
    async with asyncio.timeout(15):
        while not any("Odpowiedź" in (p.text or "") and f"#{number}" in (p.text or "")  # noqa: ASYNC110
                      for p in group.posts()):
            await asyncio.sleep(0.05)
    # Posted once, however many rounds ran meanwhile.
    await asyncio.sleep(0.5)
    assert len([p for p in group.posts() if "Długa" not in (p.text or "")
                and f"Zgłoszenie #{number} ·" in (p.text or "")]) == 1


async def test_a_crisis_ticket_from_signal_is_urgent_in_the_group(both):
    _telegram, signal, group = both
    person = signal.daemon.person("+48601222444")
    await signal.say(person, "/start")
    [menu] = await signal.say(person, "3")
    await signal.say(person, option(menu, "Write to us"))
    replies = await signal.say(person, "I want to kill myself, I cannot go on")
    check = replies[-1]
    [done, *_] = await signal.say(person, option(check, "Send"))
    number = int(re.search(r"#\s?(\d+)", done).group(1))
    [post] = await posts_with(group, f"#{number}")
    assert post.text.startswith("🆘")
