"""signal-cli's HTTP daemon: JSON-RPC 2.0 at POST /api/v1/rpc, incoming messages as
Server-Sent Events at GET /api/v1/events.

The problem: the event stream drops whenever the daemon restarts or the network blinks, and
a message that arrives meanwhile must not be lost. Every event carries an `id`; the daemon
keeps its last 1000 events and, given `Last-Event-ID`, sends the ones after it first. The
stream is reopened with growing pauses (1 s doubling to 60 s, with jitter), and the caller
persists the id of each event it has handled (the `on_event` callback returns first), so a
restart of the bot resumes too.

A send's outcome is read from signal-cli's per-recipient result (`SUCCESS`,
`UNREGISTERED_FAILURE`, `RATE_LIMIT_FAILURE`, `PROOF_REQUIRED_FAILURE` with
`retryAfterSeconds`, ...) or, when the call failed as a whole, from the error it returned.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

SENT, UNREGISTERED, RATE_LIMITED, FAILED = "sent", "unregistered", "rate_limited", "failed"


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one message: sent, unregistered (or blocked us: do not try again),
    rate_limited (try again after `retry_after` seconds) or failed (a temporary error when
    `temporary`)."""

    status: str
    retry_after: float | None = None
    timestamp: int | None = None
    temporary: bool = False

    @property
    def ok(self) -> bool:
        return self.status == SENT


@dataclass(frozen=True)
class SseEvent:
    id: str | None
    event: str
    data: str


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.data = code, message, data


_RATE_WORDS = ("ratelimit", "rate limit", "rate_limit", "proof required", "proofrequired",
               "captcha")
_UNREGISTERED_WORDS = ("unregistered", "not registered", "blocked")


def outcome_from_results(results: list[dict]) -> SendOutcome | None:
    """The outcome of a one-recipient send from signal-cli's `results` list."""
    if not results:
        return None
    first = results[0]
    kind = str(first.get("type", "")).upper()
    retry = first.get("retryAfterSeconds")
    if kind == "SUCCESS":
        return SendOutcome(SENT)
    if kind == "UNREGISTERED_FAILURE":
        return SendOutcome(UNREGISTERED)
    if kind in ("RATE_LIMIT_FAILURE", "PROOF_REQUIRED_FAILURE"):
        return SendOutcome(RATE_LIMITED, retry_after=float(retry) if retry is not None else None)
    if kind == "NETWORK_FAILURE":
        return SendOutcome(FAILED, temporary=True)
    return SendOutcome(FAILED)  # IDENTITY_FAILURE and anything unknown


def outcome_from_error(error: RpcError) -> SendOutcome:
    data = error.data if isinstance(error.data, dict) else {}
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    found = outcome_from_results(response.get("results") or [])
    if found is not None:
        return found
    text = error.message.lower()
    if any(word in text for word in _RATE_WORDS):
        retry = data.get("retryAfterSeconds")
        return SendOutcome(RATE_LIMITED, retry_after=float(retry) if retry is not None else None)
    if any(word in text for word in _UNREGISTERED_WORDS):
        return SendOutcome(UNREGISTERED)
    return SendOutcome(FAILED)


async def parse_sse(lines: AsyncIterator[bytes]) -> AsyncIterator[SseEvent]:
    """Server-Sent Events from a byte-line stream (the WHATWG rules the daemon needs)."""
    event_id: str | None = None
    name, data = "message", []
    async for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield SseEvent(event_id, name, "\n".join(data))
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue  # a comment: keep-alive
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
        elif field == "id" and "\0" not in value:
            event_id = value


class SignalRpc:
    """One daemon, one account. `account` is sent with every call (needed by a daemon in
    multi-account mode, harmless otherwise)."""

    def __init__(self, base_url: str, account: str | None = None, *,
                 session: aiohttp.ClientSession | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = account
        self._session = session
        self._own_session = session is None
        self._timeout = timeout
        self._ids = itertools.count(1)

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        params = dict(params or {})
        if self.account:
            params.setdefault("account", self.account)
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": next(self._ids)}
        http = await self._http()
        async with http.post(f"{self.base_url}/api/v1/rpc", json=body,
                             timeout=aiohttp.ClientTimeout(total=self._timeout)) as response:
            if response.status >= 500:
                raise RpcError(-32000, f"HTTP {response.status}")
            reply = await response.json(content_type=None)
        if "error" in reply and reply["error"] is not None:
            err = reply["error"]
            raise RpcError(int(err.get("code", -1)), str(err.get("message", "")), err.get("data"))
        return reply.get("result")

    async def send(self, recipient: str, message: str,
                   text_style: list[str] | None = None,
                   attachments: list[str] | None = None) -> SendOutcome:
        """`attachments`: data URIs, `data:<MIME>;filename=<NAME>;base64,<DATA>` (signal-cli
        takes a path or such a URI; the daemon may run on another machine, so no paths)."""
        params: dict[str, Any] = {"recipient": [recipient], "message": message}
        if text_style:
            params["textStyle"] = text_style
        if attachments:
            params["attachments"] = attachments
        try:
            result = await self.call("send", params)
        except RpcError as exc:
            outcome = outcome_from_error(exc)
            log.info("signal send refused: %s (code %s)", outcome.status, exc.code)
            return outcome
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("signal send failed: %s", type(exc).__name__)
            return SendOutcome(FAILED, temporary=True)
        result = result if isinstance(result, dict) else {}
        found = outcome_from_results(result.get("results") or [])
        outcome = found or SendOutcome(SENT)
        if outcome.ok:
            return SendOutcome(SENT, timestamp=result.get("timestamp"))
        return outcome

    async def get_attachment(self, attachment_id: str, sender: str) -> bytes | None:
        """The bytes of an attachment a person sent (signal-cli downloaded it on receipt), or
        None when the daemon has it no more or cannot be reached."""
        try:
            result = await self.call("getAttachment", {"id": attachment_id,
                                                       "recipient": sender})
            data = result.get("data") if isinstance(result, dict) else None
            return base64.b64decode(data) if isinstance(data, str) else None
        except (RpcError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("signal attachment not fetched: %s", type(exc).__name__)
            return None

    async def send_receipt(self, recipient: str, timestamp: int, kind: str = "read") -> None:
        try:
            await self.call("sendReceipt", {"recipient": recipient,
                                            "targetTimestamp": [timestamp], "type": kind})
        except (RpcError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("signal receipt not sent: %s", type(exc).__name__)

    async def events(self, last_event_id: str | None = None) -> AsyncIterator[SseEvent]:
        """One connection's events, after `last_event_id`; ends when the stream ends."""
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        params = {"account": self.account} if self.account else {}
        http = await self._http()
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
        async with http.get(f"{self.base_url}/api/v1/events", headers=headers, params=params,
                            timeout=timeout) as response:
            if response.status != 200:
                raise RpcError(-32000, f"HTTP {response.status} on the event stream")
            async for event in parse_sse(response.content):
                yield event


class EventStream:
    """Follow the daemon's events for as long as `stop` is not set, reconnecting with backoff
    and resuming after the last event `on_event` finished with."""

    def __init__(self, rpc: SignalRpc, on_event: Callable[[SseEvent], Awaitable[None]], *,
                 last_event_id: str | None = None, min_delay: float = 1.0,
                 max_delay: float = 60.0) -> None:
        self.rpc, self.on_event = rpc, on_event
        self.last_event_id = last_event_id
        self.min_delay, self.max_delay = min_delay, max_delay
        self.connected = asyncio.Event()
        self.connections = 0

    async def run(self, stop: asyncio.Event) -> None:
        delay = self.min_delay
        while not stop.is_set():
            try:
                self.connections += 1
                self.connected.set()
                async for event in self.rpc.events(self.last_event_id):
                    delay = self.min_delay  # a working stream resets the backoff
                    await self.on_event(event)
                    if event.id is not None:
                        self.last_event_id = event.id
                    if stop.is_set():
                        return
                log.info("signal event stream ended; reconnecting")
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, RpcError, TimeoutError, ConnectionError) as exc:
                log.warning("signal event stream lost: %s", type(exc).__name__)
            finally:
                self.connected.clear()
            pause = delay * (0.5 + random.random() / 2)
            delay = min(delay * 2, self.max_delay)
            try:
                await asyncio.wait_for(stop.wait(), timeout=pause)
            except TimeoutError:
                pass


def decode_event(event: SseEvent) -> dict | None:
    """The `{"envelope": ..., "account": ...}` of a receive event, or None."""
    try:
        payload = json.loads(event.data)
    except ValueError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("params"), dict):
        payload = payload["params"]  # a whole JSON-RPC notification
    if isinstance(payload, dict) and isinstance(payload.get("result"), dict):
        payload = payload["result"]  # a subscription's wrapper
    return payload if isinstance(payload, dict) and "envelope" in payload else None
