"""The SQL FSM storage keeps dialog state across restarts and never lets a caller's in-place
change of loaded data pass for saved data."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey

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
