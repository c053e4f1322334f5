"""Sending to Signal people, with an outcome and retries after Signal's rate limit.

SignalTransport implements the core's `Transport` (bot/core/transport.py): `send(contact,
message)` renders the core markup and buttons as Signal text and numbered lines and answers
with the core's outcome (Sent, Blocked, RetryAfter, Failed); campaigns and couriers that go
through the TransportRegistry reach Signal people with it. The conversation uses
`send_styled`, which also queues a refused message and retries it itself.

A send refused by a rate limit (RateLimitException, or "proof required": a captcha the
operator must solve) or by a network failure is queued and tried again after the time
Signal named (or a growing pause); later messages to the same person wait behind it, so a
conversation never arrives out of order. A recipient that is unregistered or blocked the bot
is not tried again.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from bot.channels.signal.formatting import Styled, from_html, split
from bot.channels.signal.parts import PartsInMemory, PartsLedger, parts_key
from bot.channels.signal.rpc import FAILED, RATE_LIMITED, SENT, UNREGISTERED, SendOutcome, SignalRpc
from bot.core import transport as core

log = logging.getLogger(__name__)
QUEUED = "queued"


def _fingerprint(pieces: list[Styled], photo: core.Photo | None) -> str:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece.text.encode("utf-8") + b"\0")
    if photo is not None:
        digest.update(hashlib.sha256(photo.data).digest())
    return digest.hexdigest()


def data_uri(photo: core.Photo) -> str:
    """An attachment as signal-cli's `send` takes it inline: RFC 2397 with a file name."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", photo.filename)[:60] or "photo.jpg"
    return (f"data:{photo.mime};filename={name};base64,"
            + base64.b64encode(photo.data).decode("ascii"))


class StyledTransport(Protocol):
    async def send_styled(self, address: str, message: Styled, *,
                          queue: bool = True) -> SendOutcome: ...


def render(message: core.OutgoingMessage) -> Styled:
    """Core markup as Signal text. Signal has no buttons, and a push's numbers would clash
    with the numbers of the screen the person is on, so a button becomes its label and what
    to write for it: an answer's code (the conversation opens an answer by its code) or
    /surveys."""
    out = from_html(message.text)
    if message.buttons:
        out.line()
    for button in message.buttons:
        if button.action == "faq" and button.value:
            out.line(f"{button.label} → {button.value}")
        elif button.action == "survey":
            out.line(f"{button.label} → /surveys")
        else:
            out.line(button.label)
    return out


def to_core(outcome: SendOutcome, default_retry: float) -> core.SendOutcome:
    if outcome.status == SENT:
        return core.Sent()
    if outcome.status == UNREGISTERED:
        return core.Blocked("unregistered or blocked")
    if outcome.status == RATE_LIMITED:
        return core.RetryAfter(outcome.retry_after if outcome.retry_after is not None
                               else default_retry, "rate limited")
    return core.Failed("signal send failed", temporary=outcome.temporary)


@dataclass
class _Pending:
    message: Styled
    attempts: int
    due: float


class SignalTransport:
    channel = core.SIGNAL

    def __init__(self, rpc: SignalRpc, *, retry_seconds: float = 60.0, max_attempts: int = 8,
                 clock=time.monotonic, parts: PartsLedger | None = None) -> None:
        self.rpc = rpc
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts
        self._clock = clock
        self._queues: dict[str, deque[_Pending]] = {}
        self._wake = asyncio.Event()
        self.given_up = 0
        # How many parts of a message refused half-way went: see `send`. The process's
        # memory unless given one kept in the database (bot/channels/signal/parts.py).
        self.parts: PartsLedger = parts if parts is not None else PartsInMemory()

    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def _delay(self, outcome: SendOutcome, attempts: int) -> float:
        if outcome.retry_after is not None:
            return max(outcome.retry_after, 0.0)
        return self.retry_seconds * 2 ** max(attempts - 1, 0)

    @staticmethod
    def _retryable(outcome: SendOutcome) -> bool:
        return outcome.status == RATE_LIMITED or (outcome.status == FAILED and outcome.temporary)

    async def send(self, contact: core.Contact, message: core.OutgoingMessage) -> core.SendOutcome:
        """The core protocol: one try, the outcome in the core's terms (the caller retries).

        A message longer than Signal shows whole goes as several; the first refusal stops.
        The caller retries the whole message, so the parts that went are remembered
        (`self.parts`) and the retry sends only the rest: the person never gets the first
        part twice. A photo goes as an attachment of the first part."""
        pieces = split(render(message))
        key = parts_key(contact.address, _fingerprint(pieces, message.photo))
        done = await self.parts.sent(key) if len(pieces) > 1 else 0
        outcome = SendOutcome(SENT)
        for i in range(done, len(pieces)):
            piece = pieces[i]
            attachments = ([data_uri(message.photo)]
                           if i == 0 and message.photo is not None else None)
            outcome = await self.rpc.send(contact.address, piece.text, piece.text_style(),
                                          attachments)
            if not outcome.ok:
                if i > done:
                    await self.parts.record(key, i)
                    log.info("signal message refused after %s of %s parts", i, len(pieces))
                break
        else:
            if done:
                await self.parts.forget(key)
        return to_core(outcome, self.retry_seconds)

    async def close(self) -> None:
        await self.rpc.close()

    async def send_styled(self, address: str, message: Styled, *,
                          queue: bool = True) -> SendOutcome:
        """Send now; with `queue`, a retryable refusal is queued and QUEUED returned. A
        message longer than Signal shows whole goes as several, in order."""
        pieces = split(message)
        if len(pieces) > 1:
            outcome = SendOutcome(SENT)
            for piece in pieces:
                outcome = await self.send_styled(address, piece, queue=queue)
                if not queue and not outcome.ok:
                    break
            return outcome
        if queue and self._queues.get(address):
            self._queues[address].append(_Pending(message, 0, 0.0))
            return SendOutcome(QUEUED)
        outcome = await self.rpc.send(address, message.text, message.text_style())
        if queue and self._retryable(outcome):
            due = self._clock() + self._delay(outcome, 1)
            self._queues.setdefault(address, deque()).append(_Pending(message, 1, due))
            self._wake.set()
            log.info("signal send queued for retry: %s", outcome.status)
            return SendOutcome(QUEUED, retry_after=outcome.retry_after)
        return outcome

    async def flush_due(self) -> float | None:
        """Try the queued messages that are due; the seconds until the next one, or None."""
        now = self._clock()
        next_due: float | None = None
        for address in list(self._queues):
            queue = self._queues[address]
            while queue:
                head = queue[0]
                if head.due > now:
                    next_due = head.due if next_due is None else min(next_due, head.due)
                    break
                outcome = await self.rpc.send(address, head.message.text, head.message.text_style())
                head.attempts += 1
                if self._retryable(outcome) and head.attempts < self.max_attempts:
                    head.due = self._clock() + self._delay(outcome, head.attempts)
                    next_due = head.due if next_due is None else min(next_due, head.due)
                    break
                queue.popleft()
                if not outcome.ok:
                    self.given_up += 1
                    log.warning("signal send given up: %s", outcome.status)
                else:
                    log.info("signal send delivered after %s attempts", head.attempts)
            if not queue:
                del self._queues[address]
        return None if next_due is None else max(next_due - self._clock(), 0.0)

    def drop(self, address: str) -> None:
        """Forget what waits for this person (they deleted their data)."""
        self._queues.pop(address, None)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            wait = await self.flush_due()
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=wait if wait is not None else 30.0,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
