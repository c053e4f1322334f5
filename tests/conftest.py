from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest
import pytest_asyncio

from bot.config import PROJECT_ROOT
from bot.fake_telegram import BotApiSandbox
from bot.gc_safepoint import install as install_safe_gc
from tests.botenv import SLOW_MACHINE, RunningBot, make_settings

# The test process runs the bot in-process, so it needs the same protection as
# `python -m bot` on CPython 3.11 (bot/gc_safepoint.py, docs/postmortem-segfault.md).
install_safe_gc()


def pytest_sessionstart(session):
    """Tests that need PostgreSQL, Redis or chromium skip on a developer's machine without
    them; CI (`.ci/run` sets BELONG_TEST_REQUIRE_SERVERS=1 after installing them) must never go
    green by skipping them, so a missing binary stops the run there."""
    if os.environ.get("BELONG_TEST_REQUIRE_SERVERS") != "1":
        return
    from tests import pg
    from tests.browser import CHROMIUM
    from tests.workers_env import REDIS

    missing = [name for name, ok in (("PostgreSQL (initdb, pg_ctl)", pg.available()),
                                     ("redis-server", REDIS is not None),
                                     (str(CHROMIUM), CHROMIUM.exists())) if not ok]
    if missing:
        raise pytest.UsageError("BELONG_TEST_REQUIRE_SERVERS=1 but not installed: "
                                + ", ".join(missing))


def _database_threads() -> set[threading.Thread]:
    """aiosqlite's worker threads: one per open SQLite connection."""
    return {t for t in threading.enumerate()
            if getattr(getattr(t, "_target", None), "__name__", "") == "_connection_worker_thread"}


@pytest.fixture(autouse=True)
def _no_database_connection_outlives_its_test():
    """A connection left open ends up closed by the garbage collector on some other thread,
    at some later test's time; every test closes what it opened (engine.dispose())."""
    before = _database_threads()
    yield
    leaked = []
    for thread in _database_threads() - before:
        thread.join(timeout=5)
        if thread.is_alive():
            leaked.append(thread.name)
    assert not leaked, f"database connections left open by this test: {leaked}"


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
    # A simulated user waits up to SLOW_MACHINE for the bot's answer (the sandbox's own default,
    # 5 s, is for `python -m bot chat`): answers come late, not wrong, on a loaded machine.
    async with BotApiSandbox(timeout=SLOW_MACHINE) as sb:
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


# ---------------------------------------------------------------- staff panel in a browser
# One chromium per session needs a session-wide event loop: these fixtures and the tests
# that use them run with loop_scope="session" (tests/browser.py says why).


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser():
    from tests.browser import launch_browser

    async with launch_browser() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser):
    context = await browser.new_context(locale="en-GB", timezone_id="Europe/Warsaw")
    tab = await context.new_page()
    yield tab
    await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def panel_bot(db_path):
    """The whole bot (polling, sandbox Bot API) with the panel on its web port."""
    from tests.browser import start_panel_bot

    sandbox, running = await start_panel_bot(db_path)
    yield running
    await running.stop()
    await sandbox.stop()
