"""A local Telegram Bot API server for tests, benchmarks and the terminal chat.

The bot runs unchanged against it::

    async with BotApiSandbox() as sb:
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url)))
        user = sb.user(1001)
        await user.send_command("start")
        assert "Welcome" in user.chat.bot_texts()[-1]

Waiting
-------
``await user.send_text(...)`` (``wait=True``) returns when the bot has finished
handling the update:

* webhook mode - the POST of that update to the webhook returned (and the method
  in its body, if any, was executed), and then no API call arrived for ``settle``
  seconds.  Use ``SimpleRequestHandler(..., handle_in_background=False)``.
* polling mode - a later getUpdates call confirmed the update (offset >
  update_id), and then no API call other than getUpdates arrived for ``settle``
  seconds.  Use ``dp.start_polling(bot, handle_as_tasks=False)`` so aiogram
  confirms an update only after its handler finished; with handle_as_tasks=True
  the wait relies on the handler calling the API within ``settle``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import aiohttp
from aiohttp import web

from .delivery import UpdateDelivery, dumps
from .methods import BotApiMethods
from .methods_info import Described
from .models import (
    ApiError,
    CallRecord,
    ChatEvent,
    Injection,
    Listener,
    SandboxError,
    SimChat,
    SimMessage,
    UploadedFile,
    WebhookDelivery,
)
from .users import SimUser

__all__ = ["BotApiSandbox"]

logger = logging.getLogger(__name__)

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "allowed_updates", "commands",
        "scope", "link_preview_options", "reply_parameters", "media", "message_ids",
        "menu_button", "results", "options", "reaction", "permissions",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "user_id",
        "reply_to_message_id", "message_thread_id", "cache_time", "max_connections",
        "duration", "width", "height", "length",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media", "supports_streaming",
        "allow_paid_broadcast", "remove_caption", "is_big",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_JSON_ERRORS = {
    "reply_markup": "Bad Request: can't parse reply keyboard markup JSON object",
    "entities": "Bad Request: can't parse entities JSON object",
    "caption_entities": "Bad Request: can't parse entities JSON object",
}
_DROP = object()


class BotApiSandbox(UpdateDelivery, BotApiMethods):
    """In-process fake of the Telegram Bot API (see the module docstring)."""

    def __init__(
        self,
        *,
        settle: float = 0.05,
        timeout: float = 5.0,
        strict_file_ids: bool = True,
        webhook_timeout: float = 30.0,
    ) -> None:
        self.settle = settle
        self.timeout = timeout
        self.strict_file_ids = strict_file_ids
        self.webhook_timeout = webhook_timeout
        self.latency: float = 0.0
        self.calls: list[CallRecord] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.poll_count = 0
        self.base_url: str = ""
        self._users: dict[int, SimUser] = {}
        self._listeners: list[Listener] = []
        self._injections: list[Injection] = []
        self._bot_id: int | None = None
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._closing = False
        UpdateDelivery.__init__(self)
        BotApiMethods.__init__(self)

    # ================================================================ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> BotApiSandbox:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sock = server.sockets[0] if server is not None and server.sockets else None
        real_port = sock.getsockname()[1] if sock is not None else port
        self.base_url = f"http://{host}:{real_port}"
        self._client = aiohttp.ClientSession()
        self._closing = False
        logger.debug("Bot API sandbox listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake_poller()
        workers = list(self._chat_workers.values())
        for task in workers:
            task.cancel()
        for task in workers:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        for ticket in list(self._unfinished.values()):
            self._finish(ticket, error=SandboxError("the sandbox was stopped"))
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        logger.debug("Bot API sandbox stopped")

    async def __aenter__(self) -> BotApiSandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ================================================================ users & chats
    def user(
        self,
        user_id: int,
        first_name: str = "Olena",
        language_code: str | None = "uk",
        username: str | None = None,
        last_name: str | None = None,
    ) -> SimUser:
        """Get or create a simulated user (its private chat id equals the user id)."""
        user = self._users.get(int(user_id))
        if user is None:
            user = SimUser(self, user_id, first_name, language_code, username, last_name)
            self._users[user.id] = user
        return user

    @property
    def users(self) -> list[SimUser]:
        return list(self._users.values())

    def chat(self, chat_id: int) -> SimChat:
        """The conversation with a simulated user (KeyError if no such user)."""
        try:
            return self._users[int(chat_id)].chat
        except KeyError:
            raise KeyError(f"no simulated user/chat {chat_id}; create it with sb.user()") from None

    def _get_chat(self, chat_id: Any) -> SimChat | None:
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        return user.chat if user is not None else None

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self._bot_id or 1,
            "is_bot": True,
            "first_name": "Belong (sandbox)",
            "username": "belong_sandbox_bot",
        }

    # ================================================================ listeners
    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(ChatEvent)`` synchronously on every chat change."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, kind: str, chat: SimChat, message: SimMessage | None = None,
              data: Any = None) -> None:
        if not self._listeners:
            return
        event = ChatEvent(kind, chat, message, data)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                logger.debug("sandbox listener %r failed", listener, exc_info=True)

    # ================================================================ fault injection
    def inject(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        times: int | None = 1,
    ) -> Injection:
        """Make the next ``times`` calls of ``method`` (``"*"`` = any; optionally only
        for ``chat_id``) fail with ``error_code``; ``times=None`` means until removed."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        inj = Injection(method.lower(), error_code, description, retry_after, chat_id, times)
        self._injections.append(inj)
        return inj

    def fail_network(
        self, method: str, times: int | None = 1, *, chat_id: int | str | None = None,
        after: bool = False,
    ) -> Injection:
        """Drop the connection of the next ``times`` calls of ``method``: before executing
        the call, or (``after=True``) after executing it, so the effect happened but the
        bot never sees the answer."""
        inj = Injection(method.lower(), 0, None, None, chat_id, times,
                        drop_connection=True, after=after)
        self._injections.append(inj)
        return inj

    def clear_injections(self) -> None:
        self._injections.clear()

    def _match_injection(self, method_lower: str, params: dict[str, Any]) -> Injection | None:
        for inj in self._injections:
            if inj.method not in ("*", method_lower):
                continue
            if inj.chat_id is not None and str(params.get("chat_id")) != str(inj.chat_id):
                continue
            inj.hits += 1
            if inj.remaining is not None:
                inj.remaining -= 1
                if inj.remaining <= 0:
                    self._injections.remove(inj)
            return inj
        return None

    @staticmethod
    def _injected_error(inj: Injection) -> ApiError:
        code = inj.error_code
        desc = inj.description
        if desc is None:
            if code == 429:
                desc = f"Too Many Requests: retry after {inj.retry_after}"
            else:
                desc = _DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")
        params = {"retry_after": inj.retry_after} if inj.retry_after is not None else None
        return ApiError(code, desc, params)

    # ================================================================ HTTP
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _TOKEN_RE.match(token):
            return web.Response(
                body=dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}),
                status=401, content_type="application/json",
            )
        try:
            params, files = await self._read_params(request)
        except ApiError as e:
            return web.Response(body=dumps(e.payload()), status=e.error_code,
                                content_type="application/json")
        status, payload = await self._dispatch(token, request.match_info["method"], params, files)
        if payload is _DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing more to send on a dropped connection
        return web.Response(body=dumps(payload), status=status, content_type="application/json")

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        params: dict[str, Any] = dict(request.query) if request.query_string else {}
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    data = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if isinstance(data, dict):
                    params.update(data)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            value.filename, value.file.read(), value.content_type
                        )
                    else:
                        params[key] = value
        return params, files

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for f in self.files.values():
            if f.file_path == path and f.data is not None:
                return web.Response(body=f.data, content_type=f.mime_type or
                                    "application/octet-stream")
        return web.Response(body=dumps({"ok": False, "error_code": 404,
                                         "description": "Not Found"}),
                            status=404, content_type="application/json")

    @staticmethod
    def _normalize(params: dict[str, Any]) -> None:
        for key, value in params.items():
            if not isinstance(value, str):
                continue
            if key in _JSON_FIELDS:
                if value[:1] in ("{", "[", '"') or value in ("true", "false", "null"):
                    try:
                        params[key] = json.loads(value)
                    except ValueError:
                        raise ApiError(400, _JSON_ERRORS.get(
                            key, f"Bad Request: can't parse {key} JSON object")) from None
            elif key in _INT_FIELDS:
                try:
                    params[key] = int(value)
                except ValueError:
                    if key != "chat_id" and key != "from_chat_id":
                        raise ApiError(400, f"Bad Request: invalid {key} specified") from None
            elif key in _BOOL_FIELDS:
                params[key] = value.lower() in ("true", "1")
            elif key in _FLOAT_FIELDS:
                try:
                    params[key] = float(value)
                except ValueError:
                    raise ApiError(400, f"Bad Request: invalid {key} specified") from None

    async def _dispatch(
        self, token: str, method: str, params: dict[str, Any],
        files: dict[str, UploadedFile], via: str = "http",
    ) -> tuple[int, Any]:
        """Run one API call; returns (http_status, payload) or (0, _DROP)."""
        entry = self._method_table.get(method.lower())
        if self._bot_id is None:
            self._bot_id = int(token.split(":", 1)[0])
        if entry is None:
            logger.debug("sandbox: unknown method %s", method)
            record = self._new_record(method, params, files, via)
            self._finish_record(record, None, 404, "Not Found")
            self._last_activity = time.monotonic()
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        name, func, is_async = entry
        polling = name == "getUpdates"
        record = None
        if not polling:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            try:
                self._normalize(params)
            finally:
                if not polling:
                    record = self._new_record(name, params, files, via)
            if self.latency:
                await asyncio.sleep(self.latency)
            inj = self._match_injection(name.lower(), params) if self._injections else None
            if inj is not None and not (inj.drop_connection and inj.after):
                if inj.drop_connection:
                    self._finish_record(record, None, 0, "network failure (injected)")
                    return 0, _DROP
                raise self._injected_error(inj)
            result = await func(params, files, token) if is_async else func(params, files, token)
            description = None
            if isinstance(result, Described):
                result, description = result.result, result.description
            payload: dict[str, Any] = {"ok": True, "result": result}
            if description:
                payload["description"] = description
            if inj is not None:  # drop after executing
                self._finish_record(record, result, 0, "network failure after call (injected)")
                return 0, _DROP
            self._finish_record(record, result)
            return 200, payload
        except ApiError as e:
            self._finish_record(record, None, e.error_code, e.description)
            return e.error_code, e.payload()
        finally:
            if not polling:
                self._inflight -= 1
                self._last_activity = time.monotonic()

    def _new_record(self, name: str, params: dict[str, Any], files: dict[str, UploadedFile],
                    via: str) -> CallRecord:
        record = CallRecord(name, params, time.time(), files, via=via)
        self.calls.append(record)
        return record

    @staticmethod
    def _finish_record(record: CallRecord | None, result: Any, error_code: int = 0,
                       description: str | None = None) -> None:
        if record is None:
            return
        record.ok = error_code == 0 and description is None
        record.result = result
        if error_code or description:
            record.error_code = error_code or None
            record.description = description
