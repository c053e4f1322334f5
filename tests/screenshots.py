"""Screenshots of the staff panel for the README: `python -m tests.screenshots [OUT_DIR]`.

Runs the whole bot against the sandbox Bot API on a fresh database in a temporary directory,
fills it with a little of everything (an admin, an edit, a ticket, campaigns, synthetic survey
answers), and saves PNGs of the main pages (default: docs/screenshots/). Needs Debian's
chromium, like the browser tests; emoji show in colour with fonts-noto-color-emoji installed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.channels.telegram.identity import telegram_contact
from bot.config import PROJECT_ROOT
from tests.browser import (
    create_staff,
    launch_browser,
    login,
    panel_url,
    seed_survey_answers,
    start_panel_bot,
)

OUT = PROJECT_ROOT / "docs" / "screenshots"
MAX_HEIGHT = 1600


def make_database(directory: Path) -> Path:
    path = directory / "belong.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{path}", LOG_LEVEL="WARNING")
    env.pop("BOT_TOKEN", None)
    subprocess.run([sys.executable, "-m", "bot", "content", "import", "content"], cwd=PROJECT_ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    return path


async def seed(running, page) -> int:
    """Everything the pages should show; returns the ticket number."""
    app = running.app
    await seed_survey_answers(app.sessions, app.surveys.surveys["belonging"], n=3000)
    from bot.users_prefs import PushPreferences

    prefs = PushPreferences(app.sessions)
    for tg_id, lang in ((6001, "uk"), (6002, "pl"), (6003, "en"), (6005, "uk"), (6006, "uk")):
        await running.sandbox.user(tg_id, language_code=lang).send_command("start")
        person = await running.app.dispatcher["users"].lookup(telegram_contact(tg_id))
        await prefs.set_topic(person.user_id, "general", True)
    await running.sandbox.user(6006).block()  # shows up as "blocked" in the campaign status
    writer = running.sandbox.user(6004, language_code="uk")
    await writer.send_command("start")
    await writer.press("✍️ Напишіть нам")
    await writer.send_text("Де продовжити карту побиту в Гдині? Мені відмовили у черзі.")
    await writer.press("✅ Надіслати")
    from bot.broadcast.setup import build_campaign_service

    campaigns = build_campaign_service(app.settings, app.sessions, surveys=app.surveys,
                                       content=app.content)
    await campaigns.create_announcement(
        "Office closed on 11 November", {
            "pl": "11 listopada urząd wojewódzki jest zamknięty.",
            "uk": "11 листопада воєводське управління зачинене.",
            "en": "The Voivodship Office is closed on 11 November."},
        faq_slug="emergency-numbers", quiet_hours=False, created_by="admin@example.org")
    await campaigns.launch_survey("belonging", remind_after_days=7,
                                  due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
                                  created_by="admin@example.org")
    if app.pushes is not None:  # send the announcement now, not at the next sync
        await app.pushes.sync()
        for _ in range(200):
            if not app.pushes.running:
                break
            await asyncio.sleep(0.05)
    from bot.feedback.service import TicketService

    inbox = await TicketService(app.sessions).inbox()
    return inbox[0].number


async def shoot(page, name: str, out: Path, full: bool = True) -> None:
    height = await page.evaluate("document.documentElement.scrollHeight") if full else 800
    clip = {"x": 0, "y": 0, "width": 1280, "height": min(max(height, 800), MAX_HEIGHT)}
    await page.screenshot(path=str(out / f"{name}.png"), full_page=True, clip=clip)
    print(f"wrote {out / (name + '.png')}")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="belong-shots-") as tmp:
        asyncio.run(run(make_database(Path(tmp)), out))


async def run(db: Path, out: Path) -> None:
    sandbox, running = await start_panel_bot(db)
    try:
        async with launch_browser() as browser:
            context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                                locale="en-GB", timezone_id="Europe/Warsaw")
            page = await context.new_page()
            await pages(running, page, out)
            await context.close()
    finally:
        await running.stop()
        await sandbox.stop()


async def pages(running, page, out: Path) -> None:
    url = lambda path: panel_url(running, path)  # noqa: E731
    await page.goto(url("/panel/login"))
    await shoot(page, "01-login", out, full=False)
    admin = await create_staff(running, "admin@example.org", "admin")
    await login(page, running, admin)
    number = await seed(running, page)

    await page.goto(url("/panel/content"))
    await shoot(page, "02-content-tree", out)
    await page.goto(url("/panel/content/node/emergency-numbers"))
    # A change of the Polish source: the Ukrainian and English texts become "outdated".
    await page.fill("textarea[name=body_pl]", (await page.input_value("textarea[name=body_pl]"))
                    .replace("bezpłatne", "bezpłatne, całą dobę"))
    await page.locator("#save-texts").click()
    await page.wait_for_load_state()
    await shoot(page, "03-node-edit", out)
    await page.goto(url("/panel/content/translations"))
    await shoot(page, "04-translations", out)
    await page.goto(url("/panel/feedback"))
    await shoot(page, "05-inbox", out, full=False)
    await page.goto(url(f"/panel/feedback/{number}"))
    await page.fill("textarea[name=reply]", "Добрий день! Продовжити карту можна в Поморському "
                    "воєводському управлінні, вул. Окопова 21/27 у Гданську.")
    await shoot(page, "06-ticket", out, full=False)
    await page.goto(url("/panel/campaigns"))
    await shoot(page, "07-campaigns", out, full=False)
    await page.goto(url("/panel/campaigns/new"))
    await page.fill("input[name=name]", "Holiday opening hours")
    await page.fill("textarea[name=text_pl]", "W święta biuro jest otwarte 10:00–14:00.")
    await page.fill("textarea[name=text_uk]", "У свята офіс працює з 10:00 до 14:00.")
    await page.fill("textarea[name=text_en]", "Over the holidays the office is open 10:00–14:00.")
    await page.fill("input[name=faq_slug]", "emergency-numbers")
    await page.locator("#preview-push").click()
    await page.wait_for_load_state()
    await page.locator("#previews").scroll_into_view_if_needed()
    await shoot(page, "08-campaign-preview", out)
    await page.goto(url("/panel/results/belonging"))
    await page.wait_for_function(
        "document.getElementById('report-frame').contentDocument.readyState === 'complete'")
    await shoot(page, "09-results", out)
    await page.goto(url("/panel/preview?lang=uk"))
    log = page.locator("#preview-log")
    await log.get_by_role("button", name="🆘 Екстрена допомога").click()
    await log.get_by_role("button", name="🆘 Екстрені номери").click()
    await log.get_by_text("Екстрені номери – безкоштовно").wait_for()
    await shoot(page, "10-preview", out)
    await page.goto(url("/panel/audit"))
    await shoot(page, "11-audit", out, full=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
