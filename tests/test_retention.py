"""Retention: people who have not written for RETENTION_INACTIVE_MONTHS are erased as /delete
erases them, old answered or closed tickets go with their staff-group copies; nightly in the
bot's scheduler and on demand with `python -m bot privacy purge`; /privacy says both periods."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pickle
import sys

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select, update

from bot.broadcast.scheduler import daily_job
from bot.channels.telegram.fsm_storage import SqlStorage
from bot.channels.telegram.identity import dialog_state_eraser
from bot.config import PROJECT_ROOT
from bot.db.models import (
    Delivery,
    FsmRecord,
    StaffPostRemoval,
    SurveyAnswer,
    SurveyParticipation,
    Ticket,
    TopicSubscription,
    User,
    UserContact,
)
from bot.feedback.service import TicketService
from bot.privacy.erasure import UserErasure
from bot.privacy.retention import Retention, months_before
from bot.users import UserDirectory
from tests.botenv import RunningBot, make_settings
from tests.broadcast_env import NOON, add_users, internal_id, push_env

STAFF_CHAT = -1001234567890
TODAY = NOON.date()  # 2026-11-26
PEOPLE_LIMIT = dt.date(2024, 11, 26)  # 24 months before
TICKET_LIMIT = dt.datetime(2025, 11, 26, 11, 0)  # 12 months before, UTC


@pytest.fixture
async def env(db_path, sandbox):
    environment = await push_env(db_path, sandbox)
    storage = SqlStorage(environment.engine)
    erasure = UserErasure(UserDirectory(environment.sessions), TicketService(environment.sessions),
                          contact_erasers=[dialog_state_eraser(storage)], staff_chat_id=STAFF_CHAT)
    environment.retention = Retention(erasure, clock=environment.clock)  # type: ignore[attr-defined]
    environment.storage = storage  # type: ignore[attr-defined]
    yield environment
    await storage.close()
    await environment.close()


async def _last_seen(env, tg_user_ids: list[int], day: dt.date) -> None:
    async with env.sessions() as session:
        await session.execute(update(User).where(User.id.in_(
            select(UserContact.user_id).where(UserContact.address.in_(map(str, tg_user_ids)))))
                              .values(last_seen_on=day))
        await session.commit()


async def _count(env, model, *where) -> int:
    async with env.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def _tg_ids(env) -> set[int]:
    async with env.sessions() as session:
        return {int(a) for a in (await session.scalars(select(UserContact.address))).all()}


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(dt.date(2026, 11, 26), 24) == PEOPLE_LIMIT
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)
    assert Retention(None, clock=lambda: NOON).limits() == (PEOPLE_LIMIT, TICKET_LIMIT)  # type: ignore[arg-type]


async def test_only_people_inactive_beyond_the_limit_are_erased(env, sandbox):
    old = await add_users(env, sandbox, 2, start=100, survey_pushes=True)
    edge = await add_users(env, sandbox, 1, start=200, survey_pushes=True)
    young = await add_users(env, sandbox, 2, start=300, survey_pushes=True)
    await _last_seen(env, old, PEOPLE_LIMIT - dt.timedelta(days=1))
    await _last_seen(env, edge, PEOPLE_LIMIT)  # exactly 24 months: not beyond the limit
    await _last_seen(env, young, dt.date(2025, 6, 1))
    # Each took part in the survey (answers released at once, K=1) and was sent a push.
    wave = await env.surveys.open_wave("belonging", k=1)
    survey = env.surveys.surveys["belonging"]
    answers = {q.key: q.options[0].id for q in survey.questions if q.kind != "multi"}
    for person in (*old, *edge, *young):
        assert (await env.surveys.complete(await internal_id(env, person), wave.id,
                                           answers)).accepted
    news = await env.service.create_announcement("news", {"uk": "Новини"})
    await env.broadcaster.run_campaign(news.id)
    for person in (old[0], young[0]):
        await env.storage.set_state(StorageKey(bot_id=1, chat_id=person, user_id=person), "SG:x")
    tickets = TicketService(env.sessions)
    await tickets.open(await internal_id(env, old[0]), "uk", "Питання про карту побуту")
    assert await _count(env, SurveyAnswer) == 5

    dry = await env.retention.purge(dry_run=True)
    assert (dry.people, dry.people_before, dry.dry_run) == (2, PEOPLE_LIMIT, True)
    assert await _tg_ids(env) == {*old, *edge, *young}  # a dry run deletes nothing

    report = await env.retention.purge()

    assert (report.people, report.dry_run) == (2, False)
    assert await _tg_ids(env) == {*edge, *young}
    assert await _count(env, SurveyParticipation) == 3  # theirs are gone
    assert await _count(env, Delivery, Delivery.campaign_id == news.id) == 3
    assert await _count(env, TopicSubscription) == 3
    assert await _count(env, Ticket) == 0
    assert await _count(env, FsmRecord, FsmRecord.key.like(f"%:{old[0]}:%")) == 0
    assert await _count(env, FsmRecord, FsmRecord.key.like(f"%:{young[0]}:%")) == 1
    assert await _count(env, SurveyAnswer) == 5  # released anonymous answers stay
    assert (await env.retention.purge()).people == 0  # nothing left to do


async def test_old_answered_or_closed_tickets_go_with_their_staff_group_copies(env, sandbox):
    [tg_person] = await add_users(env, sandbox, 1, start=400)  # active: only tickets expire
    person = await internal_id(env, tg_person)
    tickets = TicketService(env.sessions)
    numbers = {}
    for name, status, age in (("old_answered", "answered", 400), ("old_closed", "closed", 366),
                              ("recent_closed", "closed", 300), ("old_waiting", "new", 700)):
        view = await tickets.open(person, "uk", f"ticket {name}")
        await tickets.set_staff_post(view.first.id, 9000 + view.number)
        async with env.sessions() as session:
            await session.execute(update(Ticket).where(Ticket.id == view.number).values(
                status=status, updated_at=NOON.replace(tzinfo=None) - dt.timedelta(days=age)))
            await session.commit()
        numbers[name] = view.number

    report = await env.retention.purge()

    assert (report.tickets, report.tickets_before, report.people) == (2, TICKET_LIMIT, 0)
    assert sorted(n for n, _ in await tickets.for_user(person)) == [
        numbers["recent_closed"], numbers["old_waiting"]]  # waiting for a reply: kept
    removals = await tickets.staff_post_removals()
    assert sorted((r.chat_id, r.message_id, r.ticket_number, r.kind) for r in removals) == [
        (STAFF_CHAT, 9000 + numbers["old_answered"], numbers["old_answered"], "text"),
        (STAFF_CHAT, 9000 + numbers["old_closed"], numbers["old_closed"], "text")]
    assert await _count(env, StaffPostRemoval) == 2


async def _purge_cli(db_path, *args: str) -> tuple[int, str, str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{db_path}", LOG_LEVEL="WARNING",
               RETENTION_INACTIVE_MONTHS="24", TICKET_RETENTION_MONTHS="12")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "privacy", "purge", *args, cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_purge_from_the_command_line(env, sandbox, db_path):
    old = await add_users(env, sandbox, 3, start=500)
    await _last_seen(env, old, dt.date.today() - dt.timedelta(days=800))
    await add_users(env, sandbox, 1, start=600)
    limit = months_before(dt.datetime.now(dt.UTC).date(), 24).isoformat()

    code, out, _ = await _purge_cli(db_path, "--dry-run")
    assert code == 0
    assert out.startswith("dry run, nothing deleted: would erase the data of 3 people who "
                          f"have not written since before {limit} (24 months), and delete "
                          "0 tickets answered or closed"), out
    assert len(await _tg_ids(env)) == 4

    code, out, err = await _purge_cli(db_path)
    assert code == 0
    assert out.startswith(f"erased the data of 3 people who have not written since before "
                          f"{limit} (24 months); deleted 0 tickets"), out
    assert "3 / 3 people erased" in err  # the progress line
    assert await _tg_ids(env) == {600}


@pytest.mark.parametrize(("settings", "lang", "periods"), [
    ({}, "pl", ("przez 24 miesiące nie napiszesz", "usuwane 12 miesięcy po udzieleniu")),
    ({}, "uk", ("боту 24 місяці поспіль", "через 12 місяців після відповіді")),
    ({}, "en", ("for 24 months, everything", "deleted 12 months after")),
    ({"retention_inactive_months": 5, "ticket_retention_months": 1}, "pl",
     ("przez 5 miesięcy nie napiszesz", "usuwane 1 miesiąc po udzieleniu")),
    ({"retention_inactive_months": 21, "ticket_retention_months": 3}, "uk",
     ("боту 21 місяць поспіль", "через 3 місяці після відповіді")),
])
async def test_privacy_says_both_periods(sandbox, db_path, settings, lang, periods):
    running = RunningBot(sandbox, make_settings(db_path, sandbox, **settings))
    await running.start()
    try:
        user = sandbox.user(1090, language_code=lang)
        await user.send_command("privacy")
        text = user.chat.bot_texts()[-1]
        assert all(period in text for period in periods), text
    finally:
        await running.stop()


async def test_the_bot_purges_every_night(sandbox, db_path):
    running = RunningBot(sandbox, make_settings(db_path, sandbox, staff_chat_id=STAFF_CHAT))
    await running.start()
    try:
        app = running.app
        assert app is not None and app.pushes is not None
        await app.pushes.sync()  # a sync keeps the daily job
        job = app.pushes._scheduler.get_job("daily:retention")  # type: ignore[union-attr]
        assert job is not None and job.func is daily_job
        assert pickle.loads(pickle.dumps(job.args)) == (app.pushes.key, "retention")
        assert str(job.trigger) == "cron[hour='4', minute='0']"
        assert str(job.trigger.timezone) == "Europe/Warsaw"

        # What the job does: the person who used the bot long ago is erased, dialog included.
        gone, stays = sandbox.user(1091, language_code="en"), sandbox.user(1092)
        await gone.send_command("start")
        await stays.send_command("start")
        async with app.sessions() as session:
            await session.execute(update(User).where(User.id == select(
                UserContact.user_id).where(UserContact.address == "1091").scalar_subquery()).values(
                last_seen_on=dt.date.today() - dt.timedelta(days=800)))
            await session.commit()
        await daily_job(*job.args)
        async with app.sessions() as session:
            left = {int(a) for a in (await session.scalars(select(UserContact.address))).all()}
            dialogs = await session.scalar(select(func.count()).select_from(FsmRecord).where(
                FsmRecord.key.like("%:1091:%")))
        assert left == {1092} and dialogs == 0
    finally:
        await running.stop()
