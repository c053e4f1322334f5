"""A fake `signal-cli daemon --http` on 127.0.0.1, for tests and `python -m bot chat --channel signal`.

It speaks what the real daemon speaks (signal-cli-jsonrpc(5)): JSON-RPC 2.0 at
POST /api/v1/rpc (`send` with text and data-URI attachments, `sendReceipt`,
`getAttachment`), Server-Sent Events at GET /api/v1/events (every
event with an `id`, the last 1000 kept, `Last-Event-ID` resumes after an id and an unknown
id replays them all) and GET /api/v1/check. Envelopes have the real shape (`source`,
`sourceNumber`, `sourceUuid`, `sourceName`, `sourceDevice`, `timestamp`, `dataMessage`...).

It records every message sent, injects messages "from" people, can refuse the next sends
to someone as Signal does (rate limit, proof required, unregistered) and can drop its event
connections as a restarting daemon would.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

KEEP_EVENTS = 1000


@dataclass
class SentMessage:
    recipient: str
    message: str
    text_style: list[str]
    timestamp: int
    attachments: list[str] = field(default_factory=list)  # as sent: data URIs


def decode_data_uri(uri: str) -> tuple[str, str, bytes]:
    """(mime, filename, bytes) of `data:<MIME>;filename=<NAME>;base64,<DATA>`."""
    head, _, data = uri.partition(",")
    parts = head.removeprefix("data:").split(";")
    name = next((p.removeprefix("filename=") for p in parts if p.startswith("filename=")), "")
    return parts[0], name, base64.b64decode(data)


@dataclass
class Person:
    number: str
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    name: str = "Test Person"


class FakeSignalDaemon:
    def __init__(self, account: str = "+48500000000", host: str = "127.0.0.1", port: int = 0) -> None:
        self.account = account
        self.host, self.port = host, port
        self.sent: list[SentMessage] = []
        self.receipts: list[dict] = []
        self.events: deque[tuple[int, str]] = deque(maxlen=KEEP_EVENTS)
        self.calls: list[str] = []
        self.last_event_ids: list[str | None] = []  # the Last-Event-ID of each connection
        self._next_id = 1
        self._clock = int(time.time() * 1000)
        self._failures: dict[str, deque[tuple[str, float | None]]] = {}
        self._pass_first: dict[str, int] = {}  # sends let through before the failures
        self.files: dict[str, bytes] = {}  # attachment id -> bytes, for getAttachment
        self._holds: dict[str, asyncio.Event] = {}
        self._changed = asyncio.Condition()
        self._streams: set[web.StreamResponse] = set()
        self._runner: web.AppRunner | None = None
        self.connections = 0

    # ------------------------------------------------------------ life
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> FakeSignalDaemon:
        app = web.Application()
        app.router.add_post("/api/v1/rpc", self._rpc)
        app.router.add_get("/api/v1/events", self._events)
        app.router.add_get("/api/v1/check", self._check)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        await self.drop_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSignalDaemon:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def last_event_id(self) -> int:
        """The id of the newest event (0: none yet)."""
        return self._next_id - 1

    def _timestamp(self) -> int:
        self._clock = max(self._clock + 1, int(time.time() * 1000))
        return self._clock

    # ------------------------------------------------------------ test controls
    def person(self, number: str, name: str = "Test Person") -> Person:
        return Person(number=number, name=name)

    async def inject(self, person: Person, text: str | None = None, *,
                     data: dict | None = None, envelope_extra: dict | None = None) -> int:
        """A message from `person`; returns its timestamp (its id in Signal)."""
        ts = self._timestamp()
        message = data if data is not None else {
            "timestamp": ts, "message": text, "expiresInSeconds": 0, "viewOnce": False,
            "mentions": [], "attachments": [], "contacts": []}
        envelope = {"source": person.number, "sourceNumber": person.number,
                    "sourceUuid": person.uuid, "sourceName": person.name, "sourceDevice": 1,
                    "timestamp": ts, "serverReceivedTimestamp": ts,
                    "serverDeliveredTimestamp": ts, **(envelope_extra or {})}
        if message is not None:
            envelope.setdefault("dataMessage", message)
        await self.push({"envelope": envelope, "account": self.account})
        return ts

    async def inject_edit(self, person: Person, target: int, text: str) -> int:
        """`person` edits the message (or the earlier edit) sent at `target`: signal-cli's
        `editMessage`, whose new version has a timestamp of its own; returns that timestamp."""
        ts = self._timestamp()
        edit = {"targetSentTimestamp": target, "dataMessage": {
            "timestamp": ts, "message": text, "expiresInSeconds": 0, "viewOnce": False,
            "mentions": [], "attachments": [], "contacts": []}}
        envelope = {"source": person.number, "sourceNumber": person.number,
                    "sourceUuid": person.uuid, "sourceName": person.name, "sourceDevice": 1,
                    "timestamp": ts, "serverReceivedTimestamp": ts,
                    "serverDeliveredTimestamp": ts, "editMessage": edit}
        await self.push({"envelope": envelope, "account": self.account})
        return ts

    async def push(self, params: dict) -> int:
        event_id = self._next_id
        self._next_id += 1
        self.events.append((event_id, json.dumps(params, ensure_ascii=False)))
        async with self._changed:
            self._changed.notify_all()
        return event_id

    def fail_next(self, recipient: str, count: int = 1, kind: str = "rate_limit",
                  retry_after: float | None = 1.0, after: int = 0) -> None:
        """Refuse the next `count` sends to `recipient`: "rate_limit", "captcha" (proof
        required), "unregistered" or "network"; `after`: let that many through first."""
        queue = self._failures.setdefault(recipient, deque())
        queue.extend([(kind, retry_after)] * count)
        self._pass_first[recipient] = after

    def refusals_left(self, recipient: str) -> int:
        """How many of the refusals `fail_next` set up are still to come."""
        return len(self._failures.get(recipient) or ())

    async def inject_file(self, person: Person, data: bytes, content_type: str = "image/jpeg",
                          filename: str | None = "photo.jpg", caption: str | None = None,
                          **extra: Any) -> int:
        """A message with one attachment (and a caption, if given) from `person`; signal-cli
        has the file, and `getAttachment` returns it."""
        return await self.inject_files(person, [(data, content_type, filename)], caption,
                                       **extra)

    async def inject_files(self, person: Person, files: list[tuple[bytes, str, str | None]],
                           caption: str | None = None, **extra: Any) -> int:
        """A message with several attachments, each (bytes, content type, file name), as
        Signal sends photos picked together; `extra` goes into each attachment."""
        items = []
        for data, content_type, filename in files:
            attachment_id = f"{uuid.uuid4().hex[:20]}.{content_type.rpartition('/')[2]}"
            self.files[attachment_id] = data
            items.append({"contentType": content_type, "filename": filename,
                          "id": attachment_id, "size": len(data), **extra})
        return await self.inject(person, data={
            "timestamp": self._timestamp(), "message": caption, "expiresInSeconds": 0,
            "viewOnce": False, "attachments": items})

    def hold(self, recipient: str) -> asyncio.Event:
        """Sends to `recipient` wait (as a slow send does) until the returned event is set."""
        self._holds[recipient] = asyncio.Event()
        return self._holds[recipient]

    async def drop_connections(self) -> None:
        """End every event stream, as a daemon restart does."""
        for stream in list(self._streams):
            transport = stream._req.transport if stream._req is not None else None  # type: ignore[attr-defined]
            if transport is not None:
                transport.close()
        self._streams.clear()
        async with self._changed:
            self._changed.notify_all()

    def sent_to(self, recipient: str) -> list[SentMessage]:
        return [m for m in self.sent if m.recipient == recipient]

    async def wait_sent(self, recipient: str, count: int, within: float = 15.0) -> list[SentMessage]:
        """Wait until `count` messages went to `recipient` in all; returns them all."""
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.sent_to(recipient)) >= count)
        try:
            await asyncio.wait_for(enough(), within)
        except TimeoutError:
            texts = [m.message[:60] for m in self.sent_to(recipient)]
            raise AssertionError(f"expected {count} messages to {recipient}, got {texts}") from None
        return self.sent_to(recipient)

    # ------------------------------------------------------------ HTTP
    async def _check(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def _rpc(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"jsonrpc": "2.0", "id": None,
                                      "error": {"code": -32700, "message": "parse error"}})
        call_id = body.get("id")
        method = body.get("method")
        params = body.get("params") or {}
        self.calls.append(str(method))

        def error(code: int, message: str, data: Any = None) -> web.Response:
            return web.json_response({"jsonrpc": "2.0", "id": call_id,
                                      "error": {"code": code, "message": message, "data": data}})

        if not method:
            return error(-32600, "method field must be set")
        if params.get("account") not in (None, self.account):
            return error(-32602, "Specified account does not exist")
        if method == "send":
            return web.json_response({"jsonrpc": "2.0", "id": call_id, **await self._send(params)})
        if method == "getAttachment":
            data = self.files.get(str(params.get("id")))
            if data is None:
                return error(-1, f"Could not find attachment with ID: {params.get('id')}")
            return web.json_response({"jsonrpc": "2.0", "id": call_id,
                                      "result": {"data": base64.b64encode(data).decode()}})
        if method == "sendReceipt":
            self.receipts.append(params)
            return web.json_response({"jsonrpc": "2.0", "id": call_id, "result": {}})
        return error(-32601, "Method not implemented")

    async def _send(self, params: dict) -> dict:
        recipients = params.get("recipient")
        recipients = [recipients] if isinstance(recipients, str) else list(recipients or [])
        if len(recipients) != 1 or not isinstance(params.get("message"), str):
            return {"error": {"code": -32602, "message": "one recipient and a message, please"}}
        recipient = recipients[0]
        held = self._holds.get(recipient)
        if held is not None:
            await held.wait()
        ts = self._timestamp()
        address = {"uuid": recipient if "-" in recipient else None,
                   "number": recipient if recipient.startswith("+") else None}
        failures = self._failures.get(recipient)
        if failures and self._pass_first.get(recipient, 0) > 0:
            self._pass_first[recipient] -= 1
            failures = None
        if failures:
            kind, retry_after = failures.popleft()
            result: dict[str, Any] = {"recipientAddress": address}
            if kind == "rate_limit":
                result |= {"type": "RATE_LIMIT_FAILURE", "retryAfterSeconds": retry_after}
                message = "Failed to send message due to rate limiting"
            elif kind == "captcha":
                result |= {"type": "PROOF_REQUIRED_FAILURE", "token": str(uuid.uuid4()),
                           "retryAfterSeconds": retry_after}
                message = "Failed to send message due to rate limiting: proof required (captcha)"
            elif kind == "unregistered":
                result |= {"type": "UNREGISTERED_FAILURE"}
                message = "Failed to send message: Unregistered user"
            else:
                result |= {"type": "NETWORK_FAILURE"}
                message = "Failed to send message: network failure"
            return {"error": {"code": -1, "message": message,
                              "data": {"response": {"timestamp": ts, "results": [result]}}}}
        styles = params.get("textStyle") or []
        styles = [styles] if isinstance(styles, str) else list(styles)
        async with self._changed:
            attachments = params.get("attachments") or []
            self.sent.append(SentMessage(recipient, params["message"], styles, ts,
                                         [attachments] if isinstance(attachments, str)
                                         else list(attachments)))
            self._changed.notify_all()
        return {"result": {"timestamp": ts,
                           "results": [{"recipientAddress": address, "type": "SUCCESS"}]}}

    async def _events(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("account") not in (None, self.account):
            return web.Response(status=400)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-cache"})
        await response.prepare(request)
        self._streams.add(response)
        self.connections += 1
        last = request.headers.get("Last-Event-ID")
        self.last_event_ids.append(last)
        known = {event_id for event_id, _ in self.events}
        after = int(last) if last and last.isdigit() and int(last) in known else 0
        try:
            while True:
                pending = [(i, d) for i, d in list(self.events) if i > after]
                for event_id, data in pending:
                    await response.write(f"id:{event_id}\nevent:receive\ndata:{data}\n\n".encode())
                    after = event_id
                if response not in self._streams:
                    break
                async with self._changed:
                    try:
                        await asyncio.wait_for(self._changed.wait(), timeout=15)
                    except TimeoutError:
                        await response.write(b":\n\n")  # keep-alive
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._streams.discard(response)
        return response
