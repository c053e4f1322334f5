"""The baseline of bench_webhook.py: a bare aiogram bot behind the same webhook server code
as Belong (Starlette + uvicorn, bot.web.app), whose handler answers the callback and edits
the message. Started by the benchmark as its own process, like `python -m bot run`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.factory import App, build_bot
from bot.runner import install_stop_signals, start_web

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[
    InlineKeyboardButton(text="A", callback_data="a"),
    InlineKeyboardButton(text="B", callback_data="b"),
]])


def dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("menu", reply_markup=KEYBOARD)

    @dp.callback_query(F.data.in_({"a", "b"}))
    async def press(callback: CallbackQuery) -> None:
        await callback.answer()
        await callback.message.edit_text(f"screen {callback.data}", reply_markup=KEYBOARD)

    return dp


async def main() -> None:
    settings = Settings()
    bot = build_bot(settings, settings.bot_token.get_secret_value())
    dp = dispatcher()
    app = App(settings, None, None, None, None, None, bot, dp)  # type: ignore[arg-type]
    secret = settings.webhook_secret.get_secret_value()
    stop = asyncio.Event()
    install_stop_signals(stop)
    server, task, _ = await start_web(app, dp, secret=secret)
    await bot.set_webhook(settings.webhook_url, secret_token=secret)
    await stop.wait()
    server.should_exit = True
    await task
    await bot.session.close()


if __name__ == "__main__":
    asyncio.run(main())
