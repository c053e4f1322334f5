"""Panel sessions end on the server: a copied cookie is worth nothing after logout, a password
change, a reset, a disabled account or a role change, nor after idle or absolute expiry; and a
stolen session cannot guess the current password on the change-password form."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from bot.db.models import utcnow
from bot.staff.sessions import PASSWORD_TRIES_PER_SESSION
from bot.web.panel.app import SESSION_COOKIE
from tests.panel_client import (
    PASSWORD,
    build_env,
    panel_env,  # noqa: F401 (the fixture `env`)
    post_form,
)

NEW_PASSWORD = "amber lighthouse kettle"
THIEF = "203.0.113.66"


class Clock:
    """The staff service's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def stolen(client: httpx.AsyncClient) -> str:
    return client.cookies[SESSION_COOKIE]


def replay(env, cookie: str, address: str = THIEF) -> httpx.AsyncClient:
    """Another browser, elsewhere, with a copy of the cookie."""
    thief = env.client(address)
    thief.cookies.set(SESSION_COOKIE, cookie, domain="panel.test", path="/panel")
    return thief


async def opens_panel(env, cookie: str) -> bool:
    async with replay(env, cookie) as thief:
        response = await thief.get("/panel/")
    if response.status_code == 303:
        assert response.headers["location"].startswith("/panel/login")
        return False
    assert response.status_code == 200
    return True


async def test_a_copied_cookie_is_dead_after_logout(env):
    async with env.login("editor") as client:
        cookie = stolen(client)
        assert await opens_panel(env, cookie)
        assert (await post_form(client, "/panel/logout", {}, page="/panel/")).status_code == 303
    assert not await opens_panel(env, cookie)
    async with replay(env, cookie) as thief:  # and it is told why on the login page
        page = await thief.get("/panel/login")
        assert "session has ended" in page.text


async def test_a_password_change_ends_every_other_session(env):
    async with env.login("editor") as elsewhere, env.login("editor") as client:
        cookie = stolen(client)
        response = await post_form(client, "/panel/password", {
            "old_password": PASSWORD, "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD})
        assert response.status_code == 303
        assert (await client.get("/panel/")).status_code == 200  # this browser goes on
        assert (await elsewhere.get("/panel/")).status_code == 303
    assert not await opens_panel(env, cookie)


@pytest.mark.parametrize("change", ["disable", "role", "reset"])
async def test_account_changes_end_its_sessions(env, change):
    async with env.login("editor") as client:
        cookie = stolen(client)
        async with env.login("admin") as admin:
            form = {"email": "editor@example.org", "role": "analyst"}
            response = await post_form(admin, f"/panel/accounts/{change}", form,
                                       page="/panel/accounts")
            assert response.status_code in (200, 303)
        assert (await client.get("/panel/")).status_code == 303
    assert not await opens_panel(env, cookie)


async def test_a_session_expires_when_idle_and_after_the_absolute_limit(db_path, tmp_path):
    env = await build_env(db_path, tmp_path, panel_session_idle_minutes=30,
                          panel_session_max_hours=12)
    try:
        clock = Clock()
        env.panel.staff.clock = clock
        async with env.login("editor") as client:
            clock.advance(minutes=29)
            assert (await client.get("/panel/")).status_code == 200
            clock.advance(minutes=29)  # 58 minutes after login, 29 after the last page
            assert (await client.get("/panel/")).status_code == 200
            clock.advance(minutes=31)
            assert (await client.get("/panel/")).status_code == 303
        async with env.login("editor") as client:
            cookie = stolen(client)
            for _ in range(35):  # busy all day: a page every 20 minutes
                clock.advance(minutes=20)
                assert (await client.get("/panel/")).status_code == 200
            clock.advance(minutes=21)  # 12 h 1 min after the login
            assert (await client.get("/panel/")).status_code == 303
        assert not await opens_panel(env, cookie)
    finally:
        await env.engine.dispose()


async def test_session_limits_come_from_the_settings(db_path, tmp_path):
    env = await build_env(db_path, tmp_path, panel_session_idle_minutes=5,
                          panel_session_max_hours=2)
    try:
        assert env.panel.staff.logins.policy.idle == dt.timedelta(minutes=5)
        async with env.login("editor") as client:
            set_cookie = (await post_form(client, "/panel/logout", {}, page="/panel/")
                          ).headers["set-cookie"]
        assert "Max-Age=7200" in set_cookie
    finally:
        await env.engine.dispose()


async def test_a_stolen_session_cannot_guess_the_current_password(env):
    """Wrong current passwords end the session after a few tries, count towards the account's
    lock like failed logins, and the owner still logs in from their own address."""
    sessions = []
    for _ in range(2):
        async with env.login("editor") as client:
            sessions.append(stolen(client))
    checks = []
    verify = env.panel.staff.passwords.verify_sync
    env.panel.staff.passwords.verify_sync = lambda h, p: checks.append(p) or verify(h, p)

    async def guess(thief: httpx.AsyncClient, n: int) -> httpx.Response:
        return await post_form(thief, "/panel/password", {
            "old_password": f"guess {n}", "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD})

    async with replay(env, sessions[0]) as thief:
        for n in range(PASSWORD_TRIES_PER_SESSION - 1):
            response = await guess(thief, n)
            assert response.status_code == 400 and "current password is not right" in response.text
        response = await guess(thief, 99)
        assert response.status_code == 303 and response.headers["location"] == "/panel/login"
        assert (await thief.get("/panel/")).status_code == 303  # the session is gone
    assert len(checks) == PASSWORD_TRIES_PER_SESSION
    # The second stolen session: two more guesses make five failures for the account,
    # after which this address is refused without a password check.
    async with replay(env, sessions[1]) as thief:
        for n in range(2):
            assert (await guess(thief, 10 + n)).status_code == 400
        refused = await guess(thief, 20)
        assert refused.status_code == 429 and "Too many wrong passwords" in refused.text
        assert len(checks) == PASSWORD_TRIES_PER_SESSION + 2
    async with env.client(THIEF) as thief:
        login = await post_form(thief, "/panel/login", {"email": "editor@example.org",
                                                       "password": PASSWORD})
        assert login.status_code == 429  # not even with the right password, from there
    async with env.login("editor", address="192.0.2.10") as owner:
        assert (await owner.get("/panel/")).status_code == 200
