"""Update delivery of the sandbox: the getUpdates queue, webhook POSTs and the waits.

Mixed into ``BotApiSandbox``; the state it uses is created in ``BotApiSandbox.__init__``.
"""

# `timeout` arguments are deadlines of the test-side waits (a documented part of the API).
# ruff: noqa: ASYNC109
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from itertools import islice
from typing import Any

import aiohttp

from .methods_info import DEFAULT_ALLOWED_UPDATES
from .models import (
    ApiError,
    SandboxTimeoutError,
    UploadedFile,
    WebhookDelivery,
    WebhookDeliveryError,
)

__all__ = ["UpdateDelivery"]

logger = logging.getLogger(__name__)

_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def dumps(obj: Any) -> bytes:
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


class UpdateDelivery:
    """getUpdates queue, webhook delivery and waiting (see server.py for the semantics)."""

    # provided by BotApiSandbox
    settle: float
    timeout: float
    webhook_timeout: float
    base_url: str
    poll_count: int
    webhook_deliveries: list[WebhookDelivery]
    _client: aiohttp.ClientSession | None
    _closing: bool
    _dispatch: Any

    def __init__(self) -> None:
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
                webhook.url, data=dumps(ticket.update), headers=headers,
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
