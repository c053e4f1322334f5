"""The staff panel over HTTP for tests: the real web app (bot/web/app.py) on a copy of the
template database, driven by httpx through ASGITransport (no server, no browser)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.content.service import ContentStore
from bot.db.engine import create_engine, create_session_factory
from bot.factory import build_panel, build_survey_service
from bot.web.app import build_web_app
from bot.web.panel.context import PanelContext

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class PanelEnv:
    panel: PanelContext
    app: object
    engine: object

    def client(self, address: str = "127.0.0.1", language: str | None = "en") -> httpx.AsyncClient:
        """A browser connecting from `address` (what the panel sees as request.client),
        asking for pages in `language` (Accept-Language; None: no header)."""
        headers = {"Accept-Language": language} if language else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, client=(address, 50000)),
                                 base_url="http://panel.test", follow_redirects=False,
                                 headers=headers)

    async def account(self, email: str, role: str, password: str = PASSWORD,
                      locale: str = "en") -> str:
        """An account whose one-time password was already changed to `password`. English
        unless told (the tests written before the panel was translated read English)."""
        staff, once = await self.panel.staff.add(email, role, actor="test", locale=locale)
        assert (await self.panel.staff.change_password(staff.id, once, password)).ok
        return email

    @asynccontextmanager
    async def login(self, role: str = "editor", email: str | None = None,
                    address: str = "127.0.0.1", locale: str = "en"
                    ) -> AsyncIterator[httpx.AsyncClient]:
        """A client logged in as `email` (default ROLE@example.org), created when needed
        with the panel in `locale`."""
        email = email or f"{role}@example.org"
        if await self.panel.staff.by_email(email) is None:
            await self.account(email, role, locale=locale)
        async with self.client(address, language=locale) as client:
            response = await post_form(client, "/panel/login", {"email": email, "password": PASSWORD})
            assert response.status_code == 303, response.text
            yield client


async def build_env(db_path: Path, tmp_path: Path, **overrides) -> PanelEnv:
    values = {"database_url": f"sqlite+aiosqlite:///{db_path}", "data_dir": tmp_path / "data",
              "content_dir": PROJECT_ROOT / "content", "content_refresh_seconds": 0.0,
              "log_level": "WARNING", **overrides}
    settings = Settings(_env_file=None, **values)
    engine = create_engine(settings.db_url)
    sessions = create_session_factory(engine)
    content = ContentStore(sessions, refresh_seconds=0.0)
    await content.reload()
    panel = build_panel(settings, sessions, content, build_survey_service(settings, sessions))
    app, _ = build_web_app(panel=panel)
    return PanelEnv(panel, app, engine)


@pytest.fixture(name="env")
async def panel_env(db_path, tmp_path) -> AsyncIterator[PanelEnv]:
    """The fixture `env`: the panel on a fresh copy of the template database. A test module
    takes it with `from tests.panel_client import panel_env  # noqa: F401` (pytest finds it
    by its name, `env`)."""
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


async def csrf(client: httpx.AsyncClient, page: str = "/panel/login") -> str:
    found = CSRF_RE.search((await client.get(page)).text)
    assert found, f"no CSRF field on {page}"
    return found.group(1)


async def post_form(client: httpx.AsyncClient, url: str, data: dict, *, page: str | None = None,
                    files: dict | None = None) -> httpx.Response:
    """POST like a browser: the CSRF token comes from the page the form is on."""
    token = await csrf(client, page or url)
    return await client.post(url, data={**data, "csrf_token": token}, files=files)
