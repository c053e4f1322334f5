"""The Telegram transport: one sendMessage per message, every Bot API answer mapped to one
core send outcome (bot/core/transport.py). Pushes and staff replies both go through here, so
Telegram's errors are read in this one place.

Sends bypass aiogram's request path on purpose: it builds a multipart form and validates the
full Message model of every answer, about 1.1 ms of CPU per message against 0.4 ms for a
JSON POST on the same aiohttp stack (measured on the 2-core machine), which decides whether a
paid broadcast reaches 500/s. The URL, token and defaults (HTML, no link previews) come
from the bot's own configuration, and the outcomes follow aiogram's reading of the answer:
429 with retry_after (TelegramRetryAfter) -> RetryAfter; 403 (TelegramForbiddenError) and
400 "chat not found"/"user is deactivated" -> Blocked; 5xx (TelegramServerError) and network
errors (TelegramNetworkError) -> Failed(temporary=True); any other error (TelegramBadRequest,
...) -> Failed. Buttons become callback data "push:<action>:<value>" (dialogs/pushes.py).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiogram import Bot

from bot.core.markup import render_telegram
from bot.core.transport import (
    TELEGRAM,
    Blocked,
    Contact,
    Failed,
    OutgoingMessage,
    RetryAfter,
    SendOutcome,
    Sent,
)

CALLBACK_PREFIX = "push"
# Telegram answers 400 with these when the person deleted their account or never started.
_GONE = ("chat not found", "user is deactivated", "bot can't initiate conversation")


def callback_data(action: str, value: str) -> str:
    return f"{CALLBACK_PREFIX}:{action}:{value}"


def reply_markup(message: OutgoingMessage) -> dict[str, Any] | None:
    if not message.buttons:
        return None
    return {"inline_keyboard": [[{"text": b.label, "callback_data": callback_data(b.action, b.value)}]
                                for b in message.buttons]}


def outcome(status: int, answer: dict[str, Any]) -> SendOutcome:
    """A Bot API answer (HTTP status and JSON body) as a send outcome."""
    if answer.get("ok") and 200 <= status < 300:
        return Sent()
    code = int(answer.get("error_code") or status)
    description = str(answer.get("description") or f"HTTP {status}")
    error = f"{code} {description}"[:200]
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if retry_after is not None:
        return RetryAfter(float(retry_after), error)
    if code == 403:
        return Blocked(error)
    if code == 400 and any(marker in description.lower() for marker in _GONE):
        return Blocked(error)
    if code >= 500:
        return Failed(error, temporary=True)
    return Failed(error)


CAPTION_LIMIT = 1024  # characters of a photo caption (Bot API)


class TelegramTransport:
    channel = TELEGRAM

    def __init__(self, bot: Bot, request_timeout: float = 20.0, connections: int = 200) -> None:
        self.url = bot.session.api.api_url(token=bot.token, method="sendMessage")
        self.photo_url = bot.session.api.api_url(token=bot.token, method="sendPhoto")
        self.timeout = aiohttp.ClientTimeout(total=request_timeout)
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections), timeout=self.timeout,
                headers={"Content-Type": "application/json"})
        return self._session

    async def send(self, contact: Contact, message: OutgoingMessage) -> SendOutcome:
        if contact.channel != TELEGRAM:
            return Failed(f"not a Telegram contact: {contact.channel!r}")
        chat_id = int(contact.address)
        text = render_telegram(message.text)
        markup = reply_markup(message)
        if message.telegram_photo is not None:
            # A caption holds 1,024 characters: a longer text follows the photo on its own.
            fits = len(text) <= CAPTION_LIMIT
            photo: dict[str, Any] = {"chat_id": chat_id, "photo": message.telegram_photo}
            if fits:
                photo.update(caption=text, parse_mode="HTML")
                if markup is not None:
                    photo["reply_markup"] = markup
            outcome = await self._post(self.photo_url, photo)
            if fits or not isinstance(outcome, Sent):
                return outcome
        body: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                                "link_preview_options": {"is_disabled": True}}
        if markup is not None:
            body["reply_markup"] = markup
        return await self._post(self.url, body)

    async def _post(self, url: str, body: dict[str, Any]) -> SendOutcome:
        try:
            async with self._client().post(url, data=json.dumps(body)) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            return Failed(f"network: {type(exc).__name__}"[:200], temporary=True)
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
