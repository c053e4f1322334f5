"""Staff panel: login, throttling, forced password change, CSRF, roles, the staff CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.db.models import AuditEntry
from bot.web.panel.security import CONTENT_SECURITY_POLICY, session_secret
from tests.panel_client import PASSWORD, build_env, csrf, post_form


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


async def test_anonymous_is_sent_to_login_and_health_untouched(env):
    async with env.client() as client:
        response = await client.get("/panel/audit")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/panel/login?next=")
        health = await client.get("/healthz")
        assert health.status_code == 200 and "set-cookie" not in health.headers
        page = await client.get("/panel/login")
        assert page.status_code == 200
        assert 'name="email"' in page.text and 'name="password"' in page.text
        cookie = page.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/panel" in cookie
        assert "secure" not in cookie
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        css = await client.get("/panel/static/panel.css")
        assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


class _InlineCode(HTMLParser):
    """What a strict CSP would block: inline <script> and <style>, style="", on...=""
    handlers and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if (tag == "script" and not values.get("src")) or tag == "style":
            self.found.append(f"<{tag}>")
        for name, value in values.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def test_the_policy_is_strict():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'" and "script-src" not in directives
    assert "style-src" not in directives and "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


async def test_every_panel_page_has_the_csp_and_needs_no_inline_code(env):
    """Every page in the navigation (as an admin, who sees them all), the pages that had
    inline script or style before, and the error pages."""
    async with env.login("admin") as client:
        home = await client.get("/panel/")
        nav = re.findall(r'<li><a href="(/panel/[^"]*)"', home.text)
        assert len(set(nav)) >= 8, nav
        pages = dict.fromkeys([*nav, "/panel/content/node/work-who-may-work",
                               "/panel/content/add", "/panel/campaigns/new", "/panel/preview",
                               "/panel/results/belonging", "/panel/no-such-page",
                               "/panel/static/panel.js"])
        for page in pages:
            response = await client.get(page)
            assert response.status_code in (200, 404), (page, response.status_code)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, page
            if page.startswith("/panel/data"):
                continue  # sqladmin's templates: not ours (checked: none on read-only views)
            if response.headers["content-type"].startswith("text/html"):
                finder = _InlineCode()
                finder.feed(response.text)
                assert finder.found == [], (page, finder.found)
    async with env.client() as anonymous:
        login = await anonymous.get("/panel/login")
        assert login.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        refused = await anonymous.post("/panel/login", data={"email": "x"})  # no CSRF token
        assert refused.status_code == 403
        assert refused.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_session_secret_persists_and_cookie_is_secure_on_https(db_path, tmp_path):
    env = await build_env(db_path, tmp_path, panel_url="https://bot.example.org/panel/")
    try:
        async with env.client() as client:
            cookie = (await client.get("/panel/login")).headers["set-cookie"].lower()
        assert "; secure" in cookie
        secret = tmp_path / "data" / "panel_secret"
        assert secret.exists() and oct(secret.stat().st_mode & 0o777) == "0o600"
        assert session_secret(env.panel.settings) == secret.read_text()
    finally:
        await env.engine.dispose()


async def test_first_login_forces_a_password_change(env):
    staff, once = await env.panel.staff.add("new@example.org", "editor", actor="test",
                                          locale="en")
    async with env.client() as client:
        response = await post_form(client, "/panel/login", {"email": "new@example.org",
                                                            "password": once})
        assert response.status_code == 303 and response.headers["location"] == "/panel/password"
        # Every other page sends them back to the password page.
        assert (await client.get("/panel/")).headers["location"] == "/panel/password"
        weak = await post_form(client, "/panel/password", {
            "old_password": once, "new_password": "short", "new_password_repeat": "short"})
        assert weak.status_code == 400 and "at least 10 characters" in weak.text
        same = await post_form(client, "/panel/password", {
            "old_password": once, "new_password": once + "x", "new_password_repeat": once + "y"})
        assert same.status_code == 400 and "not the same" in same.text
        ok = await post_form(client, "/panel/password", {
            "old_password": once, "new_password": PASSWORD, "new_password_repeat": PASSWORD})
        assert ok.status_code == 303
        home = await client.get("/panel/")
        assert home.status_code == 200 and "new@example.org" in home.text
    again = await env.panel.staff.get(staff.id)
    assert again is not None and not again.must_change_password


async def test_wrong_password_rejected_then_account_locked(env):
    await env.account("ed@example.org", "editor")
    async with env.client() as client:
        for _ in range(4):
            bad = await post_form(client, "/panel/login", {"email": "ed@example.org",
                                                           "password": "wrong password"})
            assert bad.status_code == 400 and "Wrong e-mail or password" in bad.text
        locked = await post_form(client, "/panel/login", {"email": "ed@example.org",
                                                          "password": "wrong password"})
        assert locked.status_code == 429 and "Too many failed attempts" in locked.text
        # Even the right password waits until the lock ends.
        still = await post_form(client, "/panel/login", {"email": "ed@example.org",
                                                         "password": PASSWORD})
        assert still.status_code == 429
    locked = [a for a in await env.panel.staff.accounts() if a.email == "ed@example.org"]
    assert locked[0].locked_until is not None


async def test_an_unknown_email_locks_like_a_real_one(env):
    """The lock answer must not tell which e-mails have an account."""
    await env.account("ed@example.org", "editor")
    answers = {}
    for email in ("ed@example.org", "nobody@example.org"):
        async with env.client() as client:
            codes = []
            for _ in range(6):
                response = await post_form(client, "/panel/login", {"email": email,
                                                                    "password": "wrong password"})
                codes.append((response.status_code, "Too many failed attempts" in response.text))
            answers[email] = codes
    assert answers["ed@example.org"] == answers["nobody@example.org"]
    assert answers["nobody@example.org"][-1] == (429, True)


async def test_many_failures_from_one_address_are_throttled(env):
    async with env.client() as client:
        for i in range(20):
            response = await post_form(client, "/panel/login", {"email": f"x{i}@example.org",
                                                                "password": "guess"})
            assert response.status_code == 400
        response = await post_form(client, "/panel/login", {"email": "x@example.org",
                                                            "password": "guess"})
        assert response.status_code == 429 and "from your network" in response.text


async def test_csrf_missing_or_wrong_is_refused(env):
    await env.account("ed@example.org", "editor")
    async with env.client() as client:
        await client.get("/panel/login")
        missing = await client.post("/panel/login", data={"email": "ed@example.org",
                                                          "password": PASSWORD})
        assert missing.status_code == 403 and "security token is missing" in missing.text
        wrong = await client.post("/panel/login", data={"email": "ed@example.org",
                                                        "password": PASSWORD, "csrf_token": "x"})
        assert wrong.status_code == 403 and "wrong or expired" in wrong.text
        assert (await client.get("/panel/")).status_code == 303  # still not logged in
        header = await client.post("/panel/login", data={"email": "ed@example.org",
                                                         "password": PASSWORD},
                                   headers={"X-CSRF-Token": await csrf(client)})
        assert header.status_code == 303
        # Uploads (multipart forms) are checked too.
        upload = await client.post("/panel/content/transfer", data={"csrf_token": "forged"},
                                   files={"files": ("x.yaml", b"slug: x", "application/yaml")})
        assert upload.status_code == 403


async def test_logout_ends_the_session(env):
    async with env.login("editor") as client:
        assert (await client.get("/panel/")).status_code == 200
        response = await post_form(client, "/panel/logout", {}, page="/panel/")
        assert response.status_code == 303
        assert (await client.get("/panel/")).status_code == 303


async def test_roles(env):
    async with env.login("editor") as editor:
        assert (await editor.get("/panel/accounts")).status_code == 403
        assert (await editor.get("/panel/content")).status_code == 200
    async with env.login("analyst") as analyst:
        assert (await analyst.get("/panel/content")).status_code == 403
        response = await post_form(analyst, "/panel/content/node/work/retire", {}, page="/panel/")
        assert response.status_code == 403
    async with env.login("admin") as admin:
        assert (await admin.get("/panel/accounts")).status_code == 200
        assert (await admin.get("/panel/content")).status_code == 200


async def test_disabled_account_loses_its_session(env):
    async with env.login("editor") as client:
        await env.panel.staff.disable("editor@example.org", actor="test")
        assert (await client.get("/panel/")).status_code == 303


async def test_admin_manages_accounts_in_the_panel(env):
    async with env.login("admin") as admin:
        response = await post_form(admin, "/panel/accounts", {"email": "Cat@Example.org",
                                                              "role": "analyst"})
        assert response.status_code == 200 and "One-time password" in response.text
        assert (await env.panel.staff.by_email("cat@example.org")).role == "analyst"
        response = await post_form(admin, "/panel/accounts/disable",
                                   {"email": "cat@example.org"}, page="/panel/accounts")
        assert response.status_code == 303
        assert not (await env.panel.staff.by_email("cat@example.org")).active
    async with env.panel.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "staff.add" in actions and "staff.disable" in actions


def test_staff_cli(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
               LOG_LEVEL="WARNING")

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "staff", *args], cwd=PROJECT_ROOT,
                              env=env, capture_output=True, text=True, timeout=120)

    added = cli("add", "ann@example.org", "--role", "admin")
    assert added.returncode == 0 and "One-time password for ann@example.org:" in added.stdout
    assert cli("add", "ann@example.org", "--role", "admin").returncode == 2
    assert cli("add", "bob@example.org", "--role", "boss").returncode != 0
    listed = cli("list")
    assert "ann@example.org" in listed.stdout and "must change password" in listed.stdout
    reset = cli("reset-password", "ann@example.org")
    assert reset.returncode == 0 and "One-time password" in reset.stdout
    assert cli("disable", "ann@example.org").returncode == 0
    assert "disabled" in cli("list").stdout
    assert cli("disable", "nobody@example.org").returncode == 2


def test_account_lock_grows_and_is_capped():
    from bot.staff.throttle import lock_seconds

    assert [lock_seconds(n) for n in range(1, 9)] == [0, 0, 0, 0, 30, 60, 120, 240]
    assert lock_seconds(50) == 3600
