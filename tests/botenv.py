"""The whole bot, as `python -m bot run` builds it, against the Bot API sandbox over real
HTTP: in long-polling or webhook mode, stoppable and restartable on the same database."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings
from bot.factory import App, build_app
from bot.fake_telegram import BotApiSandbox
from bot.runner import prepare, run_polling, run_webhook

TOKEN = "123456789:sandbox-test-token"
# How long a test's HTTP client waits for a real server's answer. httpx's default (5 s) once
# failed a test under PYTHONMALLOC=debug beside other suites (load 9): the panel's first preview
# request, which builds the preview bot, took over 5 s. Speed is measured in bench/; a test
# asserts what the answer is, not how soon it comes.
SLOW_MACHINE = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(db_path: Path, sandbox: BotApiSandbox, **overrides) -> Settings:
    values = {
        "database_url": f"sqlite+aiosqlite:///{db_path}",
        "telegram_api_base": sandbox.base_url,
        "content_dir": PROJECT_ROOT / "content",
        "content_refresh_seconds": 0.0,
        "web_port": free_port(),
        "log_level": "WARNING",
        # Tests press buttons far faster than a person can: the flood guard is off unless a
        # test turns it on (tests/test_rate_limit.py).
        "flood_burst": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class RunningBot:
    def __init__(self, sandbox: BotApiSandbox, settings: Settings, mode: str = "polling"):
        self.sandbox, self.settings, self.mode = sandbox, settings, mode
        self.app: App | None = None
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None

    async def start(self) -> RunningBot:
        if self.mode == "webhook":
            self.settings = self.settings.model_copy(update={
                "webhook_url": f"http://127.0.0.1:{self.settings.web_port}/webhook"})
        polls_before = self.sandbox.poll_count
        hooks_before = self.webhooks_set()
        self.app = build_app(self.settings, TOKEN)
        await prepare(self.app)
        if self.mode == "webhook":
            self._stop = asyncio.Event()
            # Handled in the request, so the sandbox knows when an update is done.
            self._task = asyncio.create_task(run_webhook(self.app, self._stop, background=False))
            # Its own setWebhook, not another worker's: then its web server is serving.
            while self.webhooks_set() <= hooks_before:
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        else:
            self._stop = asyncio.Event()
            # Updates handled one by one, so the sandbox knows when an update is done.
            self._task = asyncio.create_task(run_polling(
                self.app, self._stop, handle_as_tasks=False, polling_timeout=1))
            # Polling has begun once the first getUpdates arrives: by then the command
            # menus are registered and the web app is up.
            while self.sandbox.poll_count <= polls_before:
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        return self

    def webhooks_set(self) -> int:
        return sum(c.method == "setWebhook" for c in self.sandbox.calls)

    async def stop(self) -> None:
        if self.app is None:
            return
        assert self._stop is not None and self._task is not None
        self._stop.set()
        await self._task
        await self.app.close()
        self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()
