"""Crashes and concurrency: `python -m bot campaign send` killed mid-campaign (SIGKILL and
SIGTERM) against the sandbox over HTTP, and two workers splitting one campaign on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.db.migrate import upgrade_async
from tests import pg
from tests.broadcast_env import TOKEN, add_users, ledger, push_env, sent_counts

CONCURRENCY = 6


def _env(db_path, sandbox) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{db_path}", BOT_TOKEN=TOKEN,
               TELEGRAM_API_BASE=sandbox.base_url, LOG_LEVEL="WARNING", PUSH_QUIET_HOURS="",
               PUSH_RATE_LIMIT="60", PUSH_CONCURRENCY=str(CONCURRENCY),
               PUSH_RETRY_BACKOFF="0.05")
    env.pop("WEBHOOK_URL", None)
    return env


async def _send(env: dict[str, str], campaign_id: int, *extra: str):
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "campaign", "send", str(campaign_id), *extra,
        cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)


async def _interrupt(proc, sandbox, sig: int, after: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while sum(sent_counts(sandbox).values()) < after:
        assert proc.returncode is None, (await proc.stderr.read()).decode()
        assert loop.time() < deadline, "the sender did not get going"
        await asyncio.sleep(0.02)
    proc.send_signal(sig)
    await asyncio.wait_for(proc.wait(), 60)


async def _setup(db_path, sandbox, users: int):
    env = await push_env(db_path, sandbox)
    ids = await add_users(env, sandbox, users)
    campaign = await env.service.create_announcement("news", {"uk": "Новини"})
    sandbox.latency = 0.03
    return env, ids, campaign


async def test_killed_sender_resumes_nobody_missed_duplicates_only_in_flight(db_path, sandbox):
    env, ids, campaign = await _setup(db_path, sandbox, 150)
    try:
        proc = await _send(_env(db_path, sandbox), campaign.id)
        await _interrupt(proc, sandbox, signal.SIGKILL, after=40)
        assert proc.returncode == -signal.SIGKILL
        after_kill = await ledger(env, campaign.id)
        in_flight = {chat for chat, state in after_kill.items() if state == "sending"}
        assert "pending" in after_kill.values()  # it really was killed mid-campaign

        resume = await _send(_env(db_path, sandbox), campaign.id, "--reclaim-after", "0")
        out, err = await asyncio.wait_for(resume.communicate(), 180)
        assert resume.returncode == 0, err.decode()
        assert "done" in out.decode()

        counts = sent_counts(sandbox)
        assert set(counts) == set(ids)  # nobody missed
        doubled = {chat for chat, n in counts.items() if n > 1}
        assert all(counts[chat] == 2 for chat in doubled)
        assert doubled <= in_flight  # duplicates only among rows in flight at the kill
        assert len(doubled) <= CONCURRENCY
        assert set((await ledger(env, campaign.id)).values()) == {"sent"}
    finally:
        await env.close()


async def test_sigterm_stops_gracefully_and_resume_is_exactly_once(db_path, sandbox):
    env, ids, campaign = await _setup(db_path, sandbox, 120)
    try:
        proc = await _send(_env(db_path, sandbox), campaign.id)
        await _interrupt(proc, sandbox, signal.SIGTERM, after=30)
        assert proc.returncode == 3, (await proc.stderr.read()).decode()
        after_stop = await ledger(env, campaign.id)
        assert "sending" not in after_stop.values()
        assert "pending" in after_stop.values()
        assert sum(sent_counts(sandbox).values()) == list(after_stop.values()).count("sent")

        resume = await _send(_env(db_path, sandbox), campaign.id)
        _out, err = await asyncio.wait_for(resume.communicate(), 180)
        assert resume.returncode == 0, err.decode()
        assert sent_counts(sandbox) == {i: 1 for i in ids}
    finally:
        await env.close()


@pytest.mark.skipif(not pg.available(), reason="PostgreSQL server binaries are not installed")
async def test_two_workers_split_a_campaign_on_postgresql(tmp_path, sandbox):
    with pg.postgres_server() as url:
        await upgrade_async(url)
        first = await push_env(tmp_path / "unused.db", sandbox, db_url=url)
        second = await push_env(tmp_path / "unused.db", sandbox, db_url=url)
        try:
            ids = await add_users(first, sandbox, 300)
            campaign = await first.service.create_announcement("news", {"uk": "Новини"})
            sandbox.latency = 0.02
            for env in (first, second):
                env.broadcaster.concurrency = 4
            a, b = await asyncio.gather(first.broadcaster.run_campaign(campaign.id),
                                        second.broadcaster.run_campaign(campaign.id))
            assert sent_counts(sandbox) == {i: 1 for i in ids}
            assert a.sent > 0 and b.sent > 0 and a.sent + b.sent == 300
            assert {a.status, b.status} <= {"done", "waiting"}
            assert (await first.service.status(campaign.id)).sent == 300
        finally:
            await first.close()
            await second.close()
