"""One way to talk to the bot on any channel, for tests of behaviour the channels share.

A driver sends text, chooses an item by (part of) its label (Telegram: presses the button;
Signal: types the number in front of the line) and reads the replies. A reply is a text with
its choices below it, one a line, so the same assertion reads both channels: Telegram's
edited screen counts as a reply, like Signal's new message.
"""

from __future__ import annotations

import asyncio
import re
from typing import Protocol

from bot.fake_signal import FakeSignalDaemon
from bot.fake_telegram.models import SimMessage
from tests.people import user_id as telegram_user_id
from tests.test_signal_channel import Harness, wait_cursor


class ChannelDriver(Protocol):
    channel: str

    async def say(self, text: str) -> list[str]: ...

    async def choose(self, label: str) -> list[str]: ...

    async def wait_for(self, needle: str, within: float = 15.0) -> str: ...

    async def user_id(self) -> int | None: ...


def _render(message: SimMessage) -> str:
    lines = [message.text or ""]
    lines += [label for row in message.buttons() for label in row]
    return "\n".join(lines)


class TelegramDriver:
    channel = "telegram"

    def __init__(self, sandbox, user, sessions) -> None:
        self.sandbox, self.user, self.sessions = sandbox, user, sessions
        # What the bot did in this chat, in order: (message id or None, what it showed).
        self._events: list[tuple[int | None, str]] = []
        sandbox.add_listener(self._on_event)

    def close(self) -> None:
        self.sandbox.remove_listener(self._on_event)

    def _on_event(self, event) -> None:
        if event.chat is not self.user.chat:
            return
        if event.kind in ("sent", "edited") and event.message is not None \
                and event.message.from_bot:
            self._events.append((event.message.message_id, _render(event.message)))
        elif event.kind == "callback_answer" and getattr(event.data, "text", None):
            self._events.append((None, event.data.text))  # a toast under the button

    async def _replies(self, action) -> list[str]:
        """Messages sent and screens edited (each in its last state, in the order first
        touched), and toasts, in response to `action`."""
        start = len(self._events)
        await action
        order: list[int | None] = []
        latest: dict[int | None, str] = {}
        toasts: list[str] = []
        for message_id, text in self._events[start:]:
            if message_id is None:
                toasts.append(text)
                continue
            if message_id not in latest:
                order.append(message_id)
            latest[message_id] = text
        return [latest[m] for m in order] + toasts

    async def say(self, text: str) -> list[str]:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return await self._replies(self.user.send_command(name, args))
        return await self._replies(self.user.send_text(text))

    async def choose(self, label: str) -> list[str]:
        message = self.user.chat.last_bot_message(with_buttons=True)
        assert message is not None, "no choices on the screen"
        found = [b for row in message.buttons() for b in row if label in b]
        assert found, f"no choice {label!r} in {message.buttons()!r}"
        return await self._replies(self.user.press(found[0], message))

    async def wait_for(self, needle: str, within: float = 15.0) -> str:
        async with asyncio.timeout(within):
            while True:
                for message in reversed(self.user.chat.bot_messages()):
                    if needle in (message.text or ""):
                        return _render(message)
                await asyncio.sleep(0.05)

    async def user_id(self) -> int | None:
        async with self.sessions() as session:
            return await telegram_user_id(session, self.user.id)


class SignalDriver:
    channel = "signal"

    def __init__(self, harness: Harness, person) -> None:
        self.harness, self.person = harness, person
        self.daemon: FakeSignalDaemon = harness.daemon
        self.last: list[str] = []

    async def say(self, text: str) -> list[str]:
        self.last = await self.harness.say(self.person, text)
        return self.last

    async def choose(self, label: str) -> list[str]:
        for reply in reversed(self.last):
            for line in reply.splitlines():
                found = re.match(r"^(\d+)\. (.*)$", line)
                if found and label in found.group(2):
                    return await self.say(found.group(1))
        raise AssertionError(f"no choice {label!r} in {self.last!r}")

    async def wait_for(self, needle: str, within: float = 15.0) -> str:
        async with asyncio.timeout(within):
            while True:
                for message in reversed(self.daemon.sent_to(self.person.uuid)):
                    if needle in message.message:
                        return message.message
                await asyncio.sleep(0.05)

    async def user_id(self) -> int | None:
        found = await self.harness.channel.people.find(self.person.uuid)
        return found.user_id if found else None

    async def settle(self) -> None:
        await wait_cursor(self.harness, str(self.daemon.last_event_id))
