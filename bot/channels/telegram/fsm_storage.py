"""aiogram FSM storage on SQL.

No maintained SQL-backed FSM storage exists; without one the embedded default would lose
every open dialog (aiogram-dialog keeps its stacks in FSM data) at each restart. Writes go
straight to the database (one upsert per change, committed before the update is done).

On SQLite the process is the only writer, so reads come from a bounded write-through cache
and writes go through plain sqlite3 connections instead of the five or six thread hops an
aiosqlite session costs (measured: 3.4 ms -> ~0.4 ms per write; see bench/bench_webhook.py).
A write is one autocommit upsert, which in WAL mode with synchronous=NORMAL is an append to
the WAL file without fsync: about 6 us, less than handing it to a thread costs (about 40 us
of CPU, and under load a wait for the thread to be scheduled). So it runs on the event loop,
on a connection that never waits for a lock: when another writer holds the file (a panel
save, a backup), the write goes to a thread that waits for it as before. The loop's
connection never checkpoints the WAL (that fsyncs); the thread does, every few hundred
writes. On PostgreSQL every read and write goes to the database through SQLAlchemy, so
several workers stay consistent.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import FsmRecord


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class SqlStorage(BaseStorage):
    def __init__(
        self,
        engine: AsyncEngine,
        key_builder: KeyBuilder | None = None,
        cache_size: int | None = None,
    ) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._dialect = engine.dialect.name
        if cache_size is None:
            cache_size = 50_000 if self._dialect == "sqlite" else 0
        self._cache_size = cache_size
        # key -> (state, data as JSON): a serialised copy, so nothing outside can change it.
        self._cache: OrderedDict[str, tuple[str | None, str]] = OrderedDict()
        self._direct: _SqliteFile | None = None
        database = engine.url.database
        if self._dialect == "sqlite" and database and database != ":memory:":
            self._direct = _SqliteFile(database)

    def _insert(self):
        return pg_insert if self._dialect == "postgresql" else sqlite_insert

    async def _load(self, key: str) -> tuple[str | None, dict[str, Any]]:
        if self._cache_size:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                # A fresh copy each time: callers mutate nested dialog data in place.
                return hit[0], json.loads(hit[1])
        if self._direct is not None:
            value = await self._direct.load(key)
        else:
            async with self._sessions() as session:
                row = (
                    await session.execute(
                        select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == key)
                    )
                ).first()
            value = (row[0], dict(row[1] or {})) if row else (None, {})
        self._remember(key, value[0], _dumps(value[1]))
        return value

    def _remember(self, key: str, state: str | None, blob: str) -> None:
        if not self._cache_size:
            return
        self._cache[key] = (state, blob)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _save(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        blob = _dumps(data)
        if self._cache_size and self._cache.get(key) == (state, blob):
            return  # aiogram-dialog saves the stack on every update, changed or not
        if self._direct is not None:
            await self._direct.save(key, state, blob if data else None)
        else:
            async with self._sessions() as session:
                if state is None and not data:
                    await session.execute(FsmRecord.__table__.delete().where(FsmRecord.key == key))
                else:
                    stmt = self._insert()(FsmRecord).values(key=key, state=state, data=data)
                    stmt = stmt.on_conflict_do_update(
                        index_elements=[FsmRecord.key], set_={"state": state, "data": data}
                    )
                    await session.execute(stmt)
                await session.commit()
        self._remember(key, state, blob)

    # Both parts live in one row; the key builder's "part" is left out on purpose.
    def _key(self, key: StorageKey) -> str:
        return self._keys.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        k = self._key(key)
        _, data = await self._load(k)
        value = state.state if isinstance(state, State) else state
        await self._save(k, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._load(self._key(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        k = self._key(key)
        state, _ = await self._load(k)
        await self._save(k, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._load(self._key(key))
        return dict(data)

    async def forget(self, user_id: int) -> int:
        """Delete the private-chat records of one user (for /delete); returns the count."""
        prefix = self._keys.build(StorageKey(bot_id=0, chat_id=user_id, user_id=user_id))
        prefix = prefix.rsplit(":", 1)[0] + ":"
        async with self._sessions() as session:
            result = await session.execute(
                FsmRecord.__table__.delete().where(FsmRecord.key.startswith(prefix, autoescape=True))
            )
            await session.commit()
        for k in [k for k in self._cache if k.startswith(prefix)]:
            del self._cache[k]
        return result.rowcount or 0

    async def close(self) -> None:
        self._cache.clear()
        if self._direct is not None:
            await self._direct.close()


# Inline writes between two checkpoints of the WAL (about a page each).
CHECKPOINT_EVERY = 500


def _busy(exc: sqlite3.OperationalError) -> bool:
    # The primary code: an extended one (SQLITE_BUSY_SNAPSHOT...) keeps it in its low byte.
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class _SqliteFile:
    """fsm_records through two sqlite3 connections: one on the event loop that never waits
    (writes), one owned by a thread that may (reads, writes while the file is busy, WAL
    checkpoints)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fsm-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._inline: sqlite3.Connection | None = None
        self._since_checkpoint = 0
        self._closed = False

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    def _loop_connection(self) -> sqlite3.Connection:
        if self._inline is None:
            conn = sqlite3.connect(self._path, timeout=0, isolation_level=None)
            # Both per connection, no lock taken: the file is in WAL mode already (the
            # engine's connections and the thread's set it).
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._inline = conn
        return self._inline

    def _load_sync(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = self._connection().execute(
            "SELECT state, data FROM fsm_records WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None, {}
        return row[0], (json.loads(row[1]) if row[1] else {}) or {}

    @staticmethod
    def _write(conn: sqlite3.Connection, key: str, state: str | None, blob: str | None) -> None:
        if state is None and blob is None:
            conn.execute("DELETE FROM fsm_records WHERE key = ?", (key,))
        else:
            conn.execute(
                "INSERT INTO fsm_records (key, state, data) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data",
                (key, state, blob),
            )

    def _save_sync(self, key: str, state: str | None, blob: str | None) -> None:
        self._write(self._connection(), key, state, blob)

    def _checkpoint_sync(self) -> None:
        self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def load(self, key: str) -> tuple[str | None, dict[str, Any]]:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._load_sync, key)

    async def save(self, key: str, state: str | None, blob: str | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._write(self._loop_connection(), key, state, blob)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            await loop.run_in_executor(self._pool, self._save_sync, key, state, blob)
            return
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            await loop.run_in_executor(self._pool, self._checkpoint_sync)

    def _close_sync(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        await asyncio.get_running_loop().run_in_executor(self._pool, self._close_sync)
        self._pool.shutdown(wait=True)
