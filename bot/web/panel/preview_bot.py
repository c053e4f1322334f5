"""The bot staff chat with on the panel's preview page.

A second Bot + Dispatcher, built by the same factory as the real one, talks to an
in-process Bot API sandbox instead of Telegram. It reads the live content (the running
bot's ContentStore instance, so an edit shows at once) but writes nothing into the live
database: its users, dialog state, survey answers and tickets go to a throwaway SQLite
file in a temporary directory, and the ratings and content gaps it would record are
dropped. It starts on first use and stops with the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.telegram.fsm_storage import SqlStorage
from bot.config import Settings
from bot.content.service import ContentStore
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.fake_telegram import BotApiSandbox, ButtonNotFound, SimUser
from bot.surveys.store import SurveyService

log = logging.getLogger(__name__)

TOKEN = "424242:preview-sandbox-token"
FIRST_USER_ID = 7_100_000_001
NAMES = {"pl": "Podgląd", "uk": "Перегляд", "en": "Preview"}


class PreviewContent:
    """The live ContentStore for reading; what the bot would record is dropped.

    Reads are let through by name; anything else (a write method added to ContentStore
    later) fails loudly here instead of writing preview traffic into the live database."""

    READS = frozenset({"catalog", "index", "current", "search", "is_empty"})

    def __init__(self, live: ContentStore) -> None:
        self._live = live

    def __getattr__(self, name: str) -> Any:
        if name in self.READS:
            return getattr(self._live, name)
        raise AttributeError(f"the preview does not pass ContentStore.{name} to the live store")

    async def record_rating(self, slug: str, value: int) -> bool:
        return slug in self._live.catalog.by_slug

    async def record_gap(self, query: str, lang: str) -> None:
        return None


@dataclass
class _Runtime:
    tmp: tempfile.TemporaryDirectory
    engine: AsyncEngine
    sandbox: BotApiSandbox
    bot: Bot
    dispatcher: Dispatcher
    polling: asyncio.Task
    users: dict[tuple[int, str], SimUser] = field(default_factory=dict)


class PreviewBot:
    """Lazily started preview bot; one simulated user per staff member and language."""

    def __init__(self, settings: Settings, content: ContentStore, surveys: SurveyService) -> None:
        self.settings, self.content, self.surveys = settings, content, surveys
        self._runtime: _Runtime | None = None
        self._lock = asyncio.Lock()
        self._ids = itertools.count(FIRST_USER_ID)

    @property
    def started(self) -> bool:
        return self._runtime is not None

    async def _ensure(self) -> _Runtime:
        async with self._lock:
            if self._runtime is None:
                self._runtime = await self._start()
            return self._runtime

    async def _start(self) -> _Runtime:
        from bot.factory import build_bot, build_dispatcher

        tmp = tempfile.TemporaryDirectory(prefix="belong-preview-")
        url = f"sqlite+aiosqlite:///{Path(tmp.name) / 'preview.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        sandbox = await BotApiSandbox().start()
        # No Redis, no webhook, and no staff group: the preview's tickets stay in the preview.
        settings = self.settings.model_copy(update={
            "database_url": url, "telegram_api_base": sandbox.base_url, "redis_url": None,
            "webhook_url": None, "staff_chat_id": None})
        surveys = SurveyService(sessions, self.surveys.surveys)
        for slug in surveys.surveys:
            await surveys.ensure_first_wave(slug)
        bot = build_bot(settings, TOKEN)
        dp = build_dispatcher(SqlStorage(engine), SimpleEventIsolation(),
                              PreviewContent(self.content), sessions,  # type: ignore[arg-type]
                              settings, surveys=surveys)
        polling = asyncio.create_task(dp.start_polling(
            bot, handle_signals=False, close_bot_session=False, handle_as_tasks=False,
            polling_timeout=1, allowed_updates=dp.resolve_used_update_types()))
        log.info("preview bot started")
        return _Runtime(tmp, engine, sandbox, bot, dp, polling)

    async def stop(self) -> None:
        async with self._lock:
            rt, self._runtime = self._runtime, None
        if rt is None:
            return
        with contextlib.suppress(RuntimeError):
            await rt.dispatcher.stop_polling()
        with contextlib.suppress(Exception):
            await rt.polling
        await rt.dispatcher.storage.close()
        await rt.bot.session.close()
        await rt.sandbox.stop()
        await rt.engine.dispose()
        rt.tmp.cleanup()
        log.info("preview bot stopped")

    async def user(self, staff_id: int, lang: str) -> SimUser:
        """The staff member's simulated user for a language; new ones start with /start."""
        rt = await self._ensure()
        user = rt.users.get((staff_id, lang))
        if user is None:
            user = rt.sandbox.user(next(self._ids), first_name=NAMES.get(lang, "Preview"),
                                   language_code=lang)
            rt.users[(staff_id, lang)] = user
            await user.send_command("start")
        return user

    async def reset(self, staff_id: int, lang: str) -> SimUser:
        rt = await self._ensure()
        rt.users.pop((staff_id, lang), None)
        return await self.user(staff_id, lang)

    async def send_text(self, staff_id: int, lang: str, text: str) -> SimUser:
        user = await self.user(staff_id, lang)
        if text.startswith("/"):
            cmd, _, args = text.partition(" ")
            await user.send_command(cmd, args.strip())
        else:
            await user.send_text(text)
        return user

    async def press(self, staff_id: int, lang: str, message_id: int, row: int, col: int,
                    label: str | None = None) -> SimUser:
        """Press a button; with `label`, only if that button still says so (the screen may
        have changed since the page drew it)."""
        user = await self.user(staff_id, lang)
        _msg, button = user.find_button((row, col), message=message_id)
        if label is not None and button.get("text") != label:
            raise ButtonNotFound(f"button {label!r} is no longer on message #{message_id}")
        await user.press((row, col), message=message_id)
        return user


async def stop_preview(panel) -> None:
    """Stop the panel's preview bot if it was started (called when the web server stops)."""
    preview = panel.extra.get("preview")
    if isinstance(preview, PreviewBot):
        await preview.stop()
