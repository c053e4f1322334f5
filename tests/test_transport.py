"""The channel-free transport contract: the registry routes by channel."""

from __future__ import annotations

import asyncio

from bot.core.transport import (
    SIGNAL,
    TELEGRAM,
    Blocked,
    Contact,
    Failed,
    OutgoingMessage,
    Sent,
    Transport,
    TransportRegistry,
)


class Recording:
    def __init__(self, channel: str, outcome) -> None:
        self.channel, self.outcome, self.sent, self.closed = channel, outcome, [], False

    async def send(self, contact: Contact, message: OutgoingMessage):
        self.sent.append((contact.address, message.text))
        return self.outcome

    async def close(self) -> None:
        self.closed = True


def test_registry_routes_each_contact_to_its_channel() -> None:
    telegram, signal = Recording(TELEGRAM, Sent()), Recording(SIGNAL, Blocked("gone"))
    registry = TransportRegistry([telegram, signal])
    assert isinstance(telegram, Transport) and isinstance(registry, Transport)
    message = OutgoingMessage("<b>Hi</b>")

    async def run():
        first = await registry.send(Contact(TELEGRAM, "42"), message)
        second = await registry.send(Contact(SIGNAL, "+48500100200"), message)
        await registry.close()
        return first, second

    first, second = asyncio.run(run())
    assert first == Sent() and second == Blocked("gone")
    assert telegram.sent == [("42", "<b>Hi</b>")]
    assert signal.sent == [("+48500100200", "<b>Hi</b>")]
    assert telegram.closed and signal.closed
    assert registry.channels == (TELEGRAM, SIGNAL)


def test_a_channel_without_transport_fails_without_raising() -> None:
    registry = TransportRegistry([Recording(TELEGRAM, Sent())])
    outcome = asyncio.run(registry.send(Contact(SIGNAL, "+48500100200"), OutgoingMessage("x")))
    assert isinstance(outcome, Failed) and not outcome.temporary
    assert "signal" in outcome.reason
