"""Local Telegram Bot API sandbox: run the real bot against a fake Telegram on 127.0.0.1.

    async with BotApiSandbox() as sb:          # sb.base_url = "http://127.0.0.1:PORT"
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url)))
        ...start dp.start_polling(bot, handle_as_tasks=False) or a webhook receiver...
        user = sb.user(1001, first_name="Olena", language_code="uk")
        await user.send_command("start")        # returns once the bot has handled it
        await user.press("Yes")
        assert user.chat.bot_texts()[-1] == "..."

See ``bot.fake_telegram.server`` for the waiting rules in polling and webhook mode.
"""

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
