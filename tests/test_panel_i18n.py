"""The panel in the staff member's language: Polish for new accounts, a switch stored on
the account, the login page following the browser until someone logs in, Polish dates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.db.models import StaffAccount
from bot.web.panel.pages.campaigns import service
from tests.panel_client import PASSWORD, build_env, csrf, post_form


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


async def test_login_page_follows_the_browser_then_the_account(env):
    async with env.client(language=None) as client:
        page = (await client.get("/panel/login")).text
        assert '<html lang="pl">' in page and "Zaloguj się" in page and "Hasło" in page
    async with env.client(language="uk-UA,uk;q=0.9,en;q=0.5") as client:
        page = (await client.get("/panel/login")).text
        assert '<html lang="uk">' in page and "Увійти" in page and "Пароль" in page
        wrong = await post_form(client, "/panel/login", {"email": "x@example.org",
                                                          "password": "not it"})
        assert wrong.status_code == 400
        assert "Неправильна електронна пошта або пароль." in wrong.text

    # An account made by an admin is in Polish, whatever the browser asks for.
    staff, once = await env.panel.staff.add("ewa@example.org", "editor", actor="test")
    assert staff.locale == "pl"
    assert (await env.panel.staff.change_password(staff.id, once, PASSWORD)).ok
    async with env.client(language="en") as client:
        assert "Log in" in (await client.get("/panel/login")).text
        response = await post_form(client, "/panel/login", {"email": "ewa@example.org",
                                                             "password": PASSWORD})
        assert response.status_code == 303
        home = (await client.get("/panel/")).text
        assert '<html lang="pl">' in home
        for label in ("Dzień dobry, ewa@example.org", "Zalogowano z rolą: redaktor.",
                      "Treść", "Tłumaczenia", "Zgłoszenia", "Wyloguj się"):
            assert label in home, label
        assert "Log out" not in home
        short = await post_form(client, "/panel/password", {
            "old_password": PASSWORD, "new_password": "krótkie", "new_password_repeat": "krótkie"})
        assert short.status_code == 400
        assert "Nowe hasło musi mieć co najmniej 10 znaków." in short.text
        wrong = await post_form(client, "/panel/password", {
            "old_password": "nie to hasło", "new_password": "Trzy niezwiązane słowa 2026",
            "new_password_repeat": "Trzy niezwiązane słowa 2026"})
        assert "Obecne hasło jest nieprawidłowe." in wrong.text


async def test_language_switch_is_stored_on_the_account(env):
    async with env.login("editor", email="olena@example.org", locale="pl") as client:
        token = await csrf(client, "/panel/feedback")
        switched = await client.post("/panel/language", data={
            "lang": "uk", "next": "/panel/feedback", "csrf_token": token})
        assert switched.status_code == 303 and switched.headers["location"] == "/panel/feedback"
        page = (await client.get("/panel/feedback")).text
        assert '<html lang="uk">' in page and "Звернення" in page and "Вийти" in page
        async with env.panel.sessions() as session:
            row = await session.scalar(select(StaffAccount).where(
                StaffAccount.email == "olena@example.org"))
            assert row.locale == "uk"
        # Somewhere else: not an address outside the panel, and no unknown language.
        away = await client.post("/panel/language", data={
            "lang": "en", "next": "https://evil.example/", "csrf_token": token})
        assert away.headers["location"] == "/panel/"
        await client.post("/panel/language", data={"lang": "de", "next": "/panel/",
                                                   "csrf_token": token})
        assert '<html lang="en">' in (await client.get("/panel/")).text

        token = await csrf(client, "/panel/")
        await client.post("/panel/language", data={"lang": "uk", "next": "/panel/",
                                                    "csrf_token": token})
        out = await client.post("/panel/logout", data={"csrf_token": token})
        assert out.status_code == 303
        # The login page after logout stays in the language last used in this browser.
        login = (await client.get("/panel/login")).text
        assert "Ви вийшли." in login and "Увійти" in login
    assert (await env.panel.staff.by_email("olena@example.org")).locale == "uk"


async def test_polish_dates_numbers_and_statuses(env):
    svc = service(env.panel)
    due = dt.datetime(2030, 3, 15, 10, 30, tzinfo=dt.UTC)  # 11:30 in Warsaw
    info = await svc.create_announcement("Zamknięte biuro", {"pl": "Biuro zamknięte"},
                                         due_at=due, created_by="admin@example.org")
    async with env.login("admin", locale="pl") as client:
        listing = (await client.get("/panel/campaigns")).text
        assert "15 mar 2030, 11:30" in listing and "zaplanowana" in listing
        assert "Zaplanowana" not in listing and "scheduled</span>" not in listing
        feed = (await client.get("/panel/campaigns/status.json")).json()["campaigns"][0]
        assert (feed["status"], feed["status_label"]) == ("scheduled", "zaplanowana")
        detail = (await client.get(f"/panel/campaigns/{info.id}")).text
        assert "ogłoszenie" in detail and "Anuluj tę kampanię" in detail
        new = (await client.get("/panel/campaigns/new")).text
        for label in ("Nowe ogłoszenie", "Zaplanuj ogłoszenie", "Podgląd w każdym języku",
                      "Czekać do końca godzin ciszy"):
            assert label in new, label
        bad = await post_form(client, "/panel/campaigns/new", {
            "name": "", "action": "create"}, page="/panel/campaigns/new")
        assert bad.status_code == 400
        assert "Proszę wpisać tekst co najmniej w jednym języku." in bad.text
        refused = await post_form(client, "/panel/campaigns/new", {
            "name": "x", "text_uk": "<u>ні</u>", "action": "preview"}, page="/panel/campaigns/new")
        assert refused.status_code == 400
        assert ("Tekst (ukraiński): znacznik &lt;u&gt; jest niedozwolony; dozwolone są tylko "
                "&lt;b&gt;, &lt;i&gt;, &lt;a href=&#34;https://...&#34;&gt;.") in refused.text
        shown = await post_form(client, "/panel/campaigns/new", {
            "name": "x", "text_uk": 'Офіс <b>зачинено</b>, <a href="https://gov.pl">деталі</a>',
            "action": "preview"}, page="/panel/campaigns/new")
        assert shown.status_code == 200 and "Podgląd" in shown.text
        assert "Офіс <b>зачинено</b>" in shown.text and 'href="https://gov.pl/"' in shown.text
        accounts = (await client.get("/panel/accounts")).text
        assert "administrator" in accounts and "Resetuj hasło" in accounts
        assert ">Polski</option>" in accounts  # the language of a new account, Polish first
