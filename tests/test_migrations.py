"""Every migration goes up, down and up again, on SQLite and on PostgreSQL, and the result
matches the models."""

from __future__ import annotations

import asyncio
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, downgrade, upgrade
from bot.db.models import Base
from bot.surveys.codes import Codebook
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


def _sql(url: str, *statements: str) -> list[list[tuple]]:
    async def go() -> list[list[tuple]]:
        engine = create_engine(url)
        results = []
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                results.append([tuple(row) for row in result] if result.returns_rows else [])
        await engine.dispose()
        return results

    return asyncio.run(go())


def _contacts_move(url: str) -> None:
    """Telegram ids move to contacts and back, and nothing else about the people changes."""
    upgrade(url, "006_answer_details")
    _sql(url, "INSERT INTO users (id, tg_user_id, language, created_on, last_seen_on, blocked, "
              "survey_pushes, pushes_muted) VALUES "
              "(1, 5000000001, 'uk', '2026-01-02', '2026-11-30', false, true, false), "
              "(2, 7123456789, NULL, '2026-03-04', '2026-12-01', true, false, false)",
         "INSERT INTO topic_subscriptions (user_id, topic) VALUES (2, 'general')")
    upgrade(url, "007_contacts")
    contacts, users, topics = _sql(
        url, "SELECT channel, address, user_id FROM contacts ORDER BY user_id",
        "SELECT id, language, blocked FROM users ORDER BY id",
        "SELECT user_id, topic FROM topic_subscriptions")
    assert topics == [(2, "general")]
    assert contacts == [("telegram", "5000000001", 1), ("telegram", "7123456789", 2)]
    assert [(i, lang, bool(b)) for i, lang, b in users] == [(1, "uk", False), (2, None, True)]
    downgrade(url, "006_answer_details")
    users, topics = _sql(url, "SELECT id, tg_user_id FROM users ORDER BY id",
                         "SELECT user_id, topic FROM topic_subscriptions")
    assert users == [(1, 5000000001), (2, 7123456789)]
    assert topics == [(2, "general")]  # what hangs off a person survives both ways
    upgrade(url, "head")
    (contacts,) = _sql(url, "SELECT channel, address, user_id FROM contacts ORDER BY user_id")
    assert contacts == [("telegram", "5000000001", 1), ("telegram", "7123456789", 2)]
    # Someone reachable only on Signal cannot go back to a schema without contacts.
    _sql(url, "INSERT INTO users (id, language, created_on, last_seen_on, blocked, survey_pushes, "
              "pushes_muted) VALUES (3, 'pl', '2026-12-07', '2026-12-07', false, false, false)",
         "INSERT INTO contacts (channel, address, user_id) VALUES ('signal', '+48500100200', 3)")
    with pytest.raises(RuntimeError, match="1 people"):
        downgrade(url, "006_answer_details")
    (count,) = _sql(url, "SELECT count(*) FROM contacts")
    assert count == [(3,)]


def test_contacts_move_sqlite(tmp_path):
    _contacts_move(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")


@pytest.mark.skipif(not pg.available(), reason="no PostgreSQL server binaries (CI installs them)")
def test_contacts_move_postgresql():
    with pg.postgres_server() as url:
        _contacts_move(url)


def _answer_codes_backfill(url: str) -> None:
    """Answers released before 013 get codes that decode back to exactly their JSON; the pairs
    are numbered in sorted order (not in the order of the rows); downgrading keeps the answers."""
    upgrade(url, "012_signal_parts")
    answers = [{"q1@aa": "4", "help@bb": ["work", "housing"], "lang@cc": "uk"},
               {"q1@aa": "2", "help@bb": [], "q3@dd": None},
               {},
               {"q3@dd": "Інше", "help@bb": ["housing"]}] * 3
    _sql(url, "INSERT INTO survey_waves (id, survey, code, opened_on, closed, release_k) VALUES "
              "(1, 'mini', '2026-Q3', '2026-07-01', true, 3)",
         *(f"INSERT INTO survey_answers (answer_key, wave_id, week, answers) VALUES "
           f"('{n:032x}', 1, '2026-W28', '{json.dumps(a)}')" for n, a in enumerate(answers)))
    upgrade(url, "013_answer_codes")
    book, rows = _sql(url, "SELECT code, question_key, value FROM survey_codes ORDER BY code",
                      "SELECT answer_key, answers, answer_codes FROM survey_answers ORDER BY answer_key")
    codebook = Codebook(book)
    assert [(k, v) for _, k, v in book] == sorted({(k, v) for _, k, v in book})
    assert [c for c, _, _ in book] == list(range(len(book)))
    assert len(rows) == len(answers)
    for (_key, stored, codes), expected in zip(rows, answers, strict=True):
        stored = json.loads(stored) if isinstance(stored, str) else stored
        assert codes is not None and codebook.decode(codes) == stored == expected
        assert json.dumps(codebook.decode(codes)) == json.dumps(expected)
    downgrade(url, "012_signal_parts")
    (back,) = _sql(url, "SELECT answers FROM survey_answers ORDER BY answer_key")
    assert [json.loads(a) if isinstance(a, str) else a for (a,) in back] == answers
    upgrade(url, "head")


def test_answer_codes_backfill_sqlite(tmp_path):
    _answer_codes_backfill(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")


@pytest.mark.skipif(not pg.available(), reason="no PostgreSQL server binaries (CI installs them)")
def test_answer_codes_backfill_postgresql():
    with pg.postgres_server() as url:
        _answer_codes_backfill(url)
