from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.sandbox import BotApiSandbox
from tests.botenv import RunningBot, make_settings


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database with the bundled content, made once by the real CLI; each bot
    test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "belong.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{path}", LOG_LEVEL="WARNING")
    env.pop("BOT_TOKEN", None)
    subprocess.run([sys.executable, "-m", "bot", "content", "import", "content"], cwd=PROJECT_ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture
def db_path(template_db, tmp_path):
    path = tmp_path / "bot.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
async def sandbox():
    async with BotApiSandbox() as sb:
        yield sb


@pytest.fixture
async def bot(sandbox, db_path):
    running = RunningBot(sandbox, make_settings(db_path, sandbox))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def webhook_bot(sandbox, db_path):
    running = RunningBot(sandbox, make_settings(db_path, sandbox), mode="webhook")
    await running.start()
    yield running
    await running.stop()
