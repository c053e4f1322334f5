"""The SQL FSM storage keeps dialog state across restarts and never lets a caller's in-place
change of loaded data pass for saved data."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

from aiogram.fsm.storage.base import StorageKey

from bot.channels.telegram import fsm_storage
from bot.channels.telegram.fsm_storage import SqlStorage
from bot.db.engine import create_engine
from bot.db.migrate import upgrade_async

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42, destiny="aiogd:context")


class _Storage(SqlStorage):
    """A storage that owns its engine, as the bot's App does: closing it disposes both."""

    async def close(self) -> None:
        await super().close()
        await self._engine.dispose()


async def _storage(url: str) -> SqlStorage:
    return _Storage(create_engine(url))


async def test_state_and_data_survive_a_new_process(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"
    await upgrade_async(url)
    first = await _storage(url)
    await first.set_state(KEY, "FaqSG:node")
    await first.set_data(KEY, {"view": {"current": "work", "history": ["a"]}})
    await first.close()
    second = await _storage(url)
    assert await second.get_state(KEY) == "FaqSG:node"
    assert await second.get_data(KEY) == {"view": {"current": "work", "history": ["a"]}}
    await second.close()


async def test_mutating_loaded_nested_data_does_not_fake_a_save(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"
    await upgrade_async(url)
    storage = await _storage(url)
    await storage.set_data(KEY, {"run": {"index": 0}})
    data = await storage.get_data(KEY)
    data["run"]["index"] = 2  # what aiogram-dialog does with dialog_data
    assert (await storage.get_data(KEY))["run"]["index"] == 0
    await storage.set_data(KEY, data)  # now it must really be written
    await storage.close()
    fresh = await _storage(url)
    assert (await fresh.get_data(KEY))["run"]["index"] == 2
    await fresh.close()


async def test_empty_record_is_deleted_and_forget_removes_a_user(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"
    await upgrade_async(url)
    storage = await _storage(url)
    await storage.set_data(KEY, {"x": 1})
    other = StorageKey(bot_id=1, chat_id=43, user_id=43, destiny="aiogd:context")
    await storage.set_data(other, {"y": 2})
    assert await storage.forget(42) == 1
    await storage.close()
    fresh = await _storage(url)
    assert await fresh.get_data(KEY) == {}
    assert await fresh.get_data(other) == {"y": 2}
    await fresh.close()


def _hold_write_lock(path, held: threading.Event, release: threading.Event) -> None:
    """Another writer (a backup, the sqlite3 shell) holding the file's write lock."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(30)
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_a_save_while_another_writer_holds_the_file_waits_without_stopping_the_loop(tmp_path):
    """Saves run on the event loop when the file is free; when it is not, the save waits in
    a thread for the lock and the loop goes on serving everyone else meanwhile."""
    path = tmp_path / "f.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    storage = await _storage(url)
    await storage.set_state(KEY, "FaqSG:menu")  # opens the loop's connection
    held, release = threading.Event(), threading.Event()
    locker = asyncio.create_task(asyncio.to_thread(_hold_write_lock, str(path), held, release))
    assert await asyncio.to_thread(held.wait, 10)
    save = asyncio.create_task(storage.set_state(KEY, "FaqSG:node"))
    ticks = 0
    for _ in range(5):  # the loop keeps running while the save waits for the file
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 5 and not save.done()
    release.set()
    await locker
    await save
    await storage.close()
    fresh = await _storage(url)
    assert await fresh.get_state(KEY) == "FaqSG:node"
    await fresh.close()


async def test_the_wal_file_stays_small_under_many_saves(tmp_path, monkeypatch):
    """The loop's connection never checkpoints (that fsyncs); the thread does, so the
    write-ahead log is reused instead of growing with every press."""
    monkeypatch.setattr(fsm_storage, "CHECKPOINT_EVERY", 20)
    path = tmp_path / "f.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    storage = await _storage(url)
    for i in range(400):
        await storage.set_data(KEY, {"press": i, "pad": "x" * 1500})
    wal_pages = (tmp_path / "f.db-wal").stat().st_size // 4096
    await storage.close()
    assert wal_pages < 200  # 400 saves of about a page each: 403 pages without the checkpoints
    fresh = await _storage(url)
    assert (await fresh.get_data(KEY))["press"] == 399
    await fresh.close()
