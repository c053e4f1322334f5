"""The command list Telegram shows in the client's menu, per language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.config import LANGUAGES
from bot.i18n import _
from bot.i18n import gettext_ as t

log = logging.getLogger(__name__)

COMMANDS = [
    ("sos", _("Help in a crisis or emergency")),
    ("menu", _("Topics")),
    ("surveys", _("Anonymous surveys")),
    ("settings", _("Notifications")),
    ("help", _("How to use the bot")),
    ("language", _("Change language")),
    ("privacy", _("What we store and why")),
    ("mydata", _("See what the bot holds about you")),
    ("delete", _("Delete your data")),
]


def commands_for(lang: str) -> list[BotCommand]:
    return [BotCommand(command=c, description=t(d, lang)) for c, d in COMMANDS]


async def register_commands(bot: Bot) -> None:
    await bot.set_my_commands(commands_for("en"), scope=BotCommandScopeDefault())
    for lang in LANGUAGES:
        await bot.set_my_commands(
            commands_for(lang), scope=BotCommandScopeDefault(), language_code=lang
        )


async def set_chat_commands(bot: Bot, chat_id: int, lang: str) -> None:
    """A client in Russian or Georgian would otherwise see the default (English) list."""
    try:
        await bot.set_my_commands(commands_for(lang), scope=BotCommandScopeChat(chat_id=chat_id))
    except Exception as exc:  # a cosmetic call; never fail the choice over it
        log.warning("setMyCommands for a chat failed: %s", type(exc).__name__)
