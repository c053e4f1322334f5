"""With REDIS_URL the dialogs keep their state in Redis (aiogram's RedisStorage with the
destiny in the key, as aiogram-dialog needs): a restart mid-dialog loses nothing."""

from __future__ import annotations

import shutil

import pytest

from tests.botenv import RunningBot, make_settings
from tests.workers_env import redis_server

REDIS = shutil.which("redis-server")


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:  # the one starter the workers' and Signal tests use too
        yield url


@pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (CI installs it)")
async def test_dialog_state_in_redis_survives_restart(sandbox, db_path, redis_url):
    from sqlalchemy import func, select

    from bot.db.models import FsmRecord

    running = RunningBot(sandbox, make_settings(db_path, sandbox, redis_url=redis_url))
    await running.start()
    try:
        user = sandbox.user(3001, language_code="en")
        await user.send_command("start")
        await user.press("🩺 Health")
        screen = user.chat.last_bot_message(with_buttons=True)
        await running.restart()
        await user.press(0, screen)
        assert "Health" in user.chat.last_bot_message().text
        await user.press("⬅️ Back")
        assert "Choose a question" in user.chat.last_bot_message().text
        async with running.app.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0
    finally:
        await running.stop()
