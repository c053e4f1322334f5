"""Faults, from what a person sees: the bot process killed (SIGKILL) mid-dialog and
mid-survey and started again on the same database, the database file locked by another
writer for a while, the Bot API failing (5xx) or slow. Each test runs the bot as
production does, `python -m bot run` in its own process (tests/bot_process.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramServerError
from sqlalchemy import func, select

from bot.channels.telegram.api_retry import BotApiRetry
from bot.db.models import Rating, User
from bot.factory import build_bot
from bot.fake_telegram import BotApiSandbox
from tests.bot_process import (
    ERROR_NOTICE,
    BotProcess,
    answer_of,
    answered,
    no_error_seen,
    press,
    send_text,
    until,
    until_async,
)
from tests.botenv import TOKEN, make_settings
from tests.broadcast_env import add_users, ledger, push_env, sent_counts
from tests.fault_steps import (
    CHOSEN,
    EXPECTED,
    answer,
    answer_as_shown,
    campaign_done,
    database,
    open_survey,
    push_audience,
    pushes_done,
    released_responses,
    run_cli,
    send_until_numbered,
    shown_question,
    tickets,
    write_ticket_draft,
)
from tests.people import by_telegram
from tests.test_bot_e2e import BACK, SOURCE, last_text, topic_label
from tests.test_feedback_bot import SEND, WRITE
from tests.test_survey_bot import QUESTIONS


async def test_killed_mid_dialog_the_next_press_continues(db_path, tmp_path, sandbox: BotApiSandbox):
    bot = await BotProcess(sandbox, db_path, tmp_path).start()
    try:
        user = sandbox.user(6001, language_code="en")
        await send_text(user, "/start", topic_label("housing", "en"))
        await press(user, topic_label("housing", "en"))
        await press(user, "Renting a flat")
        await press(user, "Renting safely: the lease")
        assert SOURCE["en"] in last_text(user)
        await press(user, "👍 Helpful")
        answer_screen = user.chat.last_bot_message(with_buttons=True)

        await bot.kill()
        # Pressed while no bot runs: Telegram keeps the update for the next process.
        pending = await user.press(BACK["en"], answer_screen, wait=False)
        await bot.start()
        await answered(user, pending)
        assert user.chat.last_bot_message(with_buttons=True) is answer_screen  # edited in place
        assert "Renting a flat" in last_text(user)
        await press(user, "Renting safely: the lease")
        assert "👍 Helpful" not in str(user.chat.buttons())  # rated before the kill
        await press(user, BACK["en"])
        await press(user, "Deposit: how much, getting it back")
        assert "Deposit" in last_text(user)
        await press(user, BACK["en"])
        await press(user, BACK["en"])
        assert "Housing" in last_text(user) and "Renting a flat" in str(user.chat.buttons())
        await press(user, BACK["en"])
        assert topic_label("work", "en") in str(user.chat.buttons())  # the main menu
        assert no_error_seen(user)
        assert bot.failures() == []
    finally:
        await bot.stop()
    async with database(db_path) as sessions, sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Rating)) == 1


# ---------------------------------------------------------------- killed mid-survey

async def test_killed_mid_survey_keeps_the_answers_given(db_path, tmp_path, sandbox):
    bot = BotProcess(sandbox, db_path, tmp_path)
    # K=1: every completed response is released into the anonymous store at once.
    await run_cli(bot, "survey", "open", "belonging", "--code", "2026-FAULT", "--k", "1")
    await bot.start()
    try:
        user = sandbox.user(6101, language_code="en")
        await open_survey(user)
        for q in QUESTIONS[:2]:
            await answer(user, q, CHOSEN[q.key])
        assert shown_question(user) == 2

        await bot.kill()
        await bot.start()

        await answer(user, QUESTIONS[2], CHOSEN[QUESTIONS[2].key])
        assert shown_question(user) == 3
        await press(user, BACK["en"])
        await press(user, BACK["en"])  # question 2, answered before the kill: still marked
        assert shown_question(user) == 1
        assert "✓ " + CHOSEN[QUESTIONS[1].key].label["en"] in str(user.chat.buttons())
        await answer_as_shown(user, CHOSEN)
        assert no_error_seen(user) and bot.failures() == []
    finally:
        await bot.stop()
    assert await released_responses(db_path, "2026-FAULT") == [EXPECTED]
    async with database(db_path) as sessions, sessions() as session:
        assert await session.scalar(
            by_telegram(6101, User.survey_pushes)) is True  # the opt-in, too


async def test_killed_the_moment_the_next_question_shows(db_path, tmp_path, sandbox):
    """The worst moment: the screen already shows question 3, the process dies before it
    stored that question 2 was answered. The person answers what the screen asks; the bot
    must not take that answer for question 2."""
    bot = BotProcess(sandbox, db_path, tmp_path)
    await run_cli(bot, "survey", "open", "belonging", "--code", "2026-FAULT", "--k", "1")
    await bot.start()
    try:
        user = sandbox.user(6102, language_code="en")
        await open_survey(user)
        await answer(user, QUESTIONS[0], CHOSEN[QUESTIONS[0].key])

        def kill_on_third(event) -> None:
            if (event.kind == "edited" and event.chat.id == user.id
                    and event.message.text.startswith(f"3/{len(QUESTIONS)}")):
                os.kill(bot.proc.pid, signal.SIGKILL)  # before the bot reads the answer

        sandbox.add_listener(kill_on_third)
        update = await user.press(CHOSEN[QUESTIONS[1].key].label["en"], wait=False)
        await until(lambda: bot.proc.returncode is not None, what="the kill")
        sandbox.remove_listener(kill_on_third)
        assert shown_question(user) == 2 and answer_of(user, update) is None
        await bot.start()

        await answer_as_shown(user, CHOSEN)
        assert no_error_seen(user) and bot.failures() == []
    finally:
        await bot.stop()
    assert await released_responses(db_path, "2026-FAULT") == [EXPECTED]


# ---------------------------------------------------------------- killed mid-campaign

async def test_bot_killed_mid_campaign_resumes_on_restart(db_path, tmp_path, sandbox):
    """tests/test_broadcast_resume.py kills `campaign send`; here the whole bot (its push
    scheduler) dies mid-campaign and the next `python -m bot run` finishes it."""
    env = await push_env(db_path, sandbox)
    try:
        ids = await add_users(env, sandbox, 120)
        campaign = await env.service.create_announcement("news", {"uk": "Новини"})
    finally:
        await env.close()
    sandbox.latency = 0.03
    bot = BotProcess(sandbox, db_path, tmp_path, PUSH_RATE_LIMIT="60", PUSH_CONCURRENCY="6",
                     PUSH_RETRY_BACKOFF="0.05", PUSH_RECLAIM_SECONDS="2")
    await bot.start()
    try:
        await until(lambda: sum(sent_counts(sandbox).values()) >= 40, 120, "40 pushes sent")
        await bot.kill()
        async with database(db_path) as sessions:
            after_kill = await ledger(SimpleNamespace(sessions=sessions), campaign.id)
        in_flight = {chat for chat, state in after_kill.items() if state == "sending"}
        assert "pending" in after_kill.values()  # really killed mid-campaign

        await bot.start()
        await until(lambda: set(sent_counts(sandbox)) >= set(ids), 180, "everybody reached")
        async with database(db_path) as sessions:
            await until_async(lambda: campaign_done(sessions, campaign.id), 60)
            assert set((await ledger(SimpleNamespace(sessions=sessions), campaign.id)
                        ).values()) == {"sent"}
        counts = sent_counts(sandbox)
        assert set(counts) == set(ids)  # nobody missed
        doubled = {chat for chat, n in counts.items() if n > 1}
        assert all(counts[chat] == 2 for chat in doubled)
        assert doubled <= in_flight and len(doubled) <= 6  # only what was in flight
        assert bot.failures() == []
    finally:
        await bot.stop()


# ---------------------------------------------------------------- the database locked

def _hold_exclusive_lock(path, seconds: float, held: threading.Event) -> None:
    """Another writer (a backup, a migration, a sqlite3 shell) holding the file's write lock."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_database_locked_by_another_writer_nothing_lost(db_path, tmp_path, sandbox):
    bot = await BotProcess(sandbox, db_path, tmp_path).start()
    try:
        reader, writer = sandbox.user(6201, language_code="en"), sandbox.user(6202, language_code="uk")
        await send_text(reader, "/start", topic_label("housing", "en"))
        await press(reader, topic_label("housing", "en"))
        await send_text(writer, "/start", topic_label("housing", "uk"))
        await press(writer, WRITE["uk"])
        await send_text(writer, "Орендодавець не повертає заставу", "Орендодавець")

        held = threading.Event()
        locker = asyncio.create_task(asyncio.to_thread(
            _hold_exclusive_lock, db_path, 2.0, held))
        await until(held.is_set, what="the lock")
        locked_at = time.monotonic()
        presses = [await reader.press("Renting a flat", wait=False),
                   await writer.press(SEND["uk"], wait=False)]
        await reader.send_text("deposit", wait=False)
        await asyncio.sleep(1.0)
        assert answer_of(writer, presses[1]) is None  # the ticket waits for the file
        await locker
        released_at = time.monotonic()
        await answered(reader, presses[0])
        await answered(writer, presses[1])
        assert released_at - locked_at >= 1.5

        assert "Renting a flat" in reader.chat.bot_texts()[-2]  # the press, then the search
        await until(lambda: "🔎" in last_text(reader), what="the search results")
        [ticket] = await tickets(db_path)  # stored once
        assert f"№{ticket.id}" in last_text(writer)
        # The state written while the file was locked is there: Back goes where it should.
        await press(writer, BACK["uk"])
        assert topic_label("housing", "uk") in str(writer.chat.buttons())
        assert no_error_seen(reader) and no_error_seen(writer)
        assert bot.failures() == []
    finally:
        await bot.stop()


# ---------------------------------------------------------------- the Bot API failing

async def test_bot_api_errors_on_the_answer_nothing_doubled(db_path, tmp_path, sandbox):
    """The Bot API fails (500) the edit that shows "your message is ticket #N" for a moment:
    the person gets the answer, and one ticket."""
    bot = await BotProcess(sandbox, db_path, tmp_path).start()
    try:
        user = sandbox.user(6301, language_code="en")
        await write_ticket_draft(user, "Where do I register my address?")
        sandbox.inject("editMessageText", 500, chat_id=user.id, times=2)
        await send_until_numbered(user)
        [ticket] = await tickets(db_path)
        assert f"ticket #{ticket.id}" in last_text(user)
        assert no_error_seen(user) and bot.failures() == []
    finally:
        await bot.stop()


async def test_bot_api_failing_longer_than_the_retries_send_again_is_one_ticket(
        db_path, tmp_path, sandbox):
    """The edit keeps failing past the bot's retries: the person is told to try again in a
    moment, does so once Telegram works again, and gets the number of the one ticket."""
    bot = await BotProcess(sandbox, db_path, tmp_path).start()
    try:
        user = sandbox.user(6302, language_code="en")
        await write_ticket_draft(user, "Is my residence card still valid?")
        sandbox.inject("editMessageText", 502, chat_id=user.id, times=None)
        update = await user.press(SEND["en"], wait=False)
        await until(lambda: answer_of(user, update) is not None, 60, "the answer to Send")
        assert ERROR_NOTICE in answer_of(user, update).text  # "try again in a moment"
        assert "Check your message" in last_text(user)
        assert len(await tickets(db_path)) == 1  # stored before the screen failed
        sandbox.clear_injections()

        await send_until_numbered(user)
        [ticket] = await tickets(db_path)
        assert f"ticket #{ticket.id}" in last_text(user)
    finally:
        await bot.stop()


async def test_bot_api_retry_repeats_only_what_cannot_double(db_path, sandbox):
    """bot/channels/telegram/api_retry.py on its own: what is retried, what is not, and the time bound."""
    bot = build_bot(make_settings(db_path, sandbox), TOKEN)
    user = sandbox.user(6303)
    try:
        sandbox.inject("sendMessage", 500, times=2)
        sandbox.inject("sendMessage", 429, retry_after=1, times=1)
        await bot.send_message(user.id, "after two 500s and a 429")
        assert user.chat.bot_texts() == ["after two 500s and a 429"]
        # The connection dropped after the call was made: a send is not repeated...
        sandbox.fail_network("sendMessage", after=True)
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(user.id, "once")
        assert user.chat.bot_texts()[-1] == "once" and len(user.chat.bot_texts()) == 2
        # ...an edit is: done twice it shows the same; Telegram answers the second one "not
        # modified", which aiogram-dialog takes as done.
        sandbox.fail_network("editMessageText", after=True)
        message_id = user.chat.last_bot_message().message_id
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("edited", chat_id=user.id, message_id=message_id)
        assert user.chat.bot_texts()[-1] == "edited"
        # Past the budget the error reaches the caller, as before.
        [retry] = [m for m in bot.session.middleware if isinstance(m, BotApiRetry)]
        retry.budget = 1.0
        sandbox.inject("sendMessage", 502, times=None)
        started = time.monotonic()
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "never")
        assert time.monotonic() - started < 3
    finally:
        sandbox.clear_injections()
        await bot.session.close()


async def test_bot_api_down_for_a_while_answers_come_after(db_path, tmp_path, sandbox):
    """Every Bot API call fails (502) for 3 s while two people use the bot and a push goes
    out. aiogram's polling backs off, the handlers retry, the sender retries: afterwards
    every press is answered, the ticket stored once, every push sent once."""
    sandbox.latency = 0.02
    bot = await BotProcess(sandbox, db_path, tmp_path, PUSH_RATE_LIMIT="10",
                           PUSH_SYNC_SECONDS="0.5").start()
    try:
        reader, writer = sandbox.user(6401, language_code="en"), sandbox.user(6402, language_code="en")
        await send_text(reader, "/start", topic_label("housing", "en"))
        await press(reader, topic_label("housing", "en"))
        await write_ticket_draft(writer, "When does the office open?")
        ids, campaign_id = await push_audience(db_path, sandbox, 40, start=7000)
        await until(lambda: sum(sent_counts(sandbox)[i] for i in ids) >= 5, 60, "pushes going")

        sandbox.inject("*", 502, times=None)
        presses = [await reader.press("Renting a flat", wait=False),
                   await writer.press(SEND["en"], wait=False)]
        await asyncio.sleep(3)
        assert sum(sent_counts(sandbox)[i] for i in ids) < len(ids)  # cut off mid-campaign
        sandbox.clear_injections()

        # Polling may be in its backoff (up to 5 s); the handlers' retries wait up to 10 s.
        await answered(reader, presses[0], timeout=60)
        await answered(writer, presses[1], timeout=60)
        assert "Renting a flat" in last_text(reader)
        [ticket] = await tickets(db_path)
        assert f"ticket #{ticket.id}" in last_text(writer)
        await pushes_done(db_path, sandbox, ids, campaign_id)
        await press(reader, BACK["en"])  # and normal answers again
        assert topic_label("housing", "en").split(" ", 1)[1] in last_text(reader)
        assert no_error_seen(reader) and no_error_seen(writer)
        assert bot.failures() == []
    finally:
        await bot.stop()


async def test_bot_api_slow_a_double_tap_answers_one_question(db_path, tmp_path, sandbox):
    """Every Bot API call takes 2 s for a while. A person in the survey taps an answer
    twice because nothing seems to happen; a push goes out meanwhile. The second tap must
    not answer the next question; every push is sent once; then normal answers."""
    bot = BotProcess(sandbox, db_path, tmp_path)
    await run_cli(bot, "survey", "open", "belonging", "--code", "2026-FAULT", "--k", "1")
    await bot.start()
    try:
        user = sandbox.user(6501, language_code="en")
        await open_survey(user)
        await answer(user, QUESTIONS[0], CHOSEN[QUESTIONS[0].key])
        ids, campaign_id = await push_audience(db_path, sandbox, 10, start=7100)

        sandbox.latency = 2.0
        label = CHOSEN[QUESTIONS[1].key].label["en"]
        taps = [await user.press(label, wait=False), await user.press(label, wait=False)]
        for tap in taps:
            await answered(user, tap, timeout=90)
        await pushes_done(db_path, sandbox, ids, campaign_id)
        sandbox.latency = 0.0

        assert shown_question(user) == 2  # question 3: the second tap answered nothing
        await answer_as_shown(user, CHOSEN)
        assert no_error_seen(user) and bot.failures() == []
    finally:
        await bot.stop()
    assert await released_responses(db_path, "2026-FAULT") == [EXPECTED]
