"""Per-person limits: the flood guard (a token bucket per person) and the number of tickets
one person may open. Unit tests of the bucket, then the whole bot over the sandbox."""

from __future__ import annotations

import time

import pytest

from bot.config import Settings
from bot.ratelimit import TokenBuckets
from tests.botenv import RunningBot, make_settings
from tests.test_bot_e2e import flat, last_text, topic_label
from tests.test_feedback_bot import SEND, WRITE, tickets_of

WAIT = {"pl": "⏳ Za dużo wiadomości", "uk": "⏳ Забагато повідомлень", "en": "⏳ Too many messages"}
TAPS = {"pl": "⏳ Za dużo kliknięć", "uk": "⏳ Забагато натискань", "en": "⏳ Too many taps"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- the bucket

async def test_bucket_allows_a_burst_then_refuses_and_notifies_once():
    clock = Clock()
    buckets = TokenBuckets(burst=3, per_minute=60, clock=clock)
    assert [(await buckets.take("a")).allowed for _ in range(3)] == [True] * 3
    refused = [await buckets.take("a") for _ in range(5)]
    assert [d.allowed for d in refused] == [False] * 5
    assert [d.notify for d in refused] == [True, False, False, False, False]
    assert refused[0].retry_after == pytest.approx(1.0)
    assert (await buckets.take("b")).allowed  # another person is not affected


async def test_bucket_refills_and_notifies_again_only_after_calm():
    clock = Clock()
    buckets = TokenBuckets(burst=2, per_minute=60, clock=clock)
    for _ in range(3):
        await buckets.take("a")
    clock.now += 1.0  # one token back
    assert (await buckets.take("a")).allowed
    again = await buckets.take("a")
    assert not again.allowed and not again.notify  # the same flood: told already
    clock.now += 2.0  # full again: the person was calm
    assert (await buckets.take("a")).allowed
    await buckets.take("a")
    assert (await buckets.take("a")).notify  # a new flood is told once more


async def test_bucket_keeps_at_most_max_keys():
    buckets = TokenBuckets(burst=1, per_minute=1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        await buckets.take(key)
    assert (await buckets.take("a")).allowed  # forgotten, hence a full bucket again
    assert not (await buckets.take("c")).allowed


# ---------------------------------------------------------------- the whole bot

@pytest.fixture
async def guarded_bot(sandbox, db_path):
    """The bot with the flood guard at its defaults (the other bot tests turn it off)."""
    burst = Settings.model_fields["flood_burst"].default
    running = RunningBot(sandbox, make_settings(db_path, sandbox, flood_burst=burst))
    await running.start()
    yield running
    await running.stop()


def calls_to(sandbox, chat_id: int) -> list:
    return [c for c in sandbox.calls if str(c.params.get("chat_id")) == str(chat_id)]


async def test_flood_is_bounded_and_other_people_are_answered(guarded_bot, sandbox):
    settings = guarded_bot.settings
    assert settings.flood_burst == 20 and settings.flood_per_minute == 60
    flooder = sandbox.user(5001, language_code="uk")
    other = sandbox.user(5002, language_code="en")
    await flooder.send_command("start")
    started = time.monotonic()
    for i in range(500):
        await flooder.send_text(f"робота {i}", wait=False)
    # Someone else writes in the middle of the flood and gets the usual answers.
    await other.send_command("start", timeout=30)
    assert topic_label("work", "en") in flat(other.chat.buttons())
    await other.send_text("school enrolment", timeout=30)
    assert "🔎" in last_text(other)
    await sandbox.wait_idle(timeout=60)
    elapsed = time.monotonic() - started

    # At most burst + refill updates of the flood were handled, each with a few calls.
    handled = settings.flood_burst + settings.flood_per_minute / 60 * elapsed
    calls = calls_to(sandbox, 5001)
    assert len(calls) <= 4 * handled + 1, (len(calls), elapsed)
    # The person is told once, in their language, and nothing is said per dropped message.
    waits = [t for t in flooder.chat.bot_texts() if t.startswith(WAIT["uk"])]
    assert waits == ["⏳ Забагато повідомлень. Будь ласка, зачекайте хвилинку."]


async def test_a_crisis_message_gets_through_a_flood(guarded_bot, sandbox):
    user = sandbox.user(5004, language_code="uk")
    await user.send_command("start")
    for i in range(60):
        await user.send_text(f"житло {i}", wait=False)
    await sandbox.wait_idle(timeout=60)
    waits = [t for t in user.chat.bot_texts() if t.startswith(WAIT["uk"])]
    assert waits, "the flood was not limited"
    before = len(user.chat.bot_texts())
    await user.send_text("не хочу жити", timeout=30)
    await sandbox.wait_idle(timeout=30)
    after = user.chat.bot_texts()[before:]
    assert any("+48 800 70 2222" in text and "112" in text for text in after), after


async def test_button_taps_over_the_limit_are_still_answered(guarded_bot, sandbox):
    user = sandbox.user(5003, language_code="pl")
    await user.send_command("start")
    screen = user.chat.last_bot_message(with_buttons=True)
    label = topic_label("work", "pl")
    started = time.monotonic()
    for _ in range(60):
        await user.press(label, screen, wait=False)
    await sandbox.wait_idle(timeout=60)
    elapsed = time.monotonic() - started
    answers = user.chat.callback_answers
    assert len(answers) == 60  # no button left spinning
    refused = [a for a in answers if a.text and a.text.startswith(TAPS["pl"])]
    settings = guarded_bot.settings
    assert len(refused) >= 60 - settings.flood_burst - settings.flood_per_minute / 60 * elapsed
    assert not [t for t in user.chat.bot_texts() if t.startswith(WAIT["pl"])]


# ---------------------------------------------------------------- tickets

async def test_fifty_tickets_in_a_row_only_the_allowed_number_is_created(bot, sandbox):
    # The flood guard is off here (tests/botenv.py): fifty tickets in a row take 200 updates.
    allowed = bot.settings.tickets_per_hour
    assert allowed == 5
    user = sandbox.user(5010, language_code="uk")
    notices = []
    for i in range(50):
        await user.send_command("start")
        await user.press(WRITE["uk"])
        await user.send_text(f"Питання номер {i}")
        await user.press(SEND["uk"])
        if i >= allowed:
            notices.append(user.chat.bot_texts()[-2])
            assert f"Питання номер {i}" in last_text(user)  # the draft is still there
    tickets = await tickets_of(bot, 5010)
    assert [t.messages[0].text for t in tickets] == [f"Питання номер {i}" for i in range(allowed)]
    assert len(notices) == 50 - allowed
    assert all(n.startswith("⏳ Команді можна надіслати щонайбільше 5 повідомлень на годину")
               for n in notices), notices[0]
    # It says from when: the first ticket's time plus an hour, in Polish local time.
    assert "з " in notices[0] and ":" in notices[0].split("з ")[-1]
