"""Simulated Telegram users that talk to the bot through the sandbox."""

# `timeout` arguments are deadlines of the waits (a documented part of the API).
# ruff: noqa: ASYNC109
from __future__ import annotations

import itertools
import re
import time
from typing import TYPE_CHECKING, Any

from .html_check import utf16_len
from .models import ButtonNotFound, SandboxError, SimChat, SimMessage

if TYPE_CHECKING:
    from .server import BotApiSandbox

__all__ = ["SimUser"]

_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,64})?")
_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
_query_ids = itertools.count(1)


class SimUser:
    """A Telegram user in a private chat with the bot (the chat id is the user id).

    Every action queues one Update and returns its dict.  With ``wait=True`` (the
    default) the call returns only once the bot has finished handling it; the
    ``bot.fake_telegram.server`` docstring says what that means in polling and webhook mode.
    ``settle`` and ``timeout`` default to the sandbox's (0.05 s and 5 s).
    """

    def __init__(
        self,
        sandbox: BotApiSandbox,
        user_id: int,
        first_name: str = "Olena",
        language_code: str | None = "uk",
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.id = int(user_id)
        self.first_name = first_name
        self.last_name = last_name
        self.language_code = language_code
        self.username = username
        self.chat = SimChat(self)

    # ------------------------------------------------------------------ helpers
    def api_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    def last_bot_message(self) -> SimMessage | None:
        return self.chat.last_bot_message()

    def _ensure_not_blocked(self) -> None:
        if self.chat.blocked:
            raise SandboxError(
                f"user {self.id} has blocked the bot; call unblock() before sending"
            )

    async def _finish(
        self, update_type: str, body: dict[str, Any], desc: str, wait: bool,
        settle: float | None, timeout: float | None,
    ) -> dict[str, Any]:
        ticket = self.sandbox._enqueue(self.id, update_type, body, desc)
        if wait:
            await self.sandbox._wait_ticket(ticket, settle, timeout)
        return ticket.update

    async def _send(
        self, kind: str, desc: str, wait: bool, settle: float | None, timeout: float | None,
        *, text: str | None = None, entities: list[dict[str, Any]] | None = None,
        media: Any = None, extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self._ensure_not_blocked()
        msg = self.chat.add_message(
            from_bot=False, sender=self.api_dict(), date=int(time.time()), kind=kind,
            text=text, entities=entities or [], media=media, extra=extra or {},
        )
        self.sandbox._emit("user_message", self.chat, msg)
        return await self._finish("message", msg.to_api(), desc, wait, settle, timeout)

    def _file(self, kind: str, data: bytes, file_name: str | None = None,
              mime_type: str | None = None) -> Any:
        return self.sandbox._store_file(kind, data, file_name=file_name, mime_type=mime_type)

    # ------------------------------------------------------------------ messages
    async def send_text(
        self, text: str, *, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send a plain text message (a leading /command gets a bot_command entity)."""
        entities = []
        m = _COMMAND_RE.match(text)
        if m:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group())})
        return await self._send(
            "text", f"text {text!r}", wait, settle, timeout, text=text, entities=entities
        )

    async def send_command(
        self, cmd: str, args: str = "", *, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send ``/cmd args`` with a bot_command entity (``cmd`` may include the slash)."""
        command = cmd if cmd.startswith("/") else "/" + cmd
        text = f"{command} {args}" if args else command
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return await self._send(
            "text", f"command {text!r}", wait, settle, timeout, text=text, entities=entities
        )

    async def send_sticker(
        self, emoji: str = "👍", *, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        f = self._file("sticker", b"RIFF....WEBPVP8 sandbox", "sticker.webp", "image/webp")
        sticker = {
            "file_id": f.file_id, "file_unique_id": f.file_unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
            "emoji": emoji, "file_size": f.size,
        }
        return await self._send("sticker", "sticker", wait, settle, timeout, media=sticker)

    async def send_photo(
        self, caption: str | None = None, *, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        f = self._file("photo", _TINY_PNG, "photo.png", "image/png")
        sizes = [{
            "file_id": f.file_id, "file_unique_id": f.file_unique_id,
            "width": 1, "height": 1, "file_size": f.size,
        }]
        return await self._send(
            "photo", "photo", wait, settle, timeout, text=caption, media=sizes
        )

    async def send_voice(
        self, duration: int = 3, *, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        f = self._file("voice", b"OggS sandbox voice", "voice.ogg", "audio/ogg")
        voice = {
            "file_id": f.file_id, "file_unique_id": f.file_unique_id, "duration": duration,
            "mime_type": "audio/ogg", "file_size": f.size,
        }
        return await self._send("voice", "voice", wait, settle, timeout, media=voice)

    async def send_location(
        self, lat: float = 54.352, lon: float = 18.6466, *, wait: bool = True,
        settle: float | None = None, timeout: float | None = None,
    ) -> dict[str, Any]:
        loc = {"latitude": float(lat), "longitude": float(lon)}
        return await self._send(
            "location", f"location {lat},{lon}", wait, settle, timeout, media=loc
        )

    async def send_document(
        self, file_name: str = "document.pdf", data: bytes = b"%PDF-1.4 sandbox\n",
        mime_type: str = "application/pdf", caption: str | None = None, *, wait: bool = True,
        settle: float | None = None, timeout: float | None = None,
    ) -> dict[str, Any]:
        f = self._file("document", data, file_name, mime_type)
        doc = {
            "file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_name": file_name,
            "mime_type": mime_type, "file_size": f.size,
        }
        return await self._send(
            "document", f"document {file_name!r}", wait, settle, timeout, text=caption, media=doc
        )

    async def send_contact(
        self, phone_number: str = "+48500100200", first_name: str | None = None, *,
        own: bool = True, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Share a contact (by default the user's own, as a request_contact button does)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number, "first_name": first_name or self.first_name,
        }
        if own:
            contact["user_id"] = self.id
        return await self._send("contact", "contact", wait, settle, timeout, media=contact)

    async def edit_message(
        self, message_id: int, new_text: str, *, wait: bool = True,
        settle: float | None = None, timeout: float | None = None,
    ) -> dict[str, Any]:
        """Edit one of this user's text messages (queues an edited_message update)."""
        self._ensure_not_blocked()
        msg = self.chat.get(message_id)
        if msg is None or msg.from_bot or msg.deleted:
            raise SandboxError(f"user {self.id} has no message #{message_id} to edit")
        msg.history.append(msg.text)
        msg.text = new_text
        msg.entities = []
        msg.edit_count += 1
        msg.edit_date = int(time.time())
        self.sandbox._emit("user_message", self.chat, msg)
        return await self._finish(
            "edited_message", msg.to_api(), f"edit of #{message_id} to {new_text!r}",
            wait, settle, timeout,
        )

    # ------------------------------------------------------------------ buttons
    def find_button(
        self, label_or_index: str | int | tuple[int, int], message: SimMessage | int | None = None
    ) -> tuple[SimMessage, dict[str, Any]]:
        """Locate an inline button: exact label, (row, col) or flat 0-based index."""
        msg = self.chat.resolve_message(message)
        if msg is None:
            what = "any bot message with an inline keyboard" if message is None else (
                f"message {message!r}")
            raise ButtonNotFound(f"chat {self.id}: cannot find {what}")
        if msg.deleted:
            raise ButtonNotFound(f"chat {self.id}: message #{msg.message_id} was deleted")
        rows = msg.button_objects()
        button = None
        if isinstance(label_or_index, str):
            button = next(
                (b for row in rows for b in row if b.get("text") == label_or_index), None
            )
        elif isinstance(label_or_index, tuple):
            r, c = label_or_index
            if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
                button = rows[r][c]
        elif isinstance(label_or_index, int):
            flat = [b for row in rows for b in row]
            if 0 <= label_or_index < len(flat):
                button = flat[label_or_index]
        if button is None:
            raise ButtonNotFound(
                f"chat {self.id}: no button {label_or_index!r} on message #{msg.message_id} "
                f"({msg.text!r}); buttons are {msg.buttons()!r}"
            )
        return msg, button

    async def press(
        self, label_or_index: str | int | tuple[int, int], message: SimMessage | int | None = None,
        *, wait: bool = True, settle: float | None = None, timeout: float | None = None,
    ) -> dict[str, Any]:
        """Press an inline callback button (default: on the latest bot message with buttons)."""
        msg, button = self.find_button(label_or_index, message)
        data = button.get("callback_data")
        if data is None:
            kind = next((k for k in button if k != "text"), "unknown")
            raise ButtonNotFound(
                f"button {button.get('text')!r} on message #{msg.message_id} is a {kind} "
                f"button ({button.get(kind)!r}), not a callback button"
            )
        return await self._callback(data, msg.message_id, wait, settle, timeout,
                                    label=button.get("text"))

    async def press_data(
        self, callback_data: str, message_id: int, *, wait: bool = True,
        settle: float | None = None, timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send a raw callback_query (e.g. for a stale or forged button)."""
        return await self._callback(callback_data, message_id, wait, settle, timeout)

    async def press_inline(
        self, callback_data: str, inline_message_id: str = "AAAAAgAAAAEAAAAA", *,
        wait: bool = True, settle: float | None = None, timeout: float | None = None,
    ) -> dict[str, Any]:
        """A button on a message sent via the bot in inline mode: the callback_query has an
        inline_message_id and no message (so no chat). Its answer is kept with this user's
        chat, like any other callback answer."""
        self._ensure_not_blocked()
        query_id = f"{self.id}{next(_query_ids):08d}"
        body = {
            "id": query_id,
            "from": self.api_dict(),
            "inline_message_id": inline_message_id,
            "chat_instance": str(-(self.id * 2654435761 % 10**17)),
            "data": callback_data,
        }
        self.sandbox._register_callback(query_id, self.chat, None)
        return await self._finish("callback_query", body, f"inline callback {callback_data!r}",
                                  wait, settle, timeout)

    async def _callback(
        self, data: str, message_id: int, wait: bool, settle: float | None,
        timeout: float | None, label: str | None = None,
    ) -> dict[str, Any]:
        self._ensure_not_blocked()
        msg = self.chat.get(message_id)
        if msg is not None and not msg.deleted:
            message = msg.to_api()
        else:  # InaccessibleMessage
            message = {"chat": self.chat.api_dict(), "message_id": message_id, "date": 0}
        query_id = f"{self.id}{next(_query_ids):08d}"
        body = {
            "id": query_id,
            "from": self.api_dict(),
            "message": message,
            "chat_instance": str(-(self.id * 2654435761 % 10**18)),
            "data": data,
        }
        self.sandbox._register_callback(query_id, self.chat, message_id)
        desc = f"press {label!r} ({data!r})" if label is not None else f"callback {data!r}"
        return await self._finish("callback_query", body, desc, wait, settle, timeout)

    async def press_keyboard(
        self, label: str, *, wait: bool = True, settle: float | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Tap a button of the current reply keyboard: sends its text, or the user's contact
        / location for request_contact / request_location buttons."""
        kb = self.chat.reply_keyboard or {}
        buttons = [b if isinstance(b, dict) else {"text": b}
                   for row in kb.get("keyboard", []) for b in row]
        button = next((b for b in buttons if b.get("text") == label), None)
        if button is None:
            raise ButtonNotFound(
                f"chat {self.id}: no reply-keyboard button {label!r}; the keyboard is "
                f"{[b.get('text') for b in buttons]!r}"
            )
        if kb.get("one_time_keyboard"):
            self.chat.reply_keyboard = None
        if button.get("request_contact"):
            return await self.send_contact(wait=wait, settle=settle, timeout=timeout)
        if button.get("request_location"):
            return await self.send_location(wait=wait, settle=settle, timeout=timeout)
        return await self.send_text(label, wait=wait, settle=settle, timeout=timeout)

    # ------------------------------------------------------------------ blocking
    async def block(
        self, *, wait: bool = True, settle: float | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Block the bot: later sends to this chat get 403; queues my_chat_member "kicked"."""
        self.chat.blocked = True
        return await self._member_update("member", "kicked", wait, settle, timeout)

    async def unblock(
        self, *, wait: bool = True, settle: float | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Unblock the bot; queues my_chat_member "member"."""
        self.chat.blocked = False
        return await self._member_update("kicked", "member", wait, settle, timeout)

    async def _member_update(
        self, old: str, new: str, wait: bool, settle: float | None, timeout: float | None
    ) -> dict[str, Any]:
        bot_user = self.sandbox.bot_user()

        def member(status: str) -> dict[str, Any]:
            d: dict[str, Any] = {"status": status, "user": bot_user}
            if status == "kicked":
                d["until_date"] = 0
            return d

        body = {
            "chat": self.chat.api_dict(),
            "from": self.api_dict(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return await self._finish("my_chat_member", body, f"my_chat_member {new}",
                                  wait, settle, timeout)

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.first_name!r} lang={self.language_code}>"
