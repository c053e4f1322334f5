"""Browser tests of the staff panel: Debian's chromium driven by Playwright's async API.

Playwright never downloads a browser here: it launches /usr/bin/chromium (the `chromium`
Debian package, installed by .ci/run) through ``executable_path``. The machine has no
internet, so every background service of chromium that phones home is switched off;
without those flags it logs refused connections all the time.

The bot (RunningBot, polling against the in-test sandbox) runs in the same event loop as
the tests, so the browser must be async too: Playwright's sync API refuses to run inside
a running loop. One browser per test session needs a session-wide loop, hence every
fixture (tests/conftest.py: browser, page, panel_bot) and test module that drives the browser
runs with ``loop_scope="session"`` (``pytestmark = pytest.mark.asyncio(loop_scope="session")``).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.fake_telegram import BotApiSandbox
from tests.botenv import SLOW_MACHINE, RunningBot, make_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright must use the Debian browser, never fetch its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def chromium_path() -> Path:
    found = CHROMIUM if CHROMIUM.exists() else (Path(p) if (p := shutil.which("chromium")) else None)
    if found is None:
        raise RuntimeError("chromium is not installed: apt-get install chromium (.ci/run does)")
    return found


@asynccontextmanager
async def launch_browser() -> AsyncIterator:
    """A headless chromium. Playwright gives every launch() a fresh temporary user-data-dir
    (and removes it on close); passing --user-data-dir to launch() is refused by design."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(chromium_path()), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def start_panel_bot(db_path: Path, **overrides) -> tuple[BotApiSandbox, RunningBot]:
    """The whole bot in polling mode on a copy of the template database; the panel is
    served by its web server at ``panel_url(bot)``."""
    sandbox = await BotApiSandbox(timeout=SLOW_MACHINE).start()
    overrides.setdefault("data_dir", db_path.parent / "data")
    running = RunningBot(sandbox, make_settings(db_path, sandbox, **overrides))
    try:
        await running.start()
        await wait_for_web(running)
    except BaseException:
        try:
            await running.stop()
        finally:
            await sandbox.stop()
        raise
    return sandbox, running


async def wait_for_web(running: RunningBot) -> None:
    # RunningBot.start returns when the commands are registered; in polling mode the web
    # server starts just after that.
    port = running.settings.web_port
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if running._task is not None and running._task.done():
                running._task.result()
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the web server did not open port {port}") from None
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return


def panel_url(running: RunningBot, path: str = "/") -> str:
    s = running.settings
    return f"http://127.0.0.1:{s.web_port}{path}"


@dataclass
class StaffLogin:
    email: str
    password: str
    role: str


async def create_staff(running: RunningBot, email: str, role: str,
                       password: str | None = "Quiet-harbour-2026!",
                       locale: str = "en") -> StaffLogin:
    """An account made through the staff service, its password already changed (so no
    forced change on login) unless ``password`` is None: then the one-time password is
    returned and the first login must change it. The panel is in `locale` for them
    (English unless told: the tests written before the translation read English)."""
    from bot.staff.accounts import StaffService

    assert running.app is not None
    service = StaffService(running.app.sessions)
    account, one_time = await service.add(email, role, locale=locale)
    if password is None:
        return StaffLogin(email, one_time, role)
    change = await service.change_password(account.id, one_time, password)
    assert change.ok, change.problems
    return StaffLogin(email, password, role)


async def login(page, running: RunningBot, staff: StaffLogin) -> None:
    """Log in through the login form and wait for the first panel page."""
    await page.goto(panel_url(running, "/panel/login"))
    await page.fill("input[name=email]", staff.email)
    await page.fill("input[name=password]", staff.password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/panel(?!/login).*"))


async def seed_survey_answers(sessions, survey, n: int = 600) -> list[str]:
    """Released answers to `survey` in the benchmark's four waves (bench/bench_survey_report.py
    makes them), written as the answer store keeps them; returns the wave codes."""
    import datetime as dt
    import secrets

    from sqlalchemy import select

    from bench.bench_survey_report import generate
    from bot.db.models import SurveyAnswer, SurveyWave

    rows = generate(n, survey)
    async with sessions() as session:
        waves: dict[str, int] = {}
        for code in dict.fromkeys(r.wave for r in rows):
            wave_id = await session.scalar(select(SurveyWave.id).where(
                SurveyWave.survey == survey.slug, SurveyWave.code == code))
            if wave_id is None:
                row = SurveyWave(survey=survey.slug, code=code, closed=True, release_k=10,
                                 opened_on=dt.date(2026, 1, 1))
                session.add(row)
                await session.flush()
                wave_id = row.id
            waves[code] = wave_id
        session.add_all(SurveyAnswer(answer_key=secrets.token_hex(16), wave_id=waves[r.wave],
                                     week=r.week, answers=dict(r.answers)) for r in rows)
        await session.commit()
    return list(waves)
