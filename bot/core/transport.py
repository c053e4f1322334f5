"""How the core sends a message to a person without knowing the channel.

A person is reached through a `Contact` (channel and address: a Telegram chat id, a Signal
number). A message is text in the project's one markup (the Telegram HTML subset: b, i, u,
s, a href, code, pre, blockquote) plus optional buttons as plain data; each channel renders
both its own way (bot/core/markup.py). A `Transport` sends one message to one contact and
answers with one of four outcomes, whatever the channel said:

- `Sent`;
- `Blocked`: the person blocked the bot, deleted their account or never started a chat;
  nothing more should be pushed to them until they write again;
- `RetryAfter(seconds)`: the channel asked to slow down; send the same message again later;
- `Failed(reason, temporary)`: not sent. `temporary` (server error, network) means a retry
  may succeed; otherwise (a malformed message, ...) retrying will not help.

A reason is logged and stored in the delivery ledger: it must never contain the address,
a name or the message text (the channel's error code and description are enough).

`TransportRegistry` picks the transport by the contact's channel, so one campaign run or one
reply courier round reaches people on every channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

TELEGRAM = "telegram"
SIGNAL = "signal"
CHANNELS = (TELEGRAM, SIGNAL)


@dataclass(frozen=True)
class Contact:
    channel: str  # TELEGRAM | SIGNAL
    address: str  # Telegram: the chat id, as text; Signal: the number (E.164) or account UUID


@dataclass(frozen=True)
class Button:
    """A choice under a message: the channel shows `label` and hands back (action, value)."""

    label: str
    action: str
    value: str


@dataclass(frozen=True)
class Photo:
    """A photo as bytes, whatever channel it came from or goes to."""

    data: bytes
    mime: str = "image/jpeg"
    filename: str = "photo.jpg"


@dataclass(frozen=True)
class OutgoingMessage:
    text: str  # markup: the Telegram HTML subset, escaped (see bot/core/markup.py)
    buttons: tuple[Button, ...] = ()
    # A photo staff sent in the Telegram staff group, as that group's Telegram file id: the
    # Telegram transport re-sends it by id (no upload).
    telegram_photo: str | None = None
    # The same photo as bytes, for a channel that cannot fetch a Telegram file (Signal sends
    # it as an attachment). A message may carry either or both.
    photo: Photo | None = None


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Blocked:
    reason: str = ""


@dataclass(frozen=True)
class RetryAfter:
    seconds: float
    reason: str = ""


@dataclass(frozen=True)
class Failed:
    reason: str
    temporary: bool = False  # server error or network: a later retry may succeed


SendOutcome = Sent | Blocked | RetryAfter | Failed


@runtime_checkable
class Transport(Protocol):
    """One channel's way of sending. Implementations never raise for a failed send: every
    channel error becomes an outcome (only programming errors propagate)."""

    channel: str

    async def send(self, contact: Contact, message: OutgoingMessage) -> SendOutcome: ...

    async def close(self) -> None: ...


class TransportRegistry:
    """The transports of this process, one per channel; itself usable as a transport."""

    channel = "*"

    def __init__(self, transports: Iterable[Transport] = ()) -> None:
        self._by_channel: dict[str, Transport] = {}
        for transport in transports:
            self.register(transport)

    def register(self, transport: Transport) -> None:
        self._by_channel[transport.channel] = transport

    def get(self, channel: str) -> Transport | None:
        return self._by_channel.get(channel)

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._by_channel)

    async def send(self, contact: Contact, message: OutgoingMessage) -> SendOutcome:
        transport = self._by_channel.get(contact.channel)
        if transport is None:
            # The person was reached on a channel this process does not serve (for example
            # Signal while only the Telegram bot runs): not sent, and not worth a retry now.
            return Failed(f"no transport for channel {contact.channel!r}")
        return await transport.send(contact, message)

    async def close(self) -> None:
        for transport in self._by_channel.values():
            await transport.close()
