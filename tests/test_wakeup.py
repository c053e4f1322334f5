"""Background loops wake on events, with a long fallback poll (bot/wakeup.py): a campaign made
in this process goes out without waiting for the scheduler's poll."""

from __future__ import annotations

import asyncio

from bot.broadcast.scheduler import PushScheduler
from bot.wakeup import Wakeup
from tests.broadcast_env import NOON, add_users, push_env, sent_counts
from tests.test_broadcast_scheduler import _until


async def test_wait_returns_woken_stopped_or_after_the_fallback():
    wakeup = Wakeup(fallback=0.01)
    assert await wakeup.wait() is False  # nothing happened: the fallback poll

    wakeup = Wakeup(fallback=3600)
    waiting = asyncio.create_task(wakeup.wait())
    await asyncio.sleep(0)
    assert not waiting.done()
    wakeup.wake()
    assert await asyncio.wait_for(waiting, 30) is True

    stop = asyncio.Event()
    waiting = asyncio.create_task(wakeup.wait(stop))
    await asyncio.sleep(0)
    stop.set()
    assert await asyncio.wait_for(waiting, 30) is False


async def test_a_wake_while_busy_is_kept_for_the_next_wait():
    wakeup = Wakeup(fallback=3600)
    wakeup.wake()  # work enqueued while the loop was doing its round
    assert await asyncio.wait_for(wakeup.wait(), 30) is True
    waiting = asyncio.create_task(wakeup.wait())  # consumed: the next wait blocks again
    await asyncio.sleep(0.05)
    assert not waiting.done()
    waiting.cancel()


async def test_a_campaign_made_in_this_process_goes_out_on_wake_not_on_the_poll(db_path, sandbox):
    env = await push_env(db_path, sandbox)
    try:
        ids = await add_users(env, sandbox, 4)
        scheduler = PushScheduler(env.service, env.broadcaster, sync_seconds=3600)
        await scheduler.start()
        campaign = await env.service.create_announcement("now", {"uk": "Зараз"}, due_at=NOON)
        await asyncio.sleep(0.2)
        assert (await env.service.get(campaign.id)).status == "scheduled"  # the poll is an hour away
        scheduler.wake()

        async def done() -> bool:
            return (await env.service.get(campaign.id)).status == "done"

        await _until(done)
        await scheduler.stop()
        assert sent_counts(sandbox) == {i: 1 for i in ids}
    finally:
        await env.close()
