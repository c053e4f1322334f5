"""The bot as production runs it: `python -m bot run` in its own process, against the Bot API
sandbox of the test and a SQLite file, so a test can kill it (SIGKILL) and start another on
the same database.

The process handles updates as tasks (aiogram's default), so an update counts as handled
when what the person waits for has arrived: the answer of a button (after the screen was
redrawn), or a new or changed message. The helpers below wait for exactly that.
"""

# `timeout` arguments are deadlines of the test-side waits.
# ruff: noqa: ASYNC109
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT
from bot.fake_telegram import BotApiSandbox, CallbackAnswer, SimUser
from tests.botenv import free_port

TOKEN = "123456789:fault-test-token"
# What the last-resort error handler says (dialogs/commands.py SOMETHING_WENT_WRONG).
ERROR_NOTICE = "Something went wrong"


class BotProcess:
    """One `python -m bot run` after another on the same database and web port."""

    def __init__(self, sandbox: BotApiSandbox, db_path: Path, workdir: Path, *,
                 mode: str = "polling", **env: str) -> None:
        self.sandbox, self.db_path, self.workdir, self.mode = sandbox, db_path, workdir, mode
        port = free_port()
        self.env = dict(
            os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{db_path}", BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=sandbox.base_url, WEB_PORT=str(port), DATA_DIR=str(workdir),
            LOG_LEVEL="WARNING", PUSH_QUIET_HOURS="")
        for key in ("WEBHOOK_URL", "WEBHOOK_SECRET", "REDIS_URL"):
            self.env.pop(key, None)
        if mode == "webhook":
            self.env["WEBHOOK_URL"] = f"http://127.0.0.1:{port}/webhook"
        self.env.update(env)
        self.proc: asyncio.subprocess.Process | None = None
        self.logs: list[Path] = []

    async def start(self, timeout: float = 120) -> BotProcess:
        assert self.proc is None or self.proc.returncode is not None, "already running"
        polls, hooks = self.sandbox.poll_count, self._webhooks_set()
        log = self.workdir / f"bot-{len(self.logs) + 1}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-X", "faulthandler", "-m", "bot", "run", cwd=PROJECT_ROOT,
                env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        # Started once it asks for updates (polling), or, with a webhook, once a webhook was
        # registered AND this process's own web port answers. The sandbox's setWebhook count
        # alone is shared: with two processes starting together, the first one's call made
        # the second look started before it listened (a load balancer then found its port
        # closed and sent every update to the first: tests/test_workers_e2e.py, seen twice).
        while (self.sandbox.poll_count <= polls if self.mode == "polling"
               else self._webhooks_set() <= hooks or not await self._answers()):
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start (exit code {self.proc.returncode}):\n"
                                   + self.log_text())
            await asyncio.sleep(0.05)
        return self

    async def _answers(self) -> bool:
        """Whether this process's web server answers /healthz."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", int(self.env["WEB_PORT"])), 2)
        except (OSError, TimeoutError):
            return False
        try:
            writer.write(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 5)
            return b" 200 " in status
        except (OSError, TimeoutError):
            return False
        finally:
            writer.close()

    def _webhooks_set(self) -> int:
        return sum(c.method == "setWebhook" for c in self.sandbox.calls)

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.proc.wait(), 30)
        assert self.proc.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.returncode is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(self.proc.wait(), 30)
                except TimeoutError:
                    self.proc.kill()
                    await self.proc.wait()
                    raise
        finally:
            # pytest shows a test's output only when it fails: then with the bot's log.
            print(self.log_text())

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def failures(self) -> list[str]:
        """Log lines of updates that failed or of anything that crashed."""
        return [line for line in self.log_text().splitlines()
                if "update failed" in line or "Traceback" in line or "Fatal Python" in line]


async def until(condition: Callable[[], Any], timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what or condition}")
        await asyncio.sleep(0.02)


def answer_of(user: SimUser, update: dict[str, Any]) -> CallbackAnswer | None:
    query_id = update["callback_query"]["id"]
    return next((a for a in user.chat.callback_answers if a.callback_query_id == query_id), None)


async def press(user: SimUser, label: str | int, message: Any = None, *,
                timeout: float = 30) -> CallbackAnswer:
    """Press a button and wait for its answer (the screen is redrawn before it); returns the
    answer, which must not be the error notice."""
    update = await user.press(label, message, wait=False)
    return await answered(user, update, timeout=timeout)


async def answered(user: SimUser, update: dict[str, Any], *, timeout: float = 30
                   ) -> CallbackAnswer:
    await until(lambda: answer_of(user, update) is not None, timeout,
                f"an answer to the press {update['callback_query']['data']!r} of {user}")
    await user.sandbox.wait_idle(settle=0.1, timeout=timeout)
    answer = answer_of(user, update)
    assert answer is not None
    assert ERROR_NOTICE not in (answer.text or ""), answer.text
    return answer


async def send_text(user: SimUser, text: str, expect: str, *, timeout: float = 30) -> None:
    """Send a message; wait for a new bot message with `expect` in its text or buttons."""
    before = len(user.chat.messages)
    await user.send_text(text, wait=False)
    await until(lambda: any(expect in (m.text or "") + str(m.buttons())
                            for m in user.chat.messages[before:] if m.from_bot),
                timeout, f"{expect!r} after {text!r}")
    await user.sandbox.wait_idle(settle=0.1, timeout=timeout)


def no_error_seen(user: SimUser) -> bool:
    return (all(ERROR_NOTICE not in t for t in user.chat.bot_texts())
            and all(ERROR_NOTICE not in (a.text or "") for a in user.chat.callback_answers))


async def until_async(condition: Callable[[], Awaitable[Any]], timeout: float = 30,
                      what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what or condition}")
        await asyncio.sleep(0.1)
