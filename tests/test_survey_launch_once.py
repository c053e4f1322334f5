"""A survey wave is invited once: a second launch (the CLI twice, the CLI and the panel, two
at the same moment, on SQLite and on PostgreSQL) creates nothing and says what exists."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys

import pytest
from sqlalchemy import select

from bot.broadcast.campaigns import AlreadyLaunched
from bot.broadcast.clock import to_utc_naive
from bot.broadcast.ledger import Outcome
from bot.config import PROJECT_ROOT
from bot.db.migrate import upgrade_async
from bot.db.models import Campaign
from tests import pg
from tests.broadcast_env import NOON, add_users, ledger, push_env, sent_counts
from tests.panel_client import build_env, post_form


def _cli_env(db_path) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{db_path}", LOG_LEVEL="WARNING")
    env.pop("BOT_TOKEN", None)
    return env


async def _launch_cli(db_path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "survey", "launch", "belonging", *args, cwd=PROJECT_ROOT,
        env=_cli_env(db_path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _campaigns(sessions) -> list[tuple[int, str, int | None]]:
    async with sessions() as session:
        rows = (await session.execute(select(Campaign.id, Campaign.kind, Campaign.parent_id)
                                      .order_by(Campaign.id))).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_two_cli_launches_at_once_invite_once(db_path, sandbox):
    env = await push_env(db_path, sandbox)
    try:
        first, second = await asyncio.gather(
            _launch_cli(db_path, "--at", "2030-01-02 10:00"),
            _launch_cli(db_path, "--at", "2030-01-02 10:00"))
        (ok_code, ok_out, _), (no_code, _, no_err) = sorted([first, second])
        assert ok_code == 0 and "invitation is campaign 1" in ok_out, (first, second)
        assert no_code == 1
        # Babel's English time: "10:00 AM" with a narrow no-break space.
        assert "already has an invitation, campaign #1 (scheduled for Jan 2, 2030, " \
               "10:00\u202fAM (Europe/Warsaw)); nothing new was created" in no_err
        assert await _campaigns(env.sessions) == [(1, "survey_invite", None),
                                                  (2, "survey_reminder", 1)]

        # Later, while it is being sent, a third launch says how far it got.
        await add_users(env, sandbox, 5, survey_pushes=True)
        await env.broadcaster.ledger.start(1, to_utc_naive(NOON))
        recipients = await env.broadcaster.ledger.claim(1, 2, to_utc_naive(NOON))
        await env.broadcaster.ledger.record(1, [Outcome(r.user_id, "sent", to_utc_naive(NOON))
                                                for r in recipients])
        code, out, err = await _launch_cli(db_path)
        assert code == 1 and not out
        wave = (await env.surveys.open_waves())[0].code
        assert (f"error: Wave {wave} of belonging already has an invitation, campaign #1 "
                "(sending: 2 of 5 sent)") in err
        assert "open a new wave. (--new-wave)" in err
        assert len(await _campaigns(env.sessions)) == 2
    finally:
        await env.close()


async def test_cli_then_panel_the_panel_says_what_exists(db_path, tmp_path):
    code, out, _ = await _launch_cli(db_path, "--at", "2030-01-02 10:00")
    assert code == 0, out
    panel = await build_env(db_path, tmp_path)
    try:
        async with panel.login("admin") as client:
            response = await post_form(client, "/panel/campaigns/survey", {
                "survey": "belonging", "remind_after_days": "7"}, page="/panel/campaigns/new")
        assert response.status_code == 400
        assert "already has an invitation, campaign #1 (scheduled for Jan 2, 2030, 10:00" \
               in response.text
        assert len(await _campaigns(panel.panel.sessions)) == 2
    finally:
        await panel.engine.dispose()


async def _gathered_launches(envs, sandbox) -> None:
    """Five launches at the same moment from separate engines (as separate processes would)."""
    ids = await add_users(envs[0], sandbox, 12, survey_pushes=True)
    results = await asyncio.gather(
        *(e.service.launch_survey("belonging", remind_after_days=3) for e in envs[:5]),
        return_exceptions=True)
    launched = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(launched) == 1, results
    assert all(isinstance(r, AlreadyLaunched) for r in refused), refused
    assert {r.campaign.id for r in refused if r.campaign} <= {launched[0].invitation.id}
    invite, reminder = launched[0].invitation, launched[0].reminder
    assert await _campaigns(envs[0].sessions) == [(invite.id, "survey_invite", None),
                                                  (reminder.id, "survey_reminder", invite.id)]

    # The two runs split one ledger: each person is invited exactly once.
    await asyncio.gather(*(e.broadcaster.run_campaign(invite.id) for e in envs[:2]))
    assert sent_counts(sandbox) == {i: 1 for i in ids}
    assert sorted(await ledger(envs[0], invite.id)) == ids
    for env in envs:
        env.clock.now = NOON + dt.timedelta(days=3, minutes=1)
    await asyncio.gather(*(e.broadcaster.run_campaign(reminder.id) for e in envs[:2]))
    assert sent_counts(sandbox) == {i: 2 for i in ids}  # one invitation, one reminder


async def test_launches_at_the_same_moment_on_sqlite(db_path, sandbox):
    envs = [await push_env(db_path, sandbox) for _ in range(5)]
    try:
        await _gathered_launches(envs, sandbox)
    finally:
        for env in envs:
            await env.close()


@pytest.mark.skipif(not pg.available(), reason="PostgreSQL server binaries are not installed")
async def test_launches_at_the_same_moment_on_postgresql(tmp_path, sandbox):
    with pg.postgres_server() as url:
        await upgrade_async(url)
        envs = [await push_env(tmp_path / "unused.db", sandbox, db_url=url) for _ in range(5)]
        try:
            await _gathered_launches(envs, sandbox)
        finally:
            for env in envs:
                await env.close()


async def test_after_a_cancelled_invitation_a_new_one_asks_only_the_rest(db_path, sandbox):
    env = await push_env(db_path, sandbox)
    try:
        ids = await add_users(env, sandbox, 6, survey_pushes=True)
        first = await env.service.launch_survey("belonging", remind_after_days=0)
        await env.broadcaster.ledger.start(first.invitation.id, to_utc_naive(NOON))
        asked = await env.broadcaster.ledger.claim(first.invitation.id, 2, to_utc_naive(NOON))
        await env.broadcaster.ledger.record(first.invitation.id, [
            Outcome(r.user_id, "sent", to_utc_naive(NOON)) for r in asked])
        assert await env.service.cancel(first.invitation.id)

        again = await env.service.launch_survey("belonging", remind_after_days=0)
        assert again.wave_id == first.wave_id
        await env.broadcaster.run_campaign(again.invitation.id)
        assert sorted(await ledger(env, again.invitation.id)) == ids[2:]
        done = rf"#{again.invitation.id} \(done: 4 of 4 sent\)"
        with pytest.raises(AlreadyLaunched, match=done):
            await env.service.launch_survey("belonging")
    finally:
        await env.close()
