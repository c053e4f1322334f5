"""Every migration goes up, down and up again, on SQLite and on PostgreSQL, and the result
matches the models."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, downgrade, upgrade
from bot.db.models import Base
from tests import pg


def _revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _tables(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(go())


def _diff(url: str) -> list:
    async def go() -> list:
        engine = create_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
        await engine.dispose()
        return diff

    return asyncio.run(go())


def _stairway(url: str) -> None:
    revisions = _revisions(url)
    assert revisions, "no migrations found"
    previous = "base"
    for revision in revisions:
        upgrade(url, revision)
        downgrade(url, previous)
        upgrade(url, revision)
        previous = revision
    assert set(Base.metadata.tables) <= _tables(url)
    assert _diff(url) == [], "models and migrations disagree"
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}


def test_stairway_sqlite(tmp_path):
    _stairway(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


@pytest.mark.skipif(not pg.available(), reason="no PostgreSQL server binaries (CI installs them)")
def test_stairway_postgresql():
    with pg.postgres_server() as url:
        _stairway(url)
