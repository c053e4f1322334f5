"""Work several processes share, claimed once: staff replies (leases), schedule firings,
the start-up (migrations and content import), and the limits kept in Redis. Each process
is stood for by its own engine (its own connection pool) or its own Redis client; the whole
bot as two real processes is in tests/test_workers_e2e.py."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from bot.broadcast.scheduler import PushScheduler, last_fire_time
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import Campaign, FaqNode, Schedule, Ticket
from bot.factory import build_app
from bot.feedback.service import TicketService
from bot.feedback.staff_posts import StaffPoster
from bot.runner import prepare
from bot.shared_limits import RedisChatGate, RedisSlots, RedisTokenBuckets, redis_client
from tests import pg
from tests.botenv import make_settings
from tests.broadcast_env import push_env
from tests.people import add_telegram_user
from tests.workers_env import REDIS, fresh_database, pg_cluster, redis_server

needs_pg = pytest.mark.skipif(not pg.available(), reason="no PostgreSQL server binaries")
needs_redis = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed")


@pytest.fixture(scope="module")
def pg_server():
    if not pg.available():
        pytest.skip("no PostgreSQL server binaries")
    with pg_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    else:
        url = await fresh_database(request.getfixturevalue("pg_server"))
    await upgrade_async(url)
    return url


@pytest.fixture(scope="module")
def redis_url():
    if REDIS is None:
        pytest.skip("redis-server is not installed")
    with redis_server() as url:
        yield url


@contextlib.asynccontextmanager
async def _workers(url: str, count: int = 2):
    """`count` ticket services, each on its own engine (its own pool, as a process has),
    all connected before the test starts, so a race starts at once."""
    engines = [create_engine(url) for _ in range(count)]
    try:
        for engine in engines:
            async with engine.connect() as conn:
                await conn.execute(select(1))
        yield [TicketService(create_session_factory(e)) for e in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def _replies(url: str, count: int) -> None:
    async with _workers(url, 1) as [tickets]:
        async with tickets._sessions() as session:
            for i in range(count):
                await add_telegram_user(session, 7000 + i, id=7000 + i, language="uk")
            await session.commit()
        for i in range(count):
            ticket = await tickets.open(7000 + i, "uk", f"question {i}")
            await tickets.reply(ticket.number, f"answer {i}", "ed@example.org")


async def test_two_couriers_claim_every_reply_once(db_url):
    await _replies(db_url, 60)
    got: dict[str, list[int]] = {"a": [], "b": []}

    async def courier(name: str, tickets: TicketService) -> None:
        while batch := await tickets.claim_pending(name, limit=3):
            got[name] += [r.message_id for r in batch]
            await asyncio.sleep(0.005)  # as a courier sends: the other gets its turn

    async with _workers(db_url) as services:
        await asyncio.gather(courier("a", services[0]), courier("b", services[1]))
        assert not set(got["a"]) & set(got["b"])
        assert len(got["a"]) + len(got["b"]) == 60
        assert got["a"] and got["b"]  # both took part
        # Live leases: nobody takes any over, on start or later.
        assert await services[1].claim_pending("c") == []


async def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(db_url):
    await _replies(db_url, 2)
    async with _workers(db_url, 1) as [tickets]:
        # "killed" claimed both and died; its lease of 0 s has run out.
        killed = await tickets.claim_pending("killed", dt.timedelta(seconds=0))
        alive = await tickets.claim_pending("alive", dt.timedelta(minutes=5), limit=1)
        assert [r.message_id for r in alive] == [killed[0].message_id]
        # A courier starting now takes over only the reply whose lease ran out.
        late = await tickets.claim_pending("new")
        assert [r.message_id for r in late] == [killed[1].message_id]
        # The first courier, back from a long stall, cannot give back what was taken over.
        await tickets.release(killed[1].message_id, "killed")
        assert await tickets.claim_pending("other", dt.timedelta(seconds=0)) == []
        await tickets.mark_delivered(alive[0].message_id)
        await tickets.mark_delivered(late[0].message_id)
        assert await tickets.claim_pending("new", dt.timedelta(seconds=0)) == []
        views = [await tickets.get(r.ticket_number) for r in killed]
        assert [v.messages[-1].delivery for v in views] == ["sent", "sent"]


async def test_two_staff_posters_post_every_ticket_once(db_url):
    """Tickets from any channel wait for their staff-group post; two workers post each once."""
    await _replies(db_url, 30)
    posted: dict[str, list[int]] = {"a": [], "b": []}

    def board(name: str):
        async def post(ticket) -> str:
            posted[name].append(ticket.number)
            await asyncio.sleep(0.005)  # as Telegram answers: the other gets its turn
            return "posted"
        return post

    async with _workers(db_url) as services:
        posters = [StaffPoster(services[0], board("a"), batch=3),
                   StaffPoster(services[1], board("b"), batch=3)]
        counts = await asyncio.gather(*(p.post_pending() for p in posters))
        assert sum(counts) == 30
        assert not set(posted["a"]) & set(posted["b"])
        assert sorted(posted["a"] + posted["b"]) == list(range(1, 31))
        assert await services[0].claim_unposted("c") == []


async def test_a_killed_posters_tickets_are_posted_and_later_means_again(db_url):
    await _replies(db_url, 3)
    async with _workers(db_url, 1) as [tickets]:
        # "killed" claimed two and died; its lease of 0 s has run out, and "alive" takes one.
        killed = await tickets.claim_unposted("killed", dt.timedelta(seconds=0), limit=2)
        alive = await tickets.claim_unposted("alive", dt.timedelta(minutes=5), limit=1)
        assert [t.number for t in killed] == [1, 2] and [t.number for t in alive] == [1]
        outcomes = iter(["later", "posted", "posted"])
        seen: list[int] = []

        async def board(ticket) -> str:
            seen.append(ticket.number)
            return next(outcomes)

        poster = StaffPoster(tickets, board)
        # The group is away at the first: it and the rest of the batch wait for next round.
        assert await poster.post_pending() == 0 and seen == [2]
        assert await poster.post_pending() == 2 and seen == [2, 2, 3]  # 1 is alive's
        await tickets.finish_post(1, "killed", "posted")  # no longer the holder: no effect
        assert await tickets.claim_unposted("x", dt.timedelta(0)) == []
        await tickets.finish_post(1, "alive", "failed")
        async with tickets._sessions() as session:
            states = dict((await session.execute(select(Ticket.id, Ticket.staff_post))).all())
        assert states == {1: "failed", 2: "posted", 3: "posted"}


async def test_a_schedule_fires_once_per_cron_time_across_processes(db_url, tmp_path, sandbox):
    envs = [await push_env(tmp_path / "unused.db", sandbox, db_url=db_url) for _ in range(2)]
    try:
        await envs[0].content.reload()
        info = await envs[0].service.create_schedule(
            "Weekly", "announcement", "0 10 * * 1", texts={"en": "Hello"})
        schedulers = [PushScheduler(env.service, env.broadcaster) for env in envs]
        slot = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 in Warsaw
        fired = await asyncio.gather(*(s.fire_schedule(info.id, slot) for s in schedulers))
        assert sorted(fired) == [False, True]
        assert not await schedulers[1].fire_schedule(info.id, slot)  # later, same time
        # The next week's firing is a new one, claimed once again.
        nxt = slot + dt.timedelta(days=7)
        fired = await asyncio.gather(*(s.fire_schedule(info.id, nxt) for s in schedulers))
        assert sorted(fired) == [False, True]
        async with envs[0].sessions() as session:
            made = await session.scalar(select(func.count()).select_from(Campaign)
                                        .where(Campaign.schedule_id == info.id))
            fired_for = await session.scalar(select(Schedule.fired_for)
                                             .where(Schedule.id == info.id))
        assert made == 2
        assert fired_for == nxt.replace(tzinfo=None)
    finally:
        for env in envs:
            await env.close()


def test_last_fire_time_of_a_cron_rule():
    from apscheduler.triggers.cron import CronTrigger

    warsaw = "Europe/Warsaw"
    now = dt.datetime(2026, 12, 7, 16, 20, 30, tzinfo=dt.UTC)
    assert last_fire_time(CronTrigger.from_crontab("* * * * *", timezone=warsaw), now) \
        == dt.datetime(2026, 12, 7, 16, 20, tzinfo=dt.UTC)
    quarterly = CronTrigger.from_crontab("0 10 1 1,4,7,10 *", timezone=warsaw)
    assert last_fire_time(quarterly, now) == dt.datetime(
        2026, 10, 1, 8, 0, tzinfo=dt.UTC)


@needs_pg
async def test_processes_starting_together_migrate_and_import_once(pg_server, sandbox,
                                                                   tmp_path):
    url = await fresh_database(pg_server)
    settings = make_settings(tmp_path / "unused.db", sandbox).model_copy(
        update={"database_url": url})
    apps = [build_app(settings, "123456789:start-test") for _ in range(3)]
    try:
        await asyncio.gather(*(prepare(app) for app in apps))
        async with apps[0].sessions() as session:
            nodes = await session.scalar(select(func.count()).select_from(FaqNode))
        one = build_app(make_settings(tmp_path / "one.db", sandbox), "123456789:start-test")
        try:
            await prepare(one)
            async with one.sessions() as session:
                expected = await session.scalar(select(func.count()).select_from(FaqNode))
        finally:
            await one.close()
        assert nodes == expected and nodes > 10
        for app in apps:  # every process serves the same content
            assert len((await app.content.current()).roots) == len(
                (await apps[0].content.current()).roots)
    finally:
        for app in apps:
            await app.close()


@needs_redis
async def test_the_flood_guard_bucket_is_shared(redis_url):
    clients = [redis_client(redis_url) for _ in range(2)]
    buckets = [RedisTokenBuckets(c, 5, 1.0, prefix="t1:") for c in clients]
    try:
        # Five tokens for one person, whichever worker gets their updates.
        decisions = [await buckets[i % 2].take("user:1") for i in range(7)]
        assert [d.allowed for d in decisions] == [True] * 5 + [False, False]
        assert [d.notify for d in decisions[5:]] == [True, False]  # told once
        assert decisions[5].retry_after > 50  # one token a minute
        assert (await buckets[1].take("user:2")).allowed  # another person is not held up
    finally:
        for client in clients:
            await client.aclose()


async def _slot(slots: RedisSlots, key: str) -> tuple[float, float]:
    """When the slot `slots` hands out falls, on this process's clock, as a range. The wait is
    counted from some moment during the call, so the slot lies between (start + wait) and (end +
    wait): a slow call on a loaded machine widens the range, it never moves the slot. (Checking
    the waits themselves failed once under load: the tenth of ten calls came 0.3 s late, so its
    wait was 0.6 s, not 0.9 s, although every slot was right.)"""
    start = time.monotonic()
    wait = await slots.reserve(key)
    return start + wait, time.monotonic() + wait


def _on_grid(slots: list[tuple[float, float]], spacing: float, slack: float = 0.005) -> bool:
    """One moment t fits every slot: the i-th range holds t + i * spacing (waits come in whole
    milliseconds, hence the slack)."""
    low = max(a - i * spacing for i, (a, _) in enumerate(slots))
    high = min(b - i * spacing for i, (_, b) in enumerate(slots))
    return low <= high + slack


@needs_redis
async def test_push_slots_are_shared(redis_url):
    clients = [redis_client(redis_url) for _ in range(2)]
    try:
        rate = [RedisSlots(c, 1.0, catch_up=True) for c in clients]  # one send a second
        slots = [await _slot(rate[i % 2], "t2:rate") for i in range(10)]
        # Ten slots a second apart in the order taken, whichever process took them. The first
        # two may share the moment (a late sender still takes its slot, with no wait), so the
        # grid is checked from the third on.
        assert _on_grid(slots[2:], 1.0)
        assert slots[-1][0] - slots[0][1] >= 6.9  # the tenth is ~8 s after the first
        gates = [RedisChatGate(c, 1.0, prefix="t2:chat:") for c in clients]
        first = await _slot(gates[0]._slots, "t2:chat:42")
        second = await _slot(gates[1]._slots, "t2:chat:42")
        other = await gates[1]._slots.reserve("t2:chat:43")
        assert _on_grid([first, second], 1.0) and other == 0
    finally:
        for client in clients:
            await client.aclose()


async def test_limits_fall_back_to_this_process_when_redis_is_away():
    client = redis_client("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        buckets = RedisTokenBuckets(client, 2, 1.0)
        assert [(await buckets.take("user:1")).allowed for _ in range(3)] == [True, True, False]
        slots = RedisSlots(client, 1.0, catch_up=False)
        first, second = await _slot(slots, "c"), await _slot(slots, "c")
        assert _on_grid([first, second], 1.0)  # the first at once, the second a second later
    finally:
        await client.aclose()


async def test_a_daily_job_fired_by_two_workers_at_once_runs_once(pg_server, tmp_path, sandbox):
    url = await fresh_database(pg_server)
    await upgrade_async(url)
    envs = [await push_env(tmp_path / "unused.db", sandbox, db_url=url) for _ in range(2)]
    runs: list[int] = []
    try:
        schedulers = [PushScheduler(env.service, env.broadcaster) for env in envs]
        for i, scheduler in enumerate(schedulers):
            async def purge(i: int = i) -> None:
                runs.append(i)
                await asyncio.sleep(0.5)  # the other worker fires while this one runs

            scheduler.daily["retention"] = (dt.time(3, 30), purge)
        await asyncio.gather(*(s.run_daily("retention") for s in schedulers))
        assert len(runs) == 1
        await schedulers[1].run_daily("retention")  # the lock was let go: the next night runs
        assert len(runs) == 2
    finally:
        for env in envs:
            await env.close()


async def test_with_redis_every_limit_is_the_shared_one(redis_url, sandbox, db_path):
    from dialogs.middlewares import FloodGuardMiddleware

    app = build_app(make_settings(db_path, sandbox, redis_url=redis_url, flood_burst=20),
                    "123456789:wiring-test")
    try:
        guards = [m for m in app.dispatcher.update.outer_middleware
                  if isinstance(m, FloodGuardMiddleware)]
        assert [type(g.limiter).__name__ for g in guards] == ["RedisTokenBuckets"]
        assert app.pushes is not None
        sender = app.pushes.broadcaster
        assert type(sender.limiter).__name__ == "RedisRateLimiter"
        assert type(sender.gate).__name__ == "RedisChatGate"
        # Redis works with them: one person's first update is let through.
        assert (await guards[0].limiter.take("user:77")).allowed
    finally:
        await app.close()


async def test_the_crisis_card_record_is_shared_by_the_workers(redis_url, sandbox, db_path):
    """Two workers of one bot (one token) keep one record of the crisis help given: the
    edit of a message that got the card on one worker gets no second card on the other."""
    from bot.safety.crisis import CrisisSignal
    from bot.safety.given import CARD, NOTHING
    from dialogs.crisis.middleware import CrisisCardMiddleware

    settings = make_settings(db_path, sandbox, redis_url=redis_url)
    apps = [build_app(settings, "123456789:wiring-test") for _ in range(2)]
    try:
        one, other = (next(m for m in app.dispatcher.message.outer_middleware
                           if isinstance(m, CrisisCardMiddleware)).given for app in apps)
        crisis = CrisisSignal(frozenset({"suicide"}), ("a rule",))
        assert await one.due(4242, 5, crisis) == CARD
        assert await other.due(4242, 5, crisis, edit_of=5) == NOTHING
    finally:
        for app in apps:
            await app.close()
