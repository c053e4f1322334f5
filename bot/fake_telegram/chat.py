"""Terminal chat front end: talk to the real bot through the sandbox as a SimUser."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TextIO

from .html_check import entities_to_spans
from .models import ChatEvent, SandboxError, SimMessage

if TYPE_CHECKING:
    from .server import BotApiSandbox
    from .users import SimUser

__all__ = ["render_message", "render_text", "run_terminal_chat"]

HELP = (
    "Type a message and press Enter. /command sends a command; a number presses that "
    "button of the latest message with buttons; \\text sends text literally (\\5 sends "
    '"5"); :sticker :photo :voice :location :document :contact send media; :quit ends.'
)
_RESET = "\x1b[0m"
_ANSI = {
    "bold": "\x1b[1m",
    "italic": "\x1b[3m",
    "underline": "\x1b[4m",
    "strikethrough": "\x1b[9m",
    "code": "\x1b[36m",
    "pre": "\x1b[36m",
    "spoiler": "\x1b[2m",
    "text_link": "\x1b[4;34m",
    "blockquote": "\x1b[90m",
    "expandable_blockquote": "\x1b[90m",
}
_LABEL = "\x1b[1;35m"
_DIM = "\x1b[2m"


def render_text(text: str, entities: list[dict[str, Any]], color: bool = False) -> str:
    """Render message text with its entities for a terminal (links as ``text <url>``)."""
    if not entities:
        return text
    spans = entities_to_spans(text, entities)
    bounds = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[str] = []
    for a, b in itertools.pairwise(bounds):
        segment = text[a:b]
        if color:
            style = "".join(
                _ANSI.get(ent["type"], "") for s, e, ent in spans if s <= a < e
            )
            out.append(f"{style}{segment}{_RESET}" if style else segment)
        else:
            out.append(segment)
        for _s, e, ent in spans:
            if e == b and ent["type"] == "text_link":
                out.append(f" <{ent['url']}>")
    return "".join(out)


def _describe_media(msg: SimMessage) -> str:
    media = msg.media
    if msg.kind == "document" and isinstance(media, dict):
        return f"[document: {media.get('file_name', 'file')}]"
    if msg.kind == "location" and isinstance(media, dict):
        return f"[location: {media.get('latitude')}, {media.get('longitude')}]"
    if msg.kind == "contact" and isinstance(media, dict):
        return f"[contact: {media.get('phone_number')}]"
    return f"[{msg.kind}]"


def render_message(msg: SimMessage, color: bool = False, edited: bool = False) -> str:
    """A bot message with its numbered inline buttons, as shown in the terminal chat."""
    label = "bot (edited)" if edited else "bot"
    head = f"{_LABEL}{label}:{_RESET} " if color else f"{label}: "
    indent = " " * (len(label) + 2)
    body = render_text(msg.text or "", msg.entities, color)
    if msg.kind != "text":
        body = _describe_media(msg) + (f" {body}" if body else "")
    lines = body.split("\n")
    out = [head + lines[0], *(indent + line for line in lines[1:])]
    number = 0
    for row in msg.button_objects():
        cells = []
        for button in row:
            number += 1
            cell = f"[{number}] {button.get('text', '')}"
            if "url" in button:
                cell += f" <{button['url']}>"
            cells.append(cell)
        out.append(indent + "  ".join(cells))
    kb = msg.keyboard
    if kb and "keyboard" in kb:
        labels = [b if isinstance(b, str) else b.get("text", "") for r in kb["keyboard"] for b in r]
        out.append(indent + "keyboard: " + "  ".join(f"[{t}]" for t in labels))
    return "\n".join(out)


async def _stdin_lines() -> AsyncIterator[str]:
    """Lines of stdin, read by a daemon thread so the event loop never blocks."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def reader() -> None:
        try:
            while line := sys.stdin.readline():
                put(line)
        finally:
            put(None)

    threading.Thread(target=reader, name="sandbox-chat-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def run_terminal_chat(
    sb: BotApiSandbox,
    user: SimUser,
    *,
    lines: AsyncIterator[str] | None = None,
    out: TextIO = sys.stdout,
    color: bool | None = None,
) -> None:
    """Chat with the bot as ``user``; returns on ``:quit`` or end of input."""
    if color is None:
        isatty = getattr(out, "isatty", None)
        color = bool(isatty and isatty()) and "NO_COLOR" not in os.environ
    echo = lines is not None

    def write(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    def note(text: str) -> None:
        write(f"{_DIM}({text}){_RESET}" if color else f"({text})")

    def on_event(event: ChatEvent) -> None:
        if event.chat.id != user.id:
            return
        msg = event.message
        if event.kind == "sent" and msg is not None:
            write(render_message(msg, color))
        elif event.kind == "edited" and msg is not None:
            if msg.history and msg.history[-1] == msg.text and not msg.buttons():
                return  # only the keyboard of an older screen was taken away: not news
            write(render_message(msg, color, edited=True))
        elif event.kind == "deleted" and msg is not None:
            note(f"bot deleted: {(msg.text or msg.kind).splitlines()[0][:60]}")
        elif event.kind == "callback_answer" and event.data is not None and event.data.text:
            note(("alert: " if event.data.show_alert else "notice: ") + event.data.text)

    write(HELP)
    shown = user.chat.last_bot_message()
    if shown is not None:  # what the bot said before the chat started (the /start answer)
        write(render_message(shown, color))
    sb.add_listener(on_event)
    source = lines if lines is not None else _stdin_lines()
    try:
        async for raw in source:
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if echo:
                write(f"you: {line}")
            try:
                if not await _handle_line(user, line.strip(), line, write, note):
                    break
            except (SandboxError, TimeoutError) as e:
                note(f"no answer: {e}")
    finally:
        sb.remove_listener(on_event)


async def _handle_line(user: SimUser, s: str, raw: str, write: Any, note: Any) -> bool:
    if s == ":quit":
        return False
    if s in (":help", ":?"):
        write(HELP)
    elif s.startswith("\\"):
        await user.send_text(raw.lstrip()[1:])
    elif s.isdigit():
        msg = user.chat.last_bot_message(with_buttons=True)
        flat = [b for row in msg.button_objects() for b in row] if msg is not None else []
        n = int(s)
        if not flat:
            note("no buttons to press; use \\" + s + " to send the number as text")
        elif not 1 <= n <= len(flat):
            note(f"no button {n}; the latest buttons are 1..{len(flat)}")
        elif "callback_data" not in flat[n - 1]:
            button = flat[n - 1]
            target = button.get("url") or next((v for k, v in button.items() if k != "text"), "")
            note(f"button {button.get('text')!r} opens {target}")
        else:
            await user.press(n - 1, message=msg)
    elif s.startswith("/"):
        cmd, _, args = s.partition(" ")
        await user.send_command(cmd, args.strip())
    elif s.startswith(":"):
        kind = s[1:].split()[0].lower()
        action = {
            "sticker": user.send_sticker,
            "photo": user.send_photo,
            "voice": user.send_voice,
            "location": user.send_location,
            "document": user.send_document,
            "contact": user.send_contact,
        }.get(kind)
        if action is None:
            note(f"unknown :{kind}; type :help")
        else:
            await action()
    else:
        await user.send_text(raw.strip())
    return True
