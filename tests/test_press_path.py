"""What a button press costs the bot process beyond its handler (docs/press-time.md): work
that used to be done again and again, or handed to a thread, for every press."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import Response, SendMessage

from bot.factory import build_bot
from tests.botenv import TOKEN, make_settings


async def test_a_garbage_collection_does_not_make_aiogram_rebuild_answer_classes(db_path, sandbox):
    """aiogram parses each answer into Response[<result type>], a class pydantic only caches
    weakly: after a collection it was built again (3-6 ms of the event loop)."""
    bot = build_bot(make_settings(db_path, sandbox), TOKEN)
    user = sandbox.user(6401)
    try:
        await bot.send_message(user.id, "first")
        answer_class = weakref.ref(Response[SendMessage.__returning__])
        gc.collect()
        assert answer_class() is not None
        await bot.send_message(user.id, "second")
        assert user.chat.bot_texts() == ["first", "second"]
    finally:
        await bot.session.close()

