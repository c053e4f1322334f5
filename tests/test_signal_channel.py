"""The Signal channel end to end: the real conversation, database and HTTP client against the
fake signal-cli daemon on 127.0.0.1 (bot/fake_signal)."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from sqlalchemy import func, select

from bot.channels.signal.runner import SignalChannel
from bot.config import PROJECT_ROOT, Settings
from bot.content.service import ContentStore
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import SignalScreen, UserContact
from bot.fake_signal import FakeSignalDaemon
from tests.workers_env import redis_server

OLENA_NUMBER = "+48601234567"


def make_settings(db_path, daemon: FakeSignalDaemon, **overrides) -> Settings:
    values = {"database_url": f"sqlite+aiosqlite:///{db_path}",
              "content_dir": PROJECT_ROOT / "content", "content_refresh_seconds": 0.0,
              "signal_rpc_url": daemon.base_url, "signal_account": daemon.account,
              "feedback_poll_seconds": 0.2, "signal_retry_seconds": 0.2, "log_level": "INFO",
              "flood_burst": 0,
              # A secret generated for Redis key names goes beside the database, not in data/.
              "data_dir": db_path.parent}
    values.update(overrides)
    return Settings(_env_file=None, **values)


class Harness:
    def __init__(self, daemon: FakeSignalDaemon, db_path) -> None:
        self.daemon, self.db_path = daemon, db_path
        self.engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
        self.sessions = create_session_factory(self.engine)
        self.channel: SignalChannel | None = None

    async def start(self, **overrides) -> SignalChannel:
        content = ContentStore(self.sessions, refresh_seconds=0.0)
        await content.reload()
        self.channel = SignalChannel(make_settings(self.db_path, self.daemon, **overrides),
                                     self.sessions, content, retry_min_delay=0.05)
        await self.channel.start()
        return self.channel

    async def stop(self) -> None:
        if self.channel is not None:
            await self.channel.stop()
            self.channel = None

    async def say(self, person, text: str, *, until_stored: bool = True) -> list[str]:
        """Send `text` as `person`; the bot's replies to it, in order. Returns once the bot
        stored the event as handled (or, with until_stored=False, once it handled it while
        an earlier event is still in the works)."""
        assert self.channel is not None
        before = len(self.daemon.sent_to(person.uuid))
        target = self.channel.handled + 1
        await self.daemon.inject(person, text)
        if until_stored:
            await wait_cursor(self, str(self.daemon.last_event_id))
        else:
            async with asyncio.timeout(20):
                while self.channel.handled < target:  # noqa: ASYNC110 - a counter of another task
                    await asyncio.sleep(0.01)
        return [m.message for m in self.daemon.sent_to(person.uuid)[before:]]


    async def send(self, person, text: str, edit_of: int | None = None) -> tuple[int, list[str]]:
        """Send `text` (or, with `edit_of`, an edit of the message or version sent at that
        timestamp); its Signal timestamp and the bot's replies, once it is handled."""
        before = len(self.daemon.sent_to(person.uuid))
        ts = (await self.daemon.inject(person, text) if edit_of is None
              else await self.daemon.inject_edit(person, edit_of, text))
        await wait_cursor(self, str(self.daemon.last_event_id))
        return ts, [m.message for m in self.daemon.sent_to(person.uuid)[before:]]


@pytest.fixture
async def harness(db_path):
    async with FakeSignalDaemon() as daemon:
        h = Harness(daemon, db_path)
        await h.start()
        yield h
        await h.stop()
        await h.engine.dispose()


async def wait_cursor(harness, event_id: str) -> None:
    """Until the stored event id (the one a restart resumes after) is `event_id`."""
    from bot.channels.signal.contacts import SignalPeople

    contacts = SignalPeople(harness.sessions, None)
    async with asyncio.timeout(20):
        while await contacts.cursor(harness.daemon.account) != event_id:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def option(reply: str, label: str) -> str:
    """The number in front of the line that contains `label`."""
    for line in reply.splitlines():
        found = re.match(r"^(\d+)\. (.*)$", line)
        if found and label in found.group(2):
            return found.group(1)
    raise AssertionError(f"no option {label!r} in:\n{reply}")


async def test_first_contact_offers_three_languages_then_the_menu(harness):
    olena = harness.daemon.person(OLENA_NUMBER)
    [picker] = await harness.say(olena, "Добрий день")
    assert "1. polski" in picker and "2. українська" in picker and "3. English" in picker
    [menu] = await harness.say(olena, "2")
    assert "Робота" in menu and "Житло" in menu and "Напишіть нам" in menu
    assert "0. 🏠" in menu
    # The menu is in Ukrainian from now on, and so is /help.
    [help_text, _menu] = await harness.say(olena, "/help")
    assert "0" in help_text and "/privacy" in help_text


async def test_menu_navigation_answer_and_home(harness):
    person = harness.daemon.person("+48601000001")
    await harness.say(person, "/start")
    [menu] = await harness.say(person, "3")  # English
    [section] = await harness.say(person, option(menu, "Work"))
    assert "Work" in section and "Back" in section
    [sub] = await harness.say(person, option(section, "Legal work"))
    [answer] = await harness.say(person, option(sub, "Who may work"))
    assert "praca.gov.pl" in answer and "Checked on" in answer and "Helpful" in answer
    styles = harness.daemon.sent_to(person.uuid)[-1].text_style
    assert any(s.endswith(":BOLD") for s in styles)
    [thanks] = await harness.say(person, option(answer, "Helpful"))
    assert "Thank you" in thanks
    [share] = await harness.say(person, option(answer, "Share"))
    assert "https://signal.me/#p/+48500000000" in share and "work-who-may-work" in share
    [home] = await harness.say(person, "0")
    assert "Work" in home and "Housing" in home
    [unknown] = await harness.say(person, "77")
    assert "no option 77" in unknown


async def test_crisis_message_gets_the_card_first_everywhere(harness):
    person = harness.daemon.person("+48601000003")
    # Before any language was chosen: the card first, in the language of the letters.
    replies = await harness.say(person, "не хочу жити")
    assert len(replies) == 2 and "116 123" in replies[0] and "1. polski" in replies[1]
    await harness.say(person, "2")
    replies = await harness.say(person, "я не хочу більше жити")
    assert "116 123" in replies[0] and len(replies) == 2
    # While writing to staff, too: the card, then the draft to check.
    [menu] = await harness.say(person, "0")
    await harness.say(person, option(menu, "Напишіть нам"))
    replies = await harness.say(person, "чоловік мене б'є, що робити")
    assert len(replies) == 2 and "112" in replies[0] and "🆘" in replies[0]
    assert "чоловік мене б'є" in replies[1] and "🆘" not in replies[1]
    # A crisis text is not recorded as a content gap.
    async with harness.sessions() as session:
        from bot.db.models import ContentGap
        gaps = (await session.scalars(select(ContentGap.query))).all()
    assert not any("жити" in gap for gap in gaps)


async def test_an_edit_of_a_message_that_got_the_card_gets_no_second_card(harness):
    person = harness.daemon.person("+48601000013")
    await harness.say(person, "/start")
    await harness.say(person, "1")  # polski
    first, replies = await harness.send(person, "nie chce juz zyc")
    assert "116 123" in replies[0]
    # Signal names the version an edit replaces: the first message, then the previous edit.
    fixed, replies = await harness.send(person, "nie chcę już żyć", edit_of=first)
    assert not any("116 123" in r for r in replies)
    _, replies = await harness.send(person, "nie chcę już żyć, mam dość", edit_of=fixed)
    assert not any("116 123" in r for r in replies)
    # An ordinary question edited into a crisis gets the card, once.
    question, replies = await harness.send(person, "karta pobytu")
    assert not any("🆘" in r for r in replies)
    fixed, replies = await harness.send(person, "mąż mnie bije", edit_of=question)
    assert "Niebieska Linia" in replies[0]
    _, replies = await harness.send(person, "mąż mnie bije codziennie", edit_of=fixed)
    assert not any("Niebieska Linia" in r for r in replies)


async def test_restart_resumes_after_the_last_event(harness):
    person = harness.daemon.person("+48601000006")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    [section] = await harness.say(person, "1")
    await harness.stop()
    # Written while the bot was down, and the daemon's stream dropped as in a restart.
    await harness.daemon.inject(person, option(section, "Back"))
    await harness.daemon.drop_connections()
    sent_before = len(harness.daemon.sent_to(person.uuid))
    await harness.start()
    messages = await harness.daemon.wait_sent(person.uuid, sent_before + 1)
    assert "Housing" in messages[-1].message  # the Back of the screen before the restart
    assert harness.daemon.last_event_ids[-1] == "3"  # resumed after the last event handled
    await wait_cursor(harness, "4")
    assert len(harness.daemon.sent_to(person.uuid)) == sent_before + 1  # nothing answered twice
    # The daemon restarts while the bot runs: the stream is reopened after event 4.
    await harness.daemon.drop_connections()
    [menu] = await harness.say(person, "0")
    assert "Housing" in menu and harness.daemon.last_event_ids[-1] == "4"


@pytest.mark.parametrize("kind", ["rate_limit", "captcha"])
async def test_rate_limited_send_is_retried_later(harness, kind):
    person = harness.daemon.person("+48601000007")
    await harness.say(person, "/start")
    harness.daemon.fail_next(person.uuid, 2, kind, retry_after=0.2)
    assert await harness.say(person, "3") == []  # refused: nothing arrived yet
    messages = await harness.daemon.wait_sent(person.uuid, 2)
    assert "Work" in messages[-1].message
    [section] = await harness.say(person, "1")
    assert "Work" in section  # later messages still come, in order


async def test_logs_hold_no_numbers_uuids_or_texts(harness, caplog):
    caplog.set_level(logging.DEBUG)
    person = harness.daemon.person("+48601000008")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    await harness.say(person, "I want to kill myself")
    [menu] = await harness.say(person, "0")
    await harness.say(person, option(menu, "Write to us"))
    check = (await harness.say(person, "Secret question about rent"))[-1]
    await harness.say(person, option(check, "Send"))
    harness.daemon.fail_next(person.uuid, 1, "rate_limit", retry_after=0.1)
    await harness.say(person, "karta pobytu")
    await harness.daemon.wait_sent(person.uuid, len(harness.daemon.sent_to(person.uuid)) + 1)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "signal crisis card sent" in logged and "signal ticket opened" in logged
    for secret in (person.number, person.uuid, "kill myself", "Secret question", "karta"):
        assert secret not in logged
    assert not re.search(r"\+?\d{9,}", logged)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", logged)


async def test_survey_with_numbered_options_is_stored_anonymously(harness):
    from bot.channels.signal.runner import survey_service
    from bot.db.models import SurveyAnswer, SurveyParticipation

    service = survey_service(harness.channel.settings, harness.sessions)
    wave = await service.open_wave("belonging", code="2026-Q4", k=1)
    harness.channel.conversation._survey_running = (False, 0.0)  # the menu checks again now
    person = harness.daemon.person("+48601000009")
    await harness.say(person, "/start")
    [menu] = await harness.say(person, "2")
    [surveys] = await harness.say(person, option(menu, "Опитування"))
    [consent] = await harness.say(person, option(surveys, "📝"))
    assert "Signal" in consent and "Telegram" not in consent and "анонімні" in consent
    [question] = await harness.say(person, option(consent, "Погоджуюся"))
    for _ in range(40):
        assert question.startswith(re.match(r"\d+/\d+", question).group(0))
        if "✔️" in question:  # several numbers at once, then Done
            reply = await harness.say(person, f"1 2 {option(question, '✔️')}")
        else:
            reply = await harness.say(person, "1")
        question = reply[-1]
        if "Дякуємо" in question:
            break
    else:
        raise AssertionError("the survey did not end")
    async with harness.sessions() as session:
        [answers] = (await session.scalars(select(SurveyAnswer.answers)
                                           .where(SurveyAnswer.wave_id == wave.id))).all()
        done = await session.scalar(select(SurveyParticipation.completed)
                                    .where(SurveyParticipation.wave_id == wave.id))
        [contact] = (await session.scalars(
            select(SignalScreen.screen).join(UserContact, UserContact.user_id == SignalScreen.user_id)
            .where(UserContact.address == person.uuid))).all()
    assert answers and done is True
    assert "answers" not in contact  # nothing of the answers stays with the person

    # A second person stops half-way: nothing of their survey is kept, not even the start.
    other = harness.daemon.person("+48601000010")
    await harness.say(other, "/start")
    [menu] = await harness.say(other, "3")
    [surveys] = await harness.say(other, option(menu, "Surveys"))
    [consent] = await harness.say(other, option(surveys, "📝"))
    [question] = await harness.say(other, option(consent, "I agree"))
    [hint] = await harness.say(other, "what is this?")
    assert "number" in hint
    stopped, home = await harness.say(other, "0")
    assert "Nothing of your answers was kept" in stopped and "Work" in home
    async with harness.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(SurveyParticipation)
                                     .where(SurveyParticipation.wave_id == wave.id))
    assert count == 1


async def test_flood_is_told_once_and_a_crisis_message_still_gets_through(harness):
    await harness.stop()
    await harness.start(flood_burst=3, flood_per_minute=1)
    person = harness.daemon.person("+48601000011")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    await harness.say(person, "1")
    [notice] = await harness.say(person, "2")
    assert "Too many messages" in notice
    assert await harness.say(person, "3") == []  # dropped, and not told again
    replies = await harness.say(person, "I want to kill myself")
    assert replies and "116 123" in replies[0]


async def test_the_telegram_courier_leaves_signal_replies_alone(harness):
    person = harness.daemon.person("+48601000012")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    await harness.stop()  # no Signal courier now: the reply stays pending
    async with harness.sessions() as session:
        key = await session.scalar(select(UserContact.user_id)
                                   .where(UserContact.address == person.uuid))
    ticket = await harness_tickets(harness).open(key, "en", "Where do I register?")
    await harness_tickets(harness).reply(ticket.number, "At the town hall.", "staff@example.org")
    assert await harness_tickets(harness).claim_pending(channels=("telegram",)) == []
    sent_before = len(harness.daemon.sent_to(person.uuid))
    await harness.start()
    messages = await harness.daemon.wait_sent(person.uuid, sent_before + 1)
    assert "town hall" in messages[-1].message and f"#{ticket.number}" in messages[-1].message


def harness_tickets(harness):
    from bot.feedback.service import TicketService

    return TicketService(harness.sessions)


async def test_a_daemon_that_forgot_the_event_ids_replays_nothing_twice(harness):
    person = harness.daemon.person("+48601000013")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    await harness.say(person, "1")
    sent = len(harness.daemon.sent_to(person.uuid))
    await harness.stop()
    # signal-cli restarted: its ids begin again and the bot's stored id is unknown to it, so
    # the whole buffer comes again.
    async with harness.sessions() as session:
        from bot.db.models import SignalCursor
        cursor = await session.get(SignalCursor, harness.daemon.account)
        cursor.last_event_id = "999"
        await session.commit()
    await harness.daemon.inject(person, "0")
    await harness.start()
    messages = await harness.daemon.wait_sent(person.uuid, sent + 1)
    await wait_cursor(harness, "4")
    assert harness.daemon.last_event_ids[-1] == "999"
    assert len(harness.daemon.sent_to(person.uuid)) == sent + 1  # only the new "0" answered
    assert "Work" in messages[-1].message


async def test_a_photo_gets_a_hint_and_a_reaction_rates_the_answer(harness):
    person = harness.daemon.person("+48601000014")
    target = harness.channel.handled + 1
    await harness.daemon.inject(person, data={"timestamp": 1, "message": None,
                                              "attachments": [{"contentType": "image/jpeg"}]})
    hint, picker = await harness.daemon.wait_sent(person.uuid, 2)
    assert "only read text" in hint.message and "1. polski" in picker.message
    async with asyncio.timeout(10):
        while harness.channel.handled < target:  # noqa: ASYNC110 - a counter of another task
            await asyncio.sleep(0.01)
    await harness.say(person, "3")
    await harness.say(person, "work-who-may-work")  # a shared answer's code opens it
    async with harness.sessions() as session:
        from bot.db.models import Rating
        before = await session.scalar(select(func.count()).select_from(Rating))
    reaction = {"timestamp": 2, "reaction": {"emoji": "👍", "targetAuthor": harness.daemon.account,
                                             "targetSentTimestamp": 1, "isRemove": False}}
    sent = len(harness.daemon.sent_to(person.uuid))
    await harness.daemon.inject(person, data=reaction)
    [*_, thanks] = await harness.daemon.wait_sent(person.uuid, sent + 1)
    assert "Thank you" in thanks.message
    async with harness.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Rating)) == before + 1


async def test_people_are_served_side_by_side_and_the_cursor_waits_for_the_slow_one(harness):
    from bot.channels.signal.contacts import SignalPeople

    slow, quick = harness.daemon.person("+48601000015"), harness.daemon.person("+48601000016")
    await harness.say(slow, "/start")
    await harness.say(quick, "/start")
    await wait_cursor(harness, "2")
    release = harness.daemon.hold(slow.uuid)
    await harness.daemon.inject(slow, "3")
    [*_, menu] = await harness.say(quick, "3", until_stored=False)  # answered while the other hangs
    assert "Work" in menu and len(harness.daemon.sent_to(slow.uuid)) == 1
    # The stored id does not pass the unfinished event: a restart now would handle it again.
    assert await SignalPeople(harness.sessions, None).cursor(harness.daemon.account) == "2"
    release.set()
    messages = await harness.daemon.wait_sent(slow.uuid, 2)
    assert "Work" in messages[-1].message
    await wait_cursor(harness, "4")


@pytest.fixture
def redis_url():
    import shutil

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (CI installs it)")
    with redis_server() as url:  # the one starter the workers' tests use too
        yield url


async def test_with_redis_the_screen_lives_there_and_survives_a_restart(harness, redis_url):
    from redis.asyncio import Redis

    await harness.stop()
    await harness.start(redis_url=redis_url)
    person = harness.daemon.person("+48601000017")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    [section] = await harness.say(person, "2")  # Housing
    await harness.stop()
    await harness.start(redis_url=redis_url)
    [back] = await harness.say(person, option(section, "Back"))
    assert "Work" in back and "Housing" in back
    async with harness.sessions() as session:
        screens = await session.scalar(select(func.count()).select_from(SignalScreen))
    assert screens == 0  # not in the database
    redis = Redis.from_url(redis_url)
    try:
        assert await redis.exists(f"belong:signal:screen:{person.uuid}")
        [confirm] = await harness.say(person, "/delete")
        await harness.say(person, option(confirm, "Yes, delete"))
        assert not await redis.exists(f"belong:signal:screen:{person.uuid}")
    finally:
        await redis.aclose()


async def test_with_redis_an_edit_after_a_restart_gets_no_second_card(harness, redis_url):
    from redis.asyncio import Redis

    await harness.stop()
    await harness.start(redis_url=redis_url)
    person = harness.daemon.person("+48601000018")
    await harness.say(person, "/start")
    await harness.say(person, "1")  # polski
    first, replies = await harness.send(person, "nie chce juz zyc")
    assert "116 123" in replies[0]
    await harness.stop()
    await harness.start(redis_url=redis_url)  # a restart (or another process) remembers it
    _, replies = await harness.send(person, "nie chcę już żyć", edit_of=first)
    assert not any("116 123" in r for r in replies)
    question, _ = await harness.send(person, "karta pobytu")
    _, replies = await harness.send(person, "mąż mnie bije", edit_of=question)
    assert "Niebieska Linia" in replies[0]  # an edit into a crisis still gets the card
    redis = Redis.from_url(redis_url)
    try:
        keys = [k.decode() for k in await redis.keys("belong:crisis:*")]
        assert keys and not any(person.number.lstrip("+") in k or person.uuid in k
                                or str(first) in k for k in keys)
    finally:
        await redis.aclose()


async def test_the_longest_answer_arrives_whole_in_pieces_signal_accepts(harness):
    catalog = harness.channel.conversation.content.catalog

    def more_bytes(node):
        more = node.more("uk")
        return len(more.text.encode()) if more and not more.fallback else 0

    longest = max(catalog.answers(), key=more_bytes)
    assert more_bytes(longest) > 2000  # the case this is about: details longer than Signal takes
    person = harness.daemon.person("+48601000018")
    await harness.say(person, "/start")
    await harness.say(person, "2")
    answer = "\n".join(await harness.say(person, longest.slug))
    assert longest.body("uk").text.split()[0] in answer
    pieces = await harness.say(person, option(answer, "Детальніше"))
    assert len(pieces) > 1 and all(len(p.encode()) <= 2000 for p in pieces)
    assert longest.title("uk").text in pieces[0] and "Головна" in pieces[-1]
    back = "\n".join(await harness.say(person, option(pieces[-1], "Назад")))
    assert option(back, "Детальніше")  # Back leads to the short answer again


async def test_a_push_with_an_answer_button_tells_what_to_write_and_that_opens_it(harness):
    from bot.broadcast.render import render_push
    from bot.core.transport import Contact

    person = harness.daemon.person("+48601000019")
    await harness.say(person, "/start")
    await harness.say(person, "3")
    push = render_push("announcement", "en", default_language="en",
                       texts={"en": "New rules for work permits."}, faq_slug="work-who-may-work",
                       faq_title={"en": "Who may work"})
    outcome = await harness.channel.transport.send(Contact("signal", person.uuid), push)
    assert type(outcome).__name__ == "Sent"
    text = harness.daemon.sent_to(person.uuid)[-1].message
    code = re.search(r"→ (\S+)$", text, re.M).group(1)
    [answer] = await harness.say(person, code)
    assert "Who may work" in answer and "praca.gov.pl" in answer
