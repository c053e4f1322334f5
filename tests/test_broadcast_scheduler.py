"""The push scheduler: rebuilt from rows, catches up on what fell due while it was down,
fires schedules; and the buttons inside pushes, in the whole bot."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update

from bot.broadcast.scheduler import PushScheduler
from bot.db.models import Campaign, Schedule, SurveyWave
from tests.botenv import RunningBot, make_settings
from tests.broadcast_env import NOON, add_users, push_env, sent_counts
from tests.people import by_telegram, telegram_user


async def _until(predicate, limit: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def test_campaigns_due_while_down_are_sent_once_on_start(db_path, sandbox):
    env = await push_env(db_path, sandbox)
    try:
        ids = await add_users(env, sandbox, 12)
        hour_ago = NOON - dt.timedelta(hours=1)
        missed = await env.service.create_announcement("missed", {"uk": "Пропущене"},
                                                       due_at=hour_ago)
        crashed = await env.service.create_announcement("crashed", {"uk": "Перерване"},
                                                        due_at=hour_ago)
        future = await env.service.create_announcement("later", {"uk": "Пізніше"},
                                                       due_at=NOON + dt.timedelta(days=1))
        # A sender that died an hour ago: started, claimed 5 rows, recorded none of them.
        deliveries = env.broadcaster.ledger
        await deliveries.start(crashed.id, hour_ago.replace(tzinfo=None))
        claimed = await deliveries.claim(crashed.id, 5, hour_ago.replace(tzinfo=None))
        assert len(claimed) == 5

        scheduler = PushScheduler(env.service, env.broadcaster, sync_seconds=0.2)
        await scheduler.start()

        async def both_done() -> bool:
            states = [(await env.service.get(c.id)).status for c in (missed, crashed)]
            return states == ["done", "done"]

        await _until(both_done)
        await scheduler.stop()
        counts = sent_counts(sandbox)
        assert counts == {i: 2 for i in ids}
        assert (await env.service.get(future.id)).status == "scheduled"

        again = PushScheduler(env.service, env.broadcaster, sync_seconds=0.2)
        await again.start()
        await asyncio.sleep(0.6)  # a few syncs: nothing is due, nothing is sent again
        await again.stop()
        assert sent_counts(sandbox) == counts
    finally:
        await env.close()


async def test_a_schedule_missed_while_down_fires_once(db_path, sandbox):
    env = await push_env(db_path, sandbox)
    try:
        invited = await add_users(env, sandbox, 3, survey_pushes=True)
        schedule = await env.service.create_schedule(
            "quarterly", "survey", "0 10 1 1,4,7,10 *", survey="belonging", remind_after_days=5)
        async with env.sessions() as session:
            await session.execute(update(Schedule).where(Schedule.id == schedule.id).values(
                created_at=NOON.replace(tzinfo=None) - dt.timedelta(days=120)))
            await session.commit()
        scheduler = PushScheduler(env.service, env.broadcaster, sync_seconds=0.2)
        await scheduler.start()
        assert scheduler._scheduler.get_job(f"schedule:{schedule.id}") is not None

        async def invited_all() -> bool:
            return sent_counts(sandbox) == {i: 1 for i in invited}

        await _until(invited_all)
        await scheduler.stop()
        async with env.sessions() as session:
            kinds = (await session.scalars(select(Campaign.kind).where(
                Campaign.schedule_id == schedule.id).order_by(Campaign.id))).all()
            waves = (await session.scalars(select(SurveyWave.code))).all()
        assert kinds == ["survey_invite", "survey_reminder"]
        assert len(waves) >= 1

        restarted = PushScheduler(env.service, env.broadcaster, sync_seconds=0.2)
        await restarted.start()  # the firing is made up for already: not again
        await asyncio.sleep(0.5)
        await restarted.stop()
        async with env.sessions() as session:
            assert len((await session.scalars(select(Campaign.id).where(
                Campaign.schedule_id == schedule.id))).all()) == 2
    finally:
        await env.close()


async def test_push_buttons_open_the_survey_and_the_answer_in_any_state(db_path, sandbox):
    settings = make_settings(db_path, sandbox, push_quiet_hours="", push_sync_seconds=0.2)
    running = RunningBot(sandbox, settings)
    await running.start()
    try:
        app = running.app
        olena = sandbox.user(4242, language_code="uk")
        await olena.send_command("start")
        await app.surveys.set_pushes((await telegram_user(app.sessions, olena.id)).id, True)
        await _subscribe(app, olena.id, "general")
        await olena.send_text("pesel")  # some dialog is open when the push arrives
        service = app.pushes.service
        launch = await service.launch_survey("belonging", remind_after_days=0)
        news = await service.create_announcement("news", {"uk": "Нові правила"},
                                                 faq_slug="legal-stay-mos")
        await app.pushes.sync()

        async def delivered() -> bool:
            rows = [*(await _rows(app, launch.invitation.id)).values(),
                    *(await _rows(app, news.id)).values()]
            return rows == ["sent", "sent"]

        await _until(delivered)
        invite = next(m for m in olena.chat.bot_messages() if "Як вам тут живеться?" in m.text)
        await olena.press("📝 Пройти опитування", invite)
        assert "Як вам тут живеться?" in olena.chat.bot_texts()[-1]
        assert olena.chat.buttons()[0][0].startswith("✅")  # consent: "I agree, start"
        await olena.press(0)  # agree: now in the middle of the survey
        notice = next(m for m in olena.chat.bot_messages() if m.text.startswith("Нові правила"))
        title = app.content.catalog.get("legal-stay-mos").title("uk").text
        await olena.press("📖 " + title, notice)
        assert title in olena.chat.bot_texts()[-1]
        assert invite.text and notice.text.startswith("Нові правила")  # pushes stay as sent
        # What the ledger holds about her is in /mydata.
        await olena.send_command("mydata")
        assert "Надіслані вам сповіщення: 2 (останнє — " in olena.chat.bot_texts()[-1]
    finally:
        await running.stop()


async def _subscribe(app, tg_user_id: int, topic: str) -> None:
    from bot.db.models import TopicSubscription, User

    async with app.sessions() as session:
        user_id = await session.scalar(by_telegram(tg_user_id, User.id))
        session.add(TopicSubscription(user_id=user_id, topic=topic))
        await session.commit()


async def _rows(app, campaign_id: int) -> dict[int, str]:
    from bot.db.models import Delivery

    async with app.sessions() as session:
        return dict((await session.execute(select(Delivery.user_id, Delivery.status).where(
            Delivery.campaign_id == campaign_id))).all())


async def test_blocked_in_the_bot_process_goes_through_the_user_directory(db_path, sandbox):
    settings = make_settings(db_path, sandbox, push_quiet_hours="")
    running = RunningBot(sandbox, settings)
    await running.start()
    try:
        app = running.app
        user = sandbox.user(5151, language_code="pl")
        await user.send_command("start")
        uid = (await telegram_user(app.sessions, user.id)).id
        await app.surveys.set_pushes(uid, True)
        sandbox.inject("sendMessage", 403, chat_id=user.id, times=1)
        launch = await app.pushes.service.launch_survey("belonging", remind_after_days=0)
        result = await app.pushes.broadcaster.run_campaign(launch.invitation.id)
        assert (result.status, result.blocked) == ("done", 1)
        users = app.dispatcher["users"]
        assert (await users.describe(uid)).blocked
        await user.send_text("hej")  # writing again undoes the block, cache or not
        assert not (await users.describe(uid)).blocked
    finally:
        await running.stop()

