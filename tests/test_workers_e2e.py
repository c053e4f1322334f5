"""Two real bot processes (`python -m bot run`, webhook mode) on one PostgreSQL and one Redis,
behind one webhook address (tests/lb.py), against the Bot API sandbox: a dialog moves
between them, a campaign and staff replies are split between them and survive one of them
being killed (SIGKILL), and schedules that fell due fire once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from bot.broadcast.setup import build_campaign_service
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import Campaign, Delivery, Schedule, TicketMessage, TopicSubscription
from bot.factory import build_survey_service
from bot.feedback.service import TicketService
from tests import pg
from tests.bot_process import BotProcess, answered, no_error_seen, send_text, until
from tests.botenv import make_settings
from tests.lb import RoundRobin
from tests.people import add_telegram_user
from tests.workers_env import REDIS, fresh_database, pg_cluster, redis_server

pytestmark = pytest.mark.skipif(not pg.available() or REDIS is None,
                                reason="PostgreSQL server binaries and redis-server are needed")

SECRET = "two-workers-secret"
CONCURRENCY = 8  # each process's push sends in flight at once (PUSH_CONCURRENCY)


@pytest.fixture(scope="module")
def servers():
    if not pg.available() or REDIS is None:
        pytest.skip("PostgreSQL server binaries and redis-server are needed")
    with pg_cluster() as pg_url, redis_server() as redis_url:
        yield pg_url, redis_url


class Workers:
    """Two bot processes and the round-robin address in front of them."""

    def __init__(self, sandbox, tmp_path, db_url: str, redis_url: str, **env: str) -> None:
        self.db_url = db_url
        self.procs = []
        for i in range(2):
            workdir = tmp_path / f"worker{i}"
            workdir.mkdir()
            self.procs.append(BotProcess(
                sandbox, tmp_path / "unused.db", workdir, mode="webhook", DATABASE_URL=db_url,
                REDIS_URL=redis_url, WEBHOOK_SECRET=SECRET, LOG_LEVEL="INFO",
                PUSH_SYNC_SECONDS="1", PUSH_RECLAIM_SECONDS="3", PUSH_RATE_LIMIT="150",
                PUSH_CONCURRENCY=str(CONCURRENCY), FEEDBACK_POLL_SECONDS="0.5",
                FEEDBACK_LEASE_SECONDS="3", FLOOD_BURST="0", **env))
        self.lb = RoundRobin([f"http://127.0.0.1:{p.env['WEB_PORT']}/webhook"
                              for p in self.procs])
        for proc in self.procs:
            proc.env["WEBHOOK_URL"] = self.lb.url

    async def start(self) -> Workers:
        await self.lb.start()
        # Together: one migrates and imports the content, the other waits for it.
        await asyncio.gather(*(p.start(timeout=180) for p in self.procs))
        return self

    async def stop(self) -> None:
        try:
            for proc in self.procs:
                await proc.stop()
        finally:
            await self.lb.stop()

    def failures(self) -> list[str]:
        return [line for p in self.procs for line in p.failures()]


@pytest.fixture
async def db_url(servers):
    return await fresh_database(servers[0])


async def _sessions(url: str):
    engine = create_engine(url)
    return engine, create_session_factory(engine)


async def test_a_dialog_begun_on_one_process_continues_on_the_other(servers, db_url, sandbox,
                                                                    tmp_path):
    workers = await Workers(sandbox, tmp_path, db_url, servers[1]).start()
    try:
        user = sandbox.user(3101, language_code="en")
        await send_text(user, "/start", "Health")
        for label in ("🩺 Health", "⬅️ Back", "🩺 Health"):
            update_ = await user.press(label, wait=False)
            await answered(user, update_)
        assert "Health" in user.chat.last_bot_message().text
        # The updates went to both processes in turn: the dialog's state is in Redis.
        assert set(workers.lb.handled) == {0, 1}
        # The crisis card for a message, then its edit on the other process: no second card.
        await send_text(user, "nie chce juz zyc", "116 123")
        got_message, handled = workers.lb.handled[-1], len(workers.lb.handled)
        crisis = [m for m in user.chat.messages if not m.from_bot][-1]
        before = len(user.chat.bot_texts())
        await user.edit_message(crisis.message_id, "nie chcę już żyć", wait=False)
        await until(lambda: len(workers.lb.handled) > handled, 30, "the edit handled")
        await sandbox.wait_idle(settle=0.5, timeout=30)
        assert workers.lb.handled[handled] != got_message  # round robin: the other process
        assert not any("116 123" in t for t in user.chat.bot_texts()[before:])
        assert no_error_seen(user)
        assert workers.failures() == []
    finally:
        await workers.stop()


async def _add_users(sessions, sandbox, count: int, start: int) -> list[int]:
    ids = list(range(start, start + count))
    async with sessions() as session:
        # The internal id equals the Telegram id here, so the test can open tickets by it.
        users = [await add_telegram_user(session, i, id=i, language="uk") for i in ids]
        session.add_all(TopicSubscription(user_id=u.id, topic="general") for u in users)
        await session.commit()
    for i in ids:
        sandbox.user(i, language_code="uk")
    return ids


def _sent(sandbox, marker: str) -> Counter:
    return Counter(int(c.params["chat_id"]) for c in sandbox.calls
                   if c.method == "sendMessage" and c.ok and marker in c.params.get("text", ""))


async def test_a_campaign_split_between_two_processes_survives_a_kill(servers, db_url, sandbox,
                                                                      tmp_path):
    workers = await Workers(sandbox, tmp_path, db_url, servers[1]).start()
    engine, sessions = await _sessions(db_url)
    try:
        ids = await _add_users(sessions, sandbox, 2000, 600_000)
        settings = make_settings(tmp_path / "unused.db", sandbox)
        service = build_campaign_service(settings, sessions)
        campaign = await service.create_announcement(
            "Office closed", {"uk": "Офіс зачинено 24 грудня"}, quiet_hours=False)
        marker = "Офіс зачинено"
        await until(lambda: sum(_sent(sandbox, marker).values()) >= 500, 120,
                    "500 pushes sent")
        await workers.procs[0].kill()
        assert sum(_sent(sandbox, marker).values()) < 2000  # killed midway
        async with sessions() as session:
            async def done() -> bool:
                return await session.scalar(
                    select(Campaign.status).where(Campaign.id == campaign.id)) == "done"

            deadline = asyncio.get_running_loop().time() + 180
            while not await done():
                assert asyncio.get_running_loop().time() < deadline, "campaign not done"
                await session.rollback()
                await asyncio.sleep(0.5)
            statuses = dict((await session.execute(
                select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign.id)
                .group_by(Delivery.status))).all())
        sent = _sent(sandbox, marker)
        assert statuses == {"sent": 2000}
        assert set(sent) == set(ids)  # everyone got it
        twice = [chat for chat, n in sent.items() if n > 1]
        # Sent twice at most what the killed process had sent and not yet recorded: one send
        # per worker task in flight (README, "Several workers"); what it had only claimed
        # is sent once, by the other process.
        assert len(twice) <= CONCURRENCY, len(twice)
        assert all(n == 2 for n in sent.values() if n > 1)
        # Both processes sent part of it.
        logs = [p.log_text() for p in workers.procs]
        assert all(f"campaign {campaign.id}: sending" in log for log in logs)
        assert workers.procs[1].failures() == []
    finally:
        await engine.dispose()
        await workers.stop()


async def test_staff_replies_split_between_two_couriers_survive_a_kill(servers, db_url,
                                                                       sandbox, tmp_path):
    workers = await Workers(sandbox, tmp_path, db_url, servers[1]).start()
    engine, sessions = await _sessions(db_url)
    try:
        count = 400
        ids = await _add_users(sessions, sandbox, count, 700_000)
        tickets = TicketService(sessions)
        numbers = [(await tickets.open(i, "uk", "Питання")).number for i in ids]
        # Every reply saved at once, as a burst of staff answers; both couriers pick them up.
        async with sessions() as session:
            session.add_all(TicketMessage(ticket_id=n, author="staff", text=f"Відповідь {n}",
                                          staff_email="ed@example.org", delivery="pending")
                            for n in numbers)
            await session.commit()
        marker = "Відповідь"
        # Kill the first process once it has delivered replies of its own: under load the
        # other one may take the first 60 alone, and killing an idle process proves nothing.
        await until(lambda: sum(_sent(sandbox, marker).values()) >= 60
                    and "delivered" in workers.procs[0].log_text(), 120,
                    "60 replies, some by the process to be killed")
        await workers.procs[0].kill()
        assert sum(_sent(sandbox, marker).values()) < count  # killed midway
        await until(lambda: set(_sent(sandbox, marker)) == set(ids), 120, "every reply")
        async with sessions() as session:
            async def delivered() -> dict:
                await session.rollback()
                return dict((await session.execute(
                    select(TicketMessage.delivery, func.count())
                    .where(TicketMessage.author == "staff")
                    .group_by(TicketMessage.delivery))).all())

            deadline = asyncio.get_running_loop().time() + 60
            while (states := await delivered()) != {"sent": count}:
                assert asyncio.get_running_loop().time() < deadline, states
                await asyncio.sleep(0.2)
        sent = _sent(sandbox, marker)
        twice = [chat for chat, n in sent.items() if n > 1]
        # A courier marks each reply before it sends the next: of the batch the killed one had
        # claimed, at most the reply it was sending went out twice (after its lease ran out).
        assert len(twice) <= 1, len(twice)
        assert workers.procs[1].failures() == []
        logs = [p.log_text() for p in workers.procs]
        assert all("delivered" in log for log in logs)  # the survivor took over
    finally:
        await engine.dispose()
        await workers.stop()


async def test_schedules_due_while_down_fire_once_when_two_processes_start(
        servers, db_url, sandbox, tmp_path):
    await upgrade_async(db_url)
    engine, sessions = await _sessions(db_url)
    workers = None
    try:
        settings = make_settings(tmp_path / "unused.db", sandbox)
        surveys = build_survey_service(settings, sessions)
        service = build_campaign_service(settings, sessions, surveys=surveys)
        hourly = await service.create_schedule("Hourly news", "announcement", "0 * * * *",
                                               texts={"en": "News"})
        waves = await service.create_schedule("Survey", "survey", "0 * * * *",
                                              survey="belonging")
        # Made two hours ago: a firing fell due while no process was up.
        async with sessions() as session:
            await session.execute(update(Schedule).values(
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                - dt.timedelta(hours=2)))
            await session.commit()
        workers = await Workers(sandbox, tmp_path, db_url, servers[1]).start()

        async def made() -> dict[tuple[int | None, str], int]:
            async with sessions() as session:
                rows = (await session.execute(
                    select(Campaign.schedule_id, Campaign.kind, func.count())
                    .group_by(Campaign.schedule_id, Campaign.kind))).all()
            return {(s, k): n for s, k, n in rows}

        expected = {(hourly.id, "announcement"): 1, (waves.id, "survey_invite"): 1,
                    (waves.id, "survey_reminder"): 1}
        deadline = asyncio.get_running_loop().time() + 60
        while await made() != expected:
            assert asyncio.get_running_loop().time() < deadline, await made()
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # both processes have synced several times since
        assert await made() == expected
        logs = "\n".join(p.log_text() for p in workers.procs)
        assert logs.count(f"schedule {hourly.id}: firing for") == 1
        assert workers.failures() == []
    finally:
        await engine.dispose()
        if workers is not None:
            await workers.stop()
