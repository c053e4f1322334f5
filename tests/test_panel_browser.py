"""The staff panel in a real browser (Debian's chromium, tests/browser.py): what a staff
member sees, and what a Telegram user then gets from the bot through the sandbox."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from tests.browser import create_staff, login, panel_url

# "browser": they drive Debian's chromium (`pytest -m "not browser"` leaves them out).
pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.browser]
# The bot answers over real HTTP; give a slow CI machine time before a wait gives up.
expect.set_options(timeout=15_000)


async def test_first_login_forces_a_password_change(page, panel_bot):
    staff = await create_staff(panel_bot, "new.editor@example.org", "editor", password=None)
    await login(page, panel_bot, staff)
    await expect(page).to_have_url(re.compile(r"/panel/password$"))
    await expect(page.get_by_text("You logged in with a one-time password")).to_be_visible()
    await page.goto(panel_url(panel_bot, "/panel/"))  # nothing else opens before the change
    await expect(page).to_have_url(re.compile(r"/panel/password$"))
    await page.fill("input[name=old_password]", staff.password)
    await page.fill("input[name=new_password]", "Amber-lighthouse-7")
    await page.fill("input[name=new_password_repeat]", "Amber-lighthouse-7")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("heading", name="Hello, new.editor@example.org")).to_be_visible()
    await expect(page.get_by_text("Your password has been changed.")).to_be_visible()


async def test_wrong_password_and_a_form_without_csrf_token_are_rejected(page, panel_bot):
    staff = await create_staff(panel_bot, "editor@example.org", "editor")
    await page.goto(panel_url(panel_bot, "/panel/login"))
    await page.fill("input[name=email]", staff.email)
    await page.fill("input[name=password]", "not-the-password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#login-error")).to_have_text("Wrong e-mail or password.")
    await login(page, panel_bot, staff)
    await page.goto(panel_url(panel_bot, "/panel/password"))
    await page.locator("#password-form input[name=csrf_token]").evaluate("el => el.remove()")
    await page.fill("input[name=old_password]", staff.password)
    await page.fill("input[name=new_password]", "Stolen-session-123")
    await page.fill("input[name=new_password_repeat]", "Stolen-session-123")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_text("its security token is missing")).to_be_visible()
    # The password did not change: the old one still logs in.
    await page.context.clear_cookies()
    await login(page, panel_bot, staff)
    await expect(page.get_by_role("heading", name=f"Hello, {staff.email}")).to_be_visible()


async def test_an_editor_cannot_open_results(page, panel_bot):
    staff = await create_staff(panel_bot, "editor@example.org", "editor")
    await login(page, panel_bot, staff)
    await expect(page.get_by_role("link", name="Results")).to_have_count(0)
    response = await page.goto(panel_url(panel_bot, "/panel/results"))
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await expect(page.locator("#forbidden")).to_contain_text("Your role (editor) cannot open this page")


async def test_preview_chat_in_ukrainian_and_russian(page, panel_bot):
    staff = await create_staff(panel_bot, "editor@example.org", "editor")
    await login(page, panel_bot, staff)
    await page.goto(panel_url(panel_bot, "/panel/preview?lang=uk"))
    log = page.locator("#preview-log")
    await log.get_by_role("button", name="🆘 Екстрена допомога").click()
    await log.get_by_role("button", name="🆘 Екстрені номери").click()
    await expect(log.locator(".bubble.bot").last).to_contain_text("Екстрені номери – безкоштовно")
    await expect(log.locator(".bubble.bot b").first).to_be_visible()  # Telegram bold as <b>
    await page.fill("#preview-text", "/help")
    await page.get_by_role("button", name="Send").click()
    await expect(log.locator(".bubble.you").last).to_have_text("/help")
    await page.select_option("#preview-lang", "ru")
    await expect(log.get_by_role("button", name="українська")).to_be_visible()
    await log.get_by_role("button", name="polski").click()
    await expect(log.get_by_role("button", name="🆘 Pilna pomoc")).to_be_visible()


NEW_UK = "Оновлено в панелі: дзвоніть 112, це безкоштовно."


async def _edit_ukrainian_answer(page, panel_bot) -> None:
    staff = await create_staff(panel_bot, "editor@example.org", "editor")
    await login(page, panel_bot, staff)
    await page.goto(panel_url(panel_bot, "/panel/content/node/emergency-numbers"))
    await page.fill("textarea[name=body_uk]", NEW_UK)
    await page.locator("#save-texts").click()
    await expect(page.get_by_text("Saved (Ukrainian)")).to_be_visible()


async def test_edited_ukrainian_answer_is_what_the_bot_sends(page, panel_bot):
    await _edit_ukrainian_answer(page, panel_bot)
    user = panel_bot.sandbox.user(5001, language_code="uk")
    await user.send_command("start")
    await user.press("🆘 Екстрена допомога")
    await user.press("🆘 Екстрені номери")
    assert NEW_UK in user.chat.last_bot_message().text


NEW_DETAILS_UK = "Деталі з панелі: диспетчер 112 запитає адресу."


async def test_details_edited_in_the_panel_are_what_more_shows(page, panel_bot):
    staff = await create_staff(panel_bot, "details.editor@example.org", "editor")
    await login(page, panel_bot, staff)
    await page.goto(panel_url(panel_bot, "/panel/content/node/emergency-numbers"))
    await page.fill("textarea[name=body_en]", "Call 112. " * 70)
    await page.locator("#save-texts").click()
    await expect(page.get_by_text(re.compile(
        r"Text \(English\), the first screen: 699 characters .* at most 600"))).to_be_visible()
    await page.goto(panel_url(panel_bot, "/panel/content/node/emergency-numbers"))
    await page.fill("textarea[name=details_uk]", NEW_DETAILS_UK)
    await page.locator("#save-texts").click()
    await expect(page.get_by_text("Saved (Ukrainian)")).to_be_visible()
    user = panel_bot.sandbox.user(5002, language_code="uk")
    await user.send_command("start")
    await user.press("🆘 Екстрена допомога")
    await user.press("🆘 Екстрені номери")
    assert NEW_DETAILS_UK not in user.chat.last_bot_message().text
    await user.press("ℹ️ Детальніше")
    assert NEW_DETAILS_UK in user.chat.last_bot_message().text


async def test_the_edit_is_in_the_audit_log(page, panel_bot):
    await _edit_ukrainian_answer(page, panel_bot)
    await page.goto(panel_url(panel_bot, "/panel/audit"))
    entry = page.locator("tr.audit-entry").filter(has_text="emergency-numbers").first
    await expect(entry).to_contain_text("editor@example.org")
    await expect(entry.locator("ins").first).to_contain_text(NEW_UK)
    await expect(entry.locator("del").first).to_contain_text("Екстрені номери – безкоштовно")


async def _bot_says(user, needle: str) -> str:
    """The user's latest bot message containing `needle` (delivery runs in the background)."""
    for _ in range(300):
        found = [m.text for m in user.chat.bot_messages() if needle in (m.text or "")]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot never said {needle!r}; it said {user.chat.bot_texts()[-3:]!r}")


async def test_a_ticket_reply_reaches_the_user_with_its_number(page, panel_bot):
    user = panel_bot.sandbox.user(5002, language_code="en")
    await user.send_command("start")
    await user.press("✍️ Write to us")
    await user.send_text("Where can I renew my residence card in Gdynia?")
    await user.press("✅ Send")
    number = int(re.search(r"ticket #(\d+)", user.chat.last_bot_message().text).group(1))

    staff = await create_staff(panel_bot, "editor@example.org", "editor")
    await login(page, panel_bot, staff)
    await page.goto(panel_url(panel_bot, "/panel/feedback"))
    await page.get_by_role("link", name=f"#{number}").click()
    await expect(page.locator("#conversation")).to_contain_text("residence card in Gdynia")
    await page.fill("textarea[name=reply]", "At the Pomorskie Voivodship Office, ul. Okopowa 21/27.")
    await page.locator("#send-reply").click()
    await expect(page.locator("#ticket-status")).to_have_text("answered")

    reply = await _bot_says(user, f"#{number}")
    assert "Reply to your ticket" in reply and "ul. Okopowa 21/27" in reply


async def test_pages_work_under_the_content_security_policy(page, panel_bot):
    """The panel forbids inline script and style (bot/web/panel/security.py): chromium reports
    every blocked script, style or frame on the console. Visits each kind of page, with a
    survey report in its frame and a campaign to cancel (the confirmation is panel.js's)."""
    import datetime as dt

    from tests.browser import seed_survey_answers

    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: blocked.append(f"{page.url}: {exc}"))
    await seed_survey_answers(panel_bot.app.sessions, panel_bot.app.surveys.surveys["belonging"],
                              n=200)
    staff = await create_staff(panel_bot, "admin@example.org", "admin")
    await login(page, panel_bot, staff)
    await page.goto(panel_url(panel_bot, "/panel/campaigns/new"))
    due = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    await page.fill("#announcement-form input[name=name]", "Closed on Friday")
    for lang in ("pl", "uk", "en"):
        await page.fill(f"#announcement-form [name=text_{lang}]", "The office is closed on Friday")
    await page.fill("#announcement-form input[name=date]", due)
    await page.fill("#announcement-form input[name=time]", "10:30")
    await page.locator("#announcement-form button[value=create]").click()
    await expect(page.get_by_text("The office is closed on Friday").first).to_be_visible()
    for path in ("/panel/", "/panel/content", "/panel/content/node/emergency-numbers",
                 "/panel/content/add", "/panel/content/transfer", "/panel/feedback",
                 "/panel/audit", "/panel/accounts", "/panel/data/"):
        await page.goto(panel_url(panel_bot, path))
    await page.locator("a[href$='/list']").first.click()  # a sqladmin table
    await expect(page.locator("table")).to_be_visible()
    await page.goto(panel_url(panel_bot, "/panel/results/belonging"))
    frame = page.frame_locator("#report-frame")
    await expect(frame.locator("body")).not_to_be_empty()
    # panel.js fits the frame to the report (taller than the 70vh minimum).
    # (Polled from here: wait_for_function evals its predicate, which the CSP forbids.)
    for _ in range(300):
        if await page.locator("#report-frame").evaluate(
                "f => f.getBoundingClientRect().height > window.innerHeight"):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the report frame was not fitted to the report")
    await page.goto(panel_url(panel_bot, "/panel/campaigns"))
    questions: list[str] = []

    async def answer(dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    page.on("dialog", answer)
    await page.locator("#campaigns button.danger").first.click()
    await expect(page.locator("#campaigns [data-field=status]").first).to_have_text("cancelled")
    assert questions == ["Cancel this campaign? Messages not yet sent will not go out."]
    assert blocked == []


async def test_a_polish_editors_day_in_polish(page, panel_bot):
    """A Polish-speaking editor edits an answer and sees its translations go out of date and
    back, answers a ticket; a Polish admin schedules a formatted announcement. Every label
    clicked or read is the Polish one."""
    sandbox = panel_bot.sandbox
    user = sandbox.user(5010, language_code="uk")
    await user.send_command("start")
    await user.press("✍️ Напишіть нам")
    await user.send_text("Де продовжити карту побуту в Гдині?")
    await user.press("✅ Надіслати")
    number = int(re.search(r"№\s?(\d+)", user.chat.last_bot_message().text).group(1))

    editor = await create_staff(panel_bot, "redaktorka@example.org", "editor", locale="pl")
    await login(page, panel_bot, editor)
    await expect(page.locator("html")).to_have_attribute("lang", "pl")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Dzień dobry, redaktorka@example.org")
    nav = page.get_by_role("navigation", name="Menu główne")
    for label in ("Treść", "Tłumaczenia", "Do przeglądu", "Zgłoszenia", "Dziennik zmian"):
        await expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()

    # The answer: a change to the source text makes the other languages out of date.
    await nav.get_by_role("link", name="Treść", exact=True).click()
    await expect(page.get_by_role("heading", name="Drzewo FAQ")).to_be_visible()
    await page.goto(panel_url(panel_bot, "/panel/content/node/emergency-numbers"))
    source = await page.locator("#source_lang").input_value()
    other = "uk" if source != "uk" else "pl"
    body = page.locator(f"textarea[name=body_{source}]")
    await body.fill(await body.input_value() + "\nNumer 112 działa także bez karty SIM.")
    await page.get_by_role("button", name="Zapisz teksty").click()
    await expect(page.get_by_role("status").first).to_contain_text("Bot pokazuje już nowy tekst.")
    await expect(page.locator(f"#lang-{other} legend .status")).to_have_text("nieaktualne")
    await page.get_by_role("link", name="Tłumaczenia", exact=True).click()
    row = page.locator(f'#translation-list tr[data-slug="emergency-numbers"][data-lang="{other}"]')
    await expect(row).to_contain_text("nieaktualne")
    await row.get_by_role("link").click()
    await page.get_by_label(re.compile("Sprawdzone: to tłumaczenie nadal odpowiada")).first.check()
    await page.get_by_role("button", name="Zapisz teksty").click()
    await expect(page.locator(f"#lang-{other} legend .status")).to_have_text("aktualne")

    # The ticket: answered in Polish, received in Ukrainian.
    await nav.get_by_role("link", name="Zgłoszenia", exact=True).click()
    await expect(page.locator("#tickets")).to_contain_text("ukraiński")
    await page.get_by_role("link", name=f"#{number}").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Zgłoszenie #{number}")
    await expect(page.locator("#ticket-status")).to_have_text("nowe")
    await page.get_by_label(re.compile("^Odpowiedź \\(bot wyśle ją")).fill(
        "Urząd Wojewódzki w Gdańsku, ul. Okopowa 21/27.")
    await page.get_by_role("button", name="Wyślij", exact=True).click()
    await expect(page.locator("#ticket-status")).to_have_text("z odpowiedzią")
    reply = await _bot_says(user, f"№{number}")
    assert "Okopowa 21/27" in reply
    await page.get_by_role("button", name="Wyloguj się").click()
    await expect(page.get_by_role("heading", name="Zaloguj się")).to_be_visible()

    # The announcement, by a Polish admin.
    admin = await create_staff(panel_bot, "kierowniczka@example.org", "admin", locale="pl")
    await login(page, panel_bot, admin)
    await page.get_by_role("navigation", name="Menu główne").get_by_role(
        "link", name="Kampanie", exact=True).click()
    await page.get_by_role("link", name="Nowe ogłoszenie lub edycja ankiety").click()
    await page.get_by_label("Nazwa (widoczna tylko dla zespołu)").fill("Dzień wolny")
    await page.get_by_label("Tekst (pl)").fill("Biuro <b>nieczynne</b> 24 grudnia.")
    await page.get_by_label("Tekst (uk)").fill("Офіс <b>зачинено</b> 24 грудня.")
    await page.get_by_label("Tekst (en)").fill("<u>Closed</u> on 24 December.")
    await page.get_by_role("button", name="Podgląd w każdym języku").click()
    await expect(page.locator("#announcement-errors")).to_contain_text(
        "Tekst (angielski): znacznik <u> jest niedozwolony")
    await page.get_by_label("Tekst (en)").fill('The office is <b>closed</b> on 24 December. '
                                              '<a href="https://www.gdansk.uw.gov.pl">More</a>')
    await page.get_by_role("button", name="Podgląd w każdym języku").click()
    preview = page.locator('.push-preview[data-lang="uk"] .push-text')
    await expect(preview.locator("b")).to_have_text("зачинено")
    await page.fill("input[name=date]", "2030-12-20")
    await page.fill("input[name=time]", "09:30")
    await page.get_by_role("button", name="Zaplanuj ogłoszenie").click()
    await expect(page.get_by_role("status").first).to_have_text("Zaplanowano ogłoszenie „Dzień wolny”.")
    await expect(page.locator("table.facts")).to_contain_text("20 gru 2030, 09:30")
    await expect(page.locator("table.facts")).to_contain_text("zaplanowana")
