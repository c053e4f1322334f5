"""What a person does is the same on Telegram and on Signal: each scenario runs on both,
through a channel driver (tests/channel_drivers.py), over the fake Telegram server and the
fake signal-cli daemon, with the real bot and database behind them."""

from __future__ import annotations

import asyncio
import html
import re

import pytest
from sqlalchemy import func, select

from bot.broadcast.setup import build_broadcaster, build_campaign_service
from bot.channels.signal.rpc import SignalRpc
from bot.channels.signal.runner import survey_service
from bot.channels.signal.transport import SignalTransport
from bot.channels.telegram.transport import TelegramTransport
from bot.config import PROJECT_ROOT
from bot.content.yaml_io import load_dir
from bot.db.models import (
    Rating,
    SurveyAnswer,
    SurveyHolding,
    SurveyParticipation,
    TicketMessage,
    TopicSubscription,
    User,
    UserContact,
)
from bot.factory import build_bot
from bot.fake_signal import FakeSignalDaemon
from bot.feedback.service import TicketService
from bot.surveys.definition import load_survey
from tests.botenv import TOKEN, RunningBot
from tests.botenv import make_settings as telegram_settings
from tests.channel_drivers import SignalDriver, TelegramDriver
from tests.test_signal_channel import Harness

ROOTS = load_dir(PROJECT_ROOT / "content")[0]
SURVEY = load_survey(PROJECT_ROOT / "content" / "surveys" / "belonging.yaml")


class Env:
    """The running channel, its database, its courier and a transport to it, for one
    scenario."""

    def __init__(self, driver, sessions, kick, settings, transport, reset_menu=None) -> None:
        self.driver, self.sessions, self.kick = driver, sessions, kick
        self.settings, self.transport = settings, transport
        self.reset_menu = reset_menu or (lambda: None)


@pytest.fixture(params=["telegram", "signal"])
async def env(request, sandbox, db_path):
    if request.param == "telegram":
        running = RunningBot(sandbox, telegram_settings(db_path, sandbox,
                                                        feedback_poll_seconds=0.2))
        await running.start()
        user = sandbox.user(6100, language_code=None, first_name="Ana")
        driver = TelegramDriver(sandbox, user, running.app.sessions)
        try:
            yield Env(driver, running.app.sessions, running.app.courier.kick, running.settings,
                      lambda: TelegramTransport(build_bot(running.settings, TOKEN)))
        finally:
            driver.close()
            await running.stop()
    else:
        async with FakeSignalDaemon() as daemon:
            harness = Harness(daemon, db_path)
            channel = await harness.start()
            # What `python -m bot run` does on start for every process (bot/runner.py).
            surveys = survey_service(channel.settings, harness.sessions)
            for slug in surveys.surveys:
                await surveys.ensure_first_wave(slug)

            def reset_menu() -> None:
                channel.conversation._survey_running = (False, 0.0)  # looks again now

            try:
                yield Env(SignalDriver(harness, daemon.person("+48601333000")),
                          harness.sessions, channel.courier.kick, channel.settings,
                          lambda: SignalTransport(SignalRpc(daemon.base_url, daemon.account)),
                          reset_menu)
            finally:
                await harness.stop()
                await harness.engine.dispose()


async def start_in_english(driver) -> str:
    replies = await driver.say("/start")
    picker = "\n".join(replies)
    assert "polski" in picker and "українська" in picker and "English" in picker
    menu = "\n".join(await driver.choose("English"))
    assert "Work" in menu and "Housing" in menu and "Write to us" in menu
    return menu


def answer_with_more():
    """An answer that has an English "More", and the titles that lead to it from the menu."""
    def walk(nodes):
        for node in nodes:
            if node.is_answer:
                more = node.more("en")
                if more is not None and not more.fallback:
                    return [node]
            else:
                found = walk(node.children)
                if found:
                    return [node, *found]
        return None
    path = walk(ROOTS)
    assert path is not None
    return path


def opening(markup: str) -> str:
    """The first words of a text in the core markup, as any channel shows them."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", markup))
    return " ".join(plain.split()[:4])


async def test_language_choice_then_the_menu_in_that_language(env):
    await start_in_english(env.driver)
    async with env.sessions() as session:
        language = await session.scalar(select(User.language).where(
            User.id == await env.driver.user_id()))
    assert language == "en"


async def test_faq_browse_to_an_answer_and_its_more(env):
    await start_in_english(env.driver)
    path = answer_with_more()
    for node in path:
        replies = await env.driver.choose(node.title("en").text)
    answer = "\n".join(replies)
    assert opening(path[-1].body("en").text) in answer
    assert "Helpful" in answer and "More" in answer
    details = "\n".join(await env.driver.choose("ℹ️ More"))
    assert opening(path[-1].more("en").text) in details


async def test_search_in_the_persons_words(env):
    await start_in_english(env.driver)
    results = "\n".join(await env.driver.say("karta pobytu"))
    assert "«karta pobytu»" in results
    residence = next(node for node in ROOTS if node.slug == "legal-stay")
    titles = [a.title("en").text for a in residence.answers()]
    found = [title for title in titles if title in results]
    assert found, results
    answer = "\n".join(await env.driver.choose(found[0]))
    assert found[0] in answer and "Checked on" in answer


async def test_a_crisis_message_gets_the_card_first(env):
    await start_in_english(env.driver)
    replies = await env.driver.say("I want to kill myself")
    assert replies and "🆘" in replies[0] and "112" in replies[0]


async def test_rating_an_answer(env):
    await start_in_english(env.driver)
    path = answer_with_more()
    for node in path:
        await env.driver.choose(node.title("en").text)
    async with env.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(Rating))
    thanks = "\n".join(await env.driver.choose("Helpful"))
    assert "Thank you" in thanks
    async with env.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Rating)) == before + 1


async def test_write_to_staff_and_get_the_reply(env):
    await start_in_english(env.driver)
    prompt = "\n".join(await env.driver.choose("Write to us"))
    assert "one message" in prompt
    check = "\n".join(await env.driver.say("Where can I learn Polish for free?"))
    assert "Where can I learn Polish for free?" in check
    done = "\n".join(await env.driver.choose("Send"))
    tickets = TicketService(env.sessions)
    [(number, status)] = await tickets.for_user(await env.driver.user_id())
    assert f"#{number}" in done and status == "new"
    await tickets.reply(number, "At the library on Długa street, on Mondays.", "ed@example.org")
    env.kick()
    reply = await env.driver.wait_for("Długa street")
    assert f"#{number}" in reply
    async with asyncio.timeout(10):  # recorded just after the send
        while True:
            async with env.sessions() as session:
                if await session.scalar(select(TicketMessage.delivery).where(
                        TicketMessage.author == "staff")) == "sent":
                    break
            await asyncio.sleep(0.05)
    mydata = "\n".join(await env.driver.say("/mydata"))
    assert f"ticket #{number}: staff replied" in mydata


async def test_privacy_and_mydata(env):
    await start_in_english(env.driver)
    privacy = "\n".join(await env.driver.say("/privacy"))
    assert "🔒" in privacy and "language" in privacy  # what is kept, and why
    assert "Delete my data" in privacy or "/delete" in privacy
    mydata = "\n".join(await env.driver.say("/mydata"))
    assert "Language: English" in mydata


async def test_delete_erases_the_person(env):
    await start_in_english(env.driver)
    user_id = await env.driver.user_id()
    assert user_id is not None
    confirm = "\n".join(await env.driver.say("/delete"))
    assert "Yes, delete" in confirm
    done = "\n".join(await env.driver.choose("Yes, delete"))
    assert "deleted" in done.lower()
    async with env.sessions() as session:
        assert await session.get(User, user_id) is None
        assert await session.scalar(select(func.count()).select_from(UserContact)
                                    .where(UserContact.user_id == user_id)) == 0
    # Writing again starts afresh: the language is asked again.
    picker = "\n".join(await env.driver.say("/start"))
    assert "polski" in picker and "English" in picker and "Work" not in picker


async def test_a_survey_answered_is_stored_and_not_linkable(env):
    await start_in_english(env.driver)
    env.reset_menu()
    surveys = "\n".join(await env.driver.say("/surveys"))
    consent = "\n".join(await env.driver.choose("📝"))
    assert SURVEY.title["en"] in consent
    questions = [*SURVEY.core(), *SURVEY.profile()]
    replies = await env.driver.choose("I agree")
    given: dict[str, object] = {}
    for i, question in enumerate(questions):
        screen = "\n".join(replies)
        assert f"{i + 1}/{len(questions)}" in screen and question.text["en"] in screen
        option = question.options[0]
        replies = await env.driver.choose(option.label["en"])
        if question.kind == "multi":
            replies = await env.driver.choose("Done")
            given[question.key] = [option.id]
        else:
            given[question.key] = option.id
    assert "Thank you" in "\n".join(replies)
    async with env.sessions() as session:
        held = [h.answers for h in (await session.scalars(select(SurveyHolding))).all()]
        released = [a.answers for a in (await session.scalars(select(SurveyAnswer))).all()]
        [done] = (await session.scalars(select(SurveyParticipation.completed))).all()
    assert done is True
    assert held + released == [given]
    # Answers are stored with no reference to a person: no column could link them.
    for model in (SurveyHolding, SurveyAnswer):
        columns = {c.name for c in model.__table__.columns}
        assert not columns & {"user_id", "participation_id", "address", "tg_user_id"}, columns
    assert surveys


async def test_a_push_is_received_once(env):
    await start_in_english(env.driver)
    # News is opt-in: the person turns on general news in the settings.
    await env.driver.say("/settings")
    settings = "\n".join(await env.driver.choose("General news"))
    assert "General news" in settings
    async with env.sessions() as session:
        assert await session.scalar(select(TopicSubscription.topic).where(
            TopicSubscription.user_id == await env.driver.user_id())) == "general"
    service = build_campaign_service(env.settings, env.sessions)
    broadcaster = build_broadcaster(env.settings, service, env.transport())
    try:
        # Now, whatever the hour the test runs at (quiet hours are tested in test_broadcast).
        campaign = await service.create_announcement(
            "library", {"en": "The city library has <b>free Polish classes</b> on Mondays."},
            quiet_hours=False)
        first = await broadcaster.run_campaign(campaign.id)
        again = await broadcaster.run_campaign(campaign.id)  # a second worker, a restart
    finally:
        await broadcaster.close()
    assert (first.status, first.sent) == ("done", 1) and again.status == "done"
    push = await env.driver.wait_for("free Polish classes")
    assert "<b>" not in push
    if isinstance(env.driver, TelegramDriver):
        texts = [m.text for m in env.driver.user.chat.bot_messages()]
    else:
        texts = [m.message for m in env.driver.daemon.sent_to(env.driver.person.uuid)]
    assert sum("free Polish classes" in (text or "") for text in texts) == 1
