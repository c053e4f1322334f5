"""Records and conversation state kept by the Bot API sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .users import SimUser

__all__ = [
    "ApiError",
    "ButtonNotFound",
    "CallRecord",
    "CallbackAnswer",
    "ChatEvent",
    "Injection",
    "SandboxError",
    "SandboxTimeoutError",
    "SimChat",
    "SimMessage",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
    "WebhookDeliveryError",
]


class SandboxError(Exception):
    """Base class of errors raised on the test side of the sandbox."""


class SandboxTimeoutError(SandboxError, TimeoutError):
    """Raised when waiting for the bot to handle an update (or to go idle) took too long."""


class WebhookDeliveryError(SandboxError):
    """The webhook endpoint answered an update with a non-2xx status or was unreachable."""

    def __init__(self, message: str, delivery: WebhookDelivery) -> None:
        super().__init__(message)
        self.delivery = delivery


class ButtonNotFound(SandboxError, LookupError):
    """``SimUser.press`` could not find the requested inline button."""


class ApiError(Exception):
    """An error answer of a Bot API method (server side)."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(slots=True)
class UploadedFile:
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass(slots=True)
class CallRecord:
    """One Bot API call the bot made (getUpdates calls are not recorded, see ``poll_count``)."""

    method: str
    params: dict[str, Any]
    timestamp: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    ok: bool | None = None
    error_code: int | None = None
    description: str | None = None
    result: Any = None
    via: str = "http"  # "http" or "webhook_reply"


@dataclass(slots=True)
class WebhookDelivery:
    update_id: int
    url: str
    status: int | None  # None when the connection failed
    timestamp: float
    duration: float
    error: str | None = None


@dataclass(slots=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    message_id: int | None


@dataclass(slots=True)
class ChatEvent:
    """Passed to listeners: kind is one of "sent", "edited", "deleted",
    "user_message", "callback_answer", "chat_action"."""

    kind: str
    chat: SimChat
    message: SimMessage | None = None
    data: Any = None


@dataclass(slots=True)
class Injection:
    method: str  # lower-case method name, or "*" for any
    error_code: int
    description: str | None
    retry_after: int | None
    chat_id: int | str | None
    remaining: int | None  # None = unlimited
    drop_connection: bool = False
    after: bool = False  # network failure after the call was executed
    hits: int = 0


@dataclass(slots=True, eq=False)
class SimMessage:
    message_id: int
    chat: SimChat
    from_bot: bool
    sender: dict[str, Any]
    date: int
    kind: str = "text"  # text, photo, document, sticker, voice, location, contact, ...
    text: str | None = None  # message text, or caption for media messages
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None  # inline keyboard only (as Telegram returns it)
    keyboard: dict[str, Any] | None = None  # reply keyboard / remove / force_reply sent with it
    media: Any = None  # the Bot API object of the media (list of PhotoSize for photos)
    extra: dict[str, Any] = field(default_factory=dict)  # other top-level Message fields
    deleted: bool = False
    edit_count: int = 0
    edit_date: int | None = None
    history: list[str | None] = field(default_factory=list)  # texts before each edit
    reply_to: SimMessage | None = None

    @property
    def caption(self) -> str | None:
        return self.text if self.kind != "text" else None

    def buttons(self) -> list[list[str]]:
        """Rows of inline button texts (empty when the message has no inline keyboard)."""
        if not self.reply_markup:
            return []
        return [[b.get("text", "") for b in row] for row in self.reply_markup["inline_keyboard"]]

    def button_objects(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return self.reply_markup["inline_keyboard"]

    def to_api(self, *, shallow: bool = False) -> dict[str, Any]:
        """The Bot API ``Message`` object for the current state of this message."""
        d: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat.api_dict(),
            "date": self.date,
        }
        if self.edit_date is not None:
            d["edit_date"] = self.edit_date
        if self.kind == "text":
            d["text"] = self.text or ""
            if self.entities:
                d["entities"] = self.entities
        else:
            if self.media is not None:
                d[self.kind] = self.media
            if self.text:
                d["caption"] = self.text
                if self.entities:
                    d["caption_entities"] = self.entities
        if self.extra:
            d.update(self.extra)
        if self.reply_to is not None and not shallow:
            d["reply_to_message"] = self.reply_to.to_api(shallow=True)
        if self.reply_markup is not None:
            d["reply_markup"] = self.reply_markup
        return d

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else "user"
        flags = " deleted" if self.deleted else ""
        if self.edit_count:
            flags += f" edits={self.edit_count}"
        return f"<SimMessage #{self.message_id} {who} {self.kind} {self.text!r}{flags}>"


class SimChat:
    """A private chat between the bot and one simulated user (chat id == user id)."""

    def __init__(self, user: SimUser) -> None:
        self.id: int = user.id
        self.user = user
        self.messages: list[SimMessage] = []
        self.blocked = False
        self.callback_answers: list[CallbackAnswer] = []
        self.chat_actions: list[str] = []
        self.reply_keyboard: dict[str, Any] | None = None  # current custom reply keyboard
        self._by_id: dict[int, SimMessage] = {}
        self._next_id = 1

    def api_dict(self) -> dict[str, Any]:
        u = self.user
        d: dict[str, Any] = {"id": self.id, "type": "private", "first_name": u.first_name}
        if u.last_name:
            d["last_name"] = u.last_name
        if u.username:
            d["username"] = u.username
        return d

    def add_message(self, **kwargs: Any) -> SimMessage:
        msg = SimMessage(message_id=self._next_id, chat=self, **kwargs)
        self._next_id += 1
        self.messages.append(msg)
        self._by_id[msg.message_id] = msg
        return msg

    def get(self, message_id: int) -> SimMessage | None:
        return self._by_id.get(message_id)

    def bot_messages(self, include_deleted: bool = False) -> list[SimMessage]:
        return [m for m in self.messages if m.from_bot and (include_deleted or not m.deleted)]

    def last_bot_message(self, with_buttons: bool = False) -> SimMessage | None:
        """The latest bot message that is not deleted (optionally: that has inline buttons)."""
        for m in reversed(self.messages):
            if m.from_bot and not m.deleted and (not with_buttons or m.reply_markup):
                return m
        return None

    def bot_texts(self, include_deleted: bool = False) -> list[str]:
        """Current texts (captions for media) of the bot's messages, oldest first."""
        return [m.text or "" for m in self.bot_messages(include_deleted)]

    def buttons(self, message: SimMessage | int | None = None) -> list[list[str]]:
        """Rows of button texts of ``message`` (default: latest bot message with buttons)."""
        msg = self.resolve_message(message)
        return msg.buttons() if msg is not None else []

    def resolve_message(self, message: SimMessage | int | None) -> SimMessage | None:
        if message is None:
            return self.last_bot_message(with_buttons=True)
        if isinstance(message, SimMessage):
            return message
        return self._by_id.get(int(message))

    def __repr__(self) -> str:
        return f"<SimChat {self.id} messages={len(self.messages)} blocked={self.blocked}>"


Listener = Callable[[ChatEvent], None]
