"""Local Telegram Bot API sandbox: run the real bot against a fake Telegram on 127.0.0.1."""

from .chat import run_terminal_chat
from .html_check import HtmlParseError, parse_html
from .models import (
    ApiError,
    ButtonNotFound,
    CallbackAnswer,
    CallRecord,
    ChatEvent,
    Injection,
    SandboxError,
    SandboxTimeoutError,
    SimChat,
    SimMessage,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
    WebhookDeliveryError,
)
from .server import BotApiSandbox
from .users import SimUser

__all__ = [
    "ApiError",
    "BotApiSandbox",
    "ButtonNotFound",
    "CallRecord",
    "CallbackAnswer",
    "ChatEvent",
    "HtmlParseError",
    "Injection",
    "SandboxError",
    "SandboxTimeoutError",
    "SimChat",
    "SimMessage",
    "SimUser",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
    "WebhookDeliveryError",
    "parse_html",
    "run_terminal_chat",
]
