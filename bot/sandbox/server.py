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

# `timeout` arguments are deadlines of the test-side waits (a documented part of the API).
# ruff: noqa: ASYNC109
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import deque
from itertools import islice
from typing import Any

import aiohttp
from aiohttp import web

from .methods import DEFAULT_ALLOWED_UPDATES, BotApiMethods, Described
from .models import (
    ApiError,
    CallRecord,
    ChatEvent,
    Injection,
    Listener,
    SandboxError,
    SandboxTimeoutError,
    SimChat,
    SimMessage,
    UploadedFile,
    WebhookDelivery,
    WebhookDeliveryError,
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
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_DROP = object()


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class _Ticket:
    """Tracks one queued update until the bot has handled it."""

    __slots__ = ("chat_id", "desc", "done_at", "dropped", "error", "event", "fetched",
                 "inflight", "update", "update_id")

    def __init__(self, update_id: int, update: dict[str, Any], chat_id: int, desc: str) -> None:
        self.update_id = update_id
        self.update = update
        self.chat_id = chat_id
        self.desc = desc
        self.event = asyncio.Event()
        self.done_at = 0.0
        self.error: BaseException | None = None
        self.dropped = False
        self.fetched = False
        self.inflight = False

    def describe(self) -> str:
        return f"update {self.update_id} ({self.desc}, chat {self.chat_id})"


class _Webhook:
    __slots__ = ("last_error_date", "last_error_message", "max_connections", "secret",
                 "semaphore", "token", "url")

    def __init__(self, url: str, secret: str | None, max_connections: int, token: str) -> None:
        self.url = url
        self.secret = secret
        self.max_connections = max_connections
        self.semaphore = asyncio.Semaphore(max_connections)
        self.token = token
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None


class BotApiSandbox(BotApiMethods):
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
        # update queue
        self._next_update_id = 1
        self._poll_queue: deque[_Ticket] = deque()
        self._unfinished: dict[int, _Ticket] = {}
        self._poll_waiter: asyncio.Future[None] | None = None
        self._last_poll_at: float | None = None
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._last_finish = 0.0
        # webhook
        self._webhook: _Webhook | None = None
        self._chat_queues: dict[int, deque[_Ticket]] = {}
        self._chat_workers: dict[int, asyncio.Task[None]] = {}
        # activity of the bot (API calls other than getUpdates)
        self._inflight = 0
        self._last_activity = 0.0
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._closing = False
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
                body=_dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}),
                status=401, content_type="application/json",
            )
        try:
            params, files = await self._read_params(request)
        except ApiError as e:
            return web.Response(body=_dumps(e.payload()), status=e.error_code,
                                content_type="application/json")
        status, payload = await self._dispatch(token, request.match_info["method"], params, files)
        if payload is _DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing more to send on a dropped connection
        return web.Response(body=_dumps(payload), status=status, content_type="application/json")

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
        return web.Response(body=_dumps({"ok": False, "error_code": 404,
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

    # ================================================================ updates
    def _enqueue(self, chat_id: int, update_type: str, body: dict[str, Any], desc: str) -> _Ticket:
        update_id = self._next_update_id
        self._next_update_id += 1
        ticket = _Ticket(update_id, {"update_id": update_id, update_type: body}, chat_id, desc)
        if update_type not in self._allowed_updates:
            # Telegram does not create updates of types the bot did not ask for.
            ticket.dropped = True
            self._finish(ticket)
            return ticket
        self._unfinished[update_id] = ticket
        if self._webhook is not None:
            self._push_webhook(ticket)
        else:
            self._poll_queue.append(ticket)
            self._wake_poller()
        return ticket

    def _finish(self, ticket: _Ticket, error: BaseException | None = None,
                dropped: bool = False) -> None:
        if ticket.event.is_set():
            return
        ticket.error = error
        ticket.dropped = ticket.dropped or dropped
        ticket.done_at = time.monotonic()
        self._last_finish = ticket.done_at
        self._unfinished.pop(ticket.update_id, None)
        ticket.event.set()

    def _wake_poller(self) -> None:
        waiter = self._poll_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _confirm(self, offset: int) -> None:
        queue = self._poll_queue
        if offset > 0:
            while queue and queue[0].update_id < offset:
                self._finish(queue.popleft())
        elif offset < 0:
            while len(queue) > -offset:
                self._finish(queue.popleft(), dropped=True)

    def _drop_pending(self) -> None:
        while self._poll_queue:
            self._finish(self._poll_queue.popleft(), dropped=True)
        for queue in self._chat_queues.values():
            for ticket in [t for t in queue if not t.inflight]:
                queue.remove(ticket)
                self._finish(ticket, dropped=True)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        self.poll_count += 1
        self._last_poll_at = time.monotonic()
        offset = params.get("offset")
        if offset:
            self._confirm(int(offset))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(int(params.get("timeout") or 0), 0)
        old = self._poll_waiter
        if old is not None and not old.done():
            old.set_exception(ApiError(409, _CONFLICT_POLL))
        if not self._poll_queue and timeout > 0 and not self._closing:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._poll_waiter = waiter
            try:
                await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                pass
            finally:
                if self._poll_waiter is waiter:
                    self._poll_waiter = None
            if self._webhook is not None or self._closing:
                return []
        batch = list(islice(self._poll_queue, limit))
        for ticket in batch:
            ticket.fetched = True
        return [t.update for t in batch]

    # ================================================================ webhook
    def _set_webhook(self, url: str, secret: str | None, max_connections: int,
                     token: str) -> None:
        self._webhook = _Webhook(url, secret, max_connections, token)
        pending = list(self._poll_queue)
        self._poll_queue.clear()
        for ticket in pending:
            ticket.fetched = False
            self._push_webhook(ticket)
        self._wake_poller()

    def _delete_webhook(self) -> None:
        self._webhook = None
        moved: list[_Ticket] = []
        for queue in self._chat_queues.values():
            for ticket in [t for t in queue if not t.inflight]:
                queue.remove(ticket)
                moved.append(ticket)
        if moved:
            merged = sorted([*self._poll_queue, *moved], key=lambda t: t.update_id)
            self._poll_queue.clear()
            self._poll_queue.extend(merged)

    def _push_webhook(self, ticket: _Ticket) -> None:
        queue = self._chat_queues.get(ticket.chat_id)
        if queue is None:
            queue = self._chat_queues[ticket.chat_id] = deque()
        queue.append(ticket)
        if ticket.chat_id not in self._chat_workers:
            self._chat_workers[ticket.chat_id] = asyncio.get_running_loop().create_task(
                self._webhook_worker(ticket.chat_id)
            )

    async def _webhook_worker(self, chat_id: int) -> None:
        queue = self._chat_queues[chat_id]
        try:
            while queue and not self._closing:
                webhook = self._webhook
                if webhook is None:
                    break
                ticket = queue[0]
                ticket.inflight = True
                async with webhook.semaphore:
                    await self._deliver(webhook, ticket)
                if queue and queue[0] is ticket:
                    queue.popleft()
        finally:
            self._chat_workers.pop(chat_id, None)

    async def _deliver(self, webhook: _Webhook, ticket: _Ticket) -> None:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if webhook.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        reply: tuple[str, dict[str, Any], dict[str, UploadedFile]] | None = None
        try:
            async with self._client.post(
                webhook.url, data=_dumps(ticket.update), headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as resp:
                status = resp.status
                if 200 <= status < 300:
                    reply = await self._read_webhook_reply(resp)
                else:
                    error = f"Wrong response from the webhook: {status} {resp.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientError as e:
            error = f"Connection failed: {type(e).__name__}: {e}"
        delivery = WebhookDelivery(ticket.update_id, webhook.url, status, time.time(),
                                   time.monotonic() - started, error)
        self.webhook_deliveries.append(delivery)
        if error is not None:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = error
            logger.debug("sandbox webhook delivery of %s failed: %s", ticket.describe(), error)
            self._finish(ticket, error=WebhookDeliveryError(
                f"{ticket.describe()} was not accepted by the webhook {webhook.url}: {error}",
                delivery))
            return
        if reply is not None:
            method, params, files = reply
            await self._dispatch(webhook.token, method, params, files, via="webhook_reply")
        self._finish(ticket)

    @staticmethod
    async def _read_webhook_reply(
        resp: aiohttp.ClientResponse,
    ) -> tuple[str, dict[str, Any], dict[str, UploadedFile]] | None:
        """A webhook may answer with a method call, as aiogram does when a handler
        returns a TelegramMethod (multipart form) or with a JSON object."""
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if resp.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader(resp.headers, resp.content)
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    files[part.name] = UploadedFile(part.filename, bytes(await part.read()),
                                                    part.headers.get("Content-Type"))
                else:
                    params[part.name] = await part.text()
        elif resp.content_type == "application/json":
            try:
                data = await resp.json()
            except ValueError:
                return None
            if isinstance(data, dict):
                params = data
        else:
            return None
        method = params.pop("method", None)
        return (str(method), params, files) if method else None

    # ================================================================ waiting
    async def wait_for(self, update: dict[str, Any] | int, settle: float | None = None,
                       timeout: float | None = None) -> None:
        """Wait until the bot has handled an update queued earlier with ``wait=False``."""
        update_id = update if isinstance(update, int) else update["update_id"]
        ticket = self._unfinished.get(update_id)
        if ticket is not None:
            await self._wait_ticket(ticket, settle, timeout)

    async def wait_idle(self, settle: float | None = None, timeout: float | None = None) -> None:
        """Wait until every queued update was handled and the bot made no API call for
        ``settle`` seconds."""
        settle = self.settle if settle is None else settle
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            if self._unfinished:
                ticket = min(self._unfinished.values(), key=lambda t: t.update_id)
                await self._wait_event(ticket, deadline, timeout)
                if ticket.error is not None:
                    raise ticket.error
                continue
            await self._settle(self._last_finish, settle, deadline, "wait_idle()", timeout)
            if not self._unfinished:
                return

    async def _wait_ticket(self, ticket: _Ticket, settle: float | None,
                           timeout: float | None) -> None:
        settle = self.settle if settle is None else settle
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        await self._wait_event(ticket, deadline, timeout)
        if ticket.error is not None:
            raise ticket.error
        await self._settle(ticket.done_at, settle, deadline, ticket.describe(), timeout)

    async def _wait_event(self, ticket: _Ticket, deadline: float, timeout: float) -> None:
        if ticket.event.is_set():
            return
        try:
            await asyncio.wait_for(ticket.event.wait(), max(deadline - time.monotonic(), 0))
        except TimeoutError:
            raise SandboxTimeoutError(
                f"{ticket.describe()} was not handled within {timeout}s: "
                f"{self._stuck_reason(ticket)}"
            ) from None

    def _stuck_reason(self, ticket: _Ticket) -> str:
        if self._webhook is not None or ticket.inflight:
            url = self._webhook.url if self._webhook else "the webhook"
            if ticket.inflight:
                return f"the POST to {url} has not returned yet"
            return f"it is queued behind earlier updates of the chat for {url}"
        if self._last_poll_at is None:
            return (f"no getUpdates call was ever received: is the bot polling "
                    f"{self.base_url} (or is a webhook missing)?")
        if ticket.fetched:
            return ("getUpdates returned it but no later getUpdates confirmed it "
                    "(handler still running, or polling stopped)")
        return "no getUpdates call fetched it (polling stopped?)"

    async def _settle(self, since: float, settle: float, deadline: float, what: str,
                      timeout: float) -> None:
        while True:
            now = time.monotonic()
            if self._inflight == 0:
                quiet = now - max(since, self._last_activity)
                if quiet >= settle:
                    return
                delay = settle - quiet
            else:
                delay = max(min(settle, 0.005), 0.001)
            if now + delay > deadline:
                if now >= deadline:
                    raise SandboxTimeoutError(
                        f"{what}: the bot kept calling the Bot API for {timeout}s without a "
                        f"quiet period of {settle}s"
                    )
                delay = deadline - now
            await asyncio.sleep(delay)
