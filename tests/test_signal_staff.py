"""Signal tickets reach the staff Telegram group, and replies made there reach Signal.

Two processes as in production, on one SQLite file: the Telegram bot (polling the fake
Telegram server, owning the staff group) and the Signal channel (the fake signal-cli daemon).
The Signal process only stores the ticket; the Telegram process posts it (StaffPoster, once,
claimed), and the Signal process's courier delivers the group's reply."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from bot.db.models import SignalPartsSent, Ticket
from bot.fake_signal import FakeSignalDaemon
from bot.fake_signal.server import decode_data_uri
from bot.fake_telegram.users import _TINY_PNG
from tests.botenv import RunningBot
from tests.botenv import make_settings as telegram_settings
from tests.test_feedback_group import GROUP, StaffGroup
from tests.test_signal_channel import Harness, option, wait_cursor
from tests.workers_env import redis_server

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


async def open_write_screen(signal: Harness, person) -> None:
    await signal.say(person, "/start")
    [menu] = await signal.say(person, "3")
    await signal.say(person, option(menu, "Write to us"))


async def wait_replies(signal: Harness, person, before: int) -> list[str]:
    """The bot's answers to a message injected without `say` (an attachment)."""
    await wait_cursor(signal, str(signal.daemon.last_event_id))
    return [m.message for m in signal.daemon.sent_to(person.uuid)[before:]]


async def test_a_signal_photo_reaches_staff_and_a_staff_photo_reaches_signal(both, sandbox):
    _telegram, signal, group = both
    person = signal.daemon.person("+48601222777")
    await open_write_screen(signal, person)
    before = len(signal.daemon.sent_to(person.uuid))
    await signal.daemon.inject_file(person, _TINY_PNG, "image/png", "letter.png",
                                    caption="What does this letter say?")
    [check] = await wait_replies(signal, person, before)
    assert "What does this letter say?" in check and "📷" in check
    [done, *_] = await signal.say(person, option(check, "Send"))
    number = int(re.search(r"#\s?(\d+)", done).group(1))

    [post] = await posts_with(group, f"#{number}")
    assert post.kind == "photo" and "What does this letter say?" in post.text
    assert sandbox.files[post.media[-1]["file_id"]].data == _TINY_PNG
    await post_state(signal, number, "posted")

    sent = len(signal.daemon.sent_to(person.uuid))
    await group.send_photo(post, caption="Tu jest wejście, pokój 12.")
    [*_, reply] = await signal.daemon.wait_sent(person.uuid, sent + 1)
    assert f"#{number}" in reply.message and "pokój 12" in reply.message
    [attachment] = reply.attachments
    mime, _name, data = decode_data_uri(attachment)
    assert mime == "image/png" and data == _TINY_PNG


async def test_several_photos_in_one_message_all_reach_staff(both, sandbox):
    """Signal lets a person pick several photos at once: each is kept, posted to the group
    (the first with the text, the others numbered after it) and shown in the panel; a reply
    to any of the posts answers the ticket."""
    _telegram, signal, group = both
    person = signal.daemon.person("+48601222776")
    await open_write_screen(signal, person)
    photos = [_TINY_PNG + bytes([i]) for i in range(3)]
    before = len(signal.daemon.sent_to(person.uuid))
    await signal.daemon.inject_files(person, [(p, "image/png", f"page{i}.png")
                                              for i, p in enumerate(photos)],
                                     caption="My contract, three pages")
    [check] = await wait_replies(signal, person, before)
    assert "My contract, three pages" in check and "Photos attached: 3" in check
    [done, *_] = await signal.say(person, option(check, "Send"))
    number = int(re.search(r"#\s?(\d+)", done).group(1))

    ticket = await signal.channel.tickets.get(number)
    assert [(m.author, m.text) for m in ticket.messages] == [
        ("user", "My contract, three pages"), ("user", ""), ("user", "")]
    assert [(await signal.channel.tickets.photo(m.id)).data for m in ticket.messages] == photos
    await post_state(signal, number, "posted")
    posts = [p for p in group.posts() if f"#{number}" in (p.text or "")]
    assert [p.kind for p in posts] == ["photo"] * 3
    assert "My contract, three pages" in posts[0].text
    assert "📷 2/3" in posts[1].text and "📷 3/3" in posts[2].text
    assert [sandbox.files[p.media[-1]["file_id"]].data for p in posts] == photos

    sent = len(signal.daemon.sent_to(person.uuid))
    await group.say("Strona 3: podpis jest w porządku.", reply_to=posts[2])
    [*_, reply] = await signal.daemon.wait_sent(person.uuid, sent + 1)
    assert f"#{number}" in reply.message and "podpis" in reply.message


async def test_more_photos_than_one_message_may_bring_are_refused_with_the_limit(both):
    _telegram, signal, _group = both
    person = signal.daemon.person("+48601222775")
    await open_write_screen(signal, person)
    before = len(signal.daemon.sent_to(person.uuid))
    await signal.daemon.inject_files(person, [(_TINY_PNG + bytes([i]), "image/png", None)
                                              for i in range(6)])
    [refused] = await wait_replies(signal, person, before)
    assert "at most 5 photos" in refused
    assert "Send" not in refused  # nothing to send: the person picks fewer
    async with signal.sessions() as session:
        assert await session.scalar(select(Ticket.id)) is None


async def test_stickers_voice_and_files_get_a_short_answer_and_nothing_is_sent(both):
    _telegram, signal, group = both
    person = signal.daemon.person("+48601222888")
    await open_write_screen(signal, person)
    for kind, name, extra in (("audio/aac", None, {"voiceNote": True}),
                              ("application/pdf", "contract.pdf", {}),
                              ("image/gif", "funny.gif", {})):
        before = len(signal.daemon.sent_to(person.uuid))
        await signal.daemon.inject_file(person, b"%PDF-1.4 ...", kind, name, **extra)
        [answer] = await wait_replies(signal, person, before)
        assert "text and photos can be passed on" in answer
    before = len(signal.daemon.sent_to(person.uuid))
    await signal.daemon.inject(person, data={
        "timestamp": 5, "message": None,
        "sticker": {"packId": "abc", "packKey": "def", "stickerId": 1}})
    [answer] = await wait_replies(signal, person, before)
    assert "text and photos can be passed on" in answer
    # Still on the write screen: a text now makes the draft.
    [check] = await signal.say(person, "Can I bring the contract on paper instead?")
    assert "on paper" in check and "📷" not in check
    # Outside the write screen a voice note gets the text-only hint.
    await signal.say(person, "0")
    before = len(signal.daemon.sent_to(person.uuid))
    await signal.daemon.inject_file(person, b"voice", "audio/aac", None, voiceNote=True)
    [hint] = await wait_replies(signal, person, before)
    assert "only read text" in hint
    assert not [p for p in group.posts() if "Zgłoszenie" in (p.text or "")]


async def test_a_long_reply_refused_half_way_is_not_sent_twice(both):
    """Signal takes at most 2,000 bytes a message: a long staff reply goes in parts. The
    daemon refuses the second part once (rate limit); the courier tries again later, and the
    person gets every part once, in order, not the first part twice."""
    _telegram, signal, _group = both
    person = signal.daemon.person("+48601222999")
    await signal.say(person, "/start")
    await signal.say(person, "3")
    user_id = (await signal.channel.people.find(person.uuid)).user_id
    tickets = signal.channel.tickets
    number = (await tickets.open(user_id, "en", "Which documents do I need?")).number
    # Cyrillic: two bytes a letter, so a reply within MAX_TEXT characters needs three parts.
    paragraphs = [f"Абзац {i}: " + "візьміть оригінал і копію. " * 9 for i in range(11)]
    reply = "\n\n".join(paragraphs)
    assert len(reply) <= 3000 and len(reply.encode()) > 4000
    sent = len(signal.daemon.sent_to(person.uuid))
    signal.daemon.fail_next(person.uuid, kind="rate_limit", retry_after=0.1, after=1)
    await tickets.reply(number, reply, "staff@example.org")
    signal.channel.courier.kick()

    async with asyncio.timeout(20):
        while (await tickets.get(number)).messages[-1].delivery != "sent":  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    parts = [m.message for m in signal.daemon.sent_to(person.uuid)[sent:]]
    assert len(parts) >= 3
    joined = "\n".join(parts)
    for paragraph in paragraphs:
        assert joined.count(paragraph.split(":")[0] + ":") == 1, paragraph[:12]
    assert f"#{number}" in parts[0] and joined.count(f"#{number}") == 1
    assert [int(n) for n in re.findall(r"Абзац (\d+):", joined)] == list(range(11))


async def test_a_long_reply_refused_half_way_is_resumed_after_a_restart(db_path):
    """The daemon refuses the second part of a long reply (rate limit) and the Signal
    process is restarted before the courier tries again: the new process sends the second
    part only, so the person gets each part once."""
    async with FakeSignalDaemon() as daemon:
        signal = Harness(daemon, db_path)
        # The courier runs once at start and then only when kicked: the restart comes
        # between the refusal and the retry.
        await signal.start(feedback_poll_seconds=600.0)
        try:
            person = daemon.person("+48601222998")
            await signal.say(person, "/start")
            await signal.say(person, "3")
            user_id = (await signal.channel.people.find(person.uuid)).user_id
            tickets = signal.channel.tickets
            number = (await tickets.open(user_id, "en", "Which documents do I need?")).number
            paragraphs = [f"Paragraph {i}: " + "bring the original and a copy. " * 8
                          for i in range(8)]
            reply = "\n\n".join(paragraphs)
            assert 2000 < len(reply.encode()) <= 3000
            sent = len(daemon.sent_to(person.uuid))
            daemon.fail_next(person.uuid, kind="rate_limit", retry_after=0.1, after=1)
            await tickets.reply(number, reply, "staff@example.org")
            signal.channel.courier.kick()
            async with asyncio.timeout(20):  # refused, and given back for later
                while daemon.refusals_left(person.uuid) or (  # noqa: ASYNC110
                        await tickets.get(number)).messages[-1].delivery != "pending":
                    await asyncio.sleep(0.05)
            assert len(daemon.sent_to(person.uuid)) == sent + 1

            await signal.stop()
            await signal.start(feedback_poll_seconds=600.0)  # a new process: nothing in memory
            async with asyncio.timeout(20):
                while (await tickets.get(number)).messages[-1].delivery != "sent":  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            parts = [m.message for m in daemon.sent_to(person.uuid)[sent:]]
            assert len(parts) == 2
            assert f"#{number}" in parts[0] and "Paragraph 0:" in parts[0]
            assert f"#{number}" not in parts[1] and "Paragraph 7:" in parts[1]
            joined = "\n".join(parts)
            for i in range(8):
                assert joined.count(f"Paragraph {i}:") == 1
            assert not await _parts_row(signal)  # delivered: nothing kept
        finally:
            await signal.stop()
            await signal.engine.dispose()


async def _parts_row(signal: Harness) -> bool:
    async with signal.sessions() as session:
        return await session.scalar(select(func.count()).select_from(SignalPartsSent)) > 0


async def test_with_redis_a_signal_ticket_wakes_the_telegram_process(sandbox, db_path):
    """The Telegram process's fallback poll is 10 minutes here: only the announcement the
    Signal process makes on Redis brings the ticket to the group within the test."""
    with redis_server() as redis_url:
        group = StaffGroup(sandbox)
        telegram = RunningBot(sandbox, telegram_settings(
            db_path, sandbox, staff_chat_id=GROUP, feedback_poll_seconds=600.0,
            redis_url=redis_url))
        await telegram.start()
        try:
            async with FakeSignalDaemon() as daemon:
                signal = Harness(daemon, db_path)
                await signal.start(redis_url=redis_url)
                try:
                    person = daemon.person("+48601222000")
                    number = await write_ticket(signal, person, "Where is the tax office?")
                    [post] = await posts_with(group, f"#{number}")
                    assert "Where is the tax office?" in post.text
                finally:
                    await signal.stop()
                    await signal.engine.dispose()
        finally:
            await telegram.stop()


async def test_a_photo_larger_than_it_said_is_refused_with_the_limit(both, monkeypatch):
    """signal-cli lists a size, but the bytes decide: over 10 MB, the person is told."""
    import bot.feedback.service as service

    monkeypatch.setattr(service, "MAX_PHOTO_BYTES", len(_TINY_PNG) - 1)
    _telegram, signal, _group = both
    person = signal.daemon.person("+48601222111")
    await open_write_screen(signal, person)
    before = len(signal.daemon.sent_to(person.uuid))
    await signal.daemon.inject_file(person, _TINY_PNG, "image/png", "scan.png", size=0)
    [check] = await wait_replies(signal, person, before)
    [refused] = await signal.say(person, option(check, "Send"))
    assert "too large" in refused
    async with signal.sessions() as session:
        assert await session.scalar(select(Ticket.id)) is None
