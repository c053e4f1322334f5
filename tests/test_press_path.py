"""What a button press costs the bot process beyond its handler (docs/press-time.md): work
that used to be done again and again, or handed to a thread, for every press."""

from __future__ import annotations

import gc
import weakref

from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import Response, SendMessage
from aiogram.types import Update
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.config import Settings
from bot.content.service import ContentStore
from bot.db.engine import create_engine, create_session_factory
from bot.factory import build_bot, build_dispatcher
from tests.botenv import TOKEN, make_settings
from tests.test_dialogs import ADAM, click, env  # noqa: F401 (env: the fixture)


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


async def test_no_filter_or_handler_is_run_in_a_thread(tmp_path):
    """aiogram runs a filter or handler that is a plain callable (any bare `F...` magic
    filter) through asyncio.to_thread: three such thread hand-offs were in every press.
    Every router of the bot, the staff group's included, must be checked on the loop."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    settings = Settings(_env_file=None, database_url=url, staff_chat_id=-100123)
    dp = build_dispatcher(JsonMemoryStorage(), SimpleEventIsolation(),
                          ContentStore(sessions, refresh_seconds=60), sessions, settings)
    staff_router = dp["staff_chat"].router()
    in_threads = []
    for router in [*dp.chain_tail, *staff_router.chain_tail]:
        for name, observer in router.observers.items():
            if name == "aiogd_update":
                # aiogram-dialog's own observer of its background updates (a screen redrawn
                # by the bot itself, never a press), with its own State("*") filter.
                continue
            checked = [*(observer._handler.filters or []), *observer.handlers,
                       *(f for h in observer.handlers for f in h.filters or [])]
            for item in checked:
                if not item.awaitable:
                    in_threads.append(f"{router.name}.{name}: {item.callback!r}")
    await engine.dispose()
    assert in_threads == []


async def test_a_handled_update_is_not_kept_alive(env):  # noqa: F811 (the fixture)
    """aiogram's lru_cache on Update.event_type kept the last 128 updates alive, each with
    its message and keyboard, and every garbage collection walked them."""
    adam = env.client(ADAM, "pl")
    await adam.send("/start")
    work = next(b for b in env.buttons() if "Praca" in b)
    await click(adam, env, work)
    assert "Praca" in env.last().text
    assert Update.event_type.fget.cache_info().currsize == 0
