"""Dialog flows through aiogram_dialog.test_tools: the real dispatcher and dialogs, with a
mock message manager instead of Telegram."""

from __future__ import annotations

import datetime as dt

import pytest
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import User
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy import select

from bot.config import PROJECT_ROOT, Settings
from bot.content.service import ContentStore
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import Rating
from bot.factory import build_dispatcher
from tests.people import by_telegram

OLENA = 501  # a Ukrainian-speaking user
ADAM = 502  # a Polish-speaking user


class Env:
    def __init__(self, dp, sessions, mm: MockMessageManager):
        self.dp, self.sessions, self.mm = dp, sessions, mm

    def client(self, user_id: int, lang: str | None) -> BotClient:
        client = BotClient(self.dp, user_id=user_id, chat_id=user_id)
        client.user = User(id=user_id, is_bot=False, first_name="Test", language_code=lang)
        return client

    def last(self):
        return self.mm.last_message()

    def buttons(self) -> list[str]:
        markup = self.last().reply_markup
        return [b.text for row in (markup.inline_keyboard if markup else []) for b in row]


@pytest.fixture
async def env(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    content = ContentStore(sessions, refresh_seconds=60)
    await content.import_dir(PROJECT_ROOT / "content")
    mm = MockMessageManager()
    settings = Settings(_env_file=None, database_url=url)
    dp = build_dispatcher(JsonMemoryStorage(), SimpleEventIsolation(), content, sessions,
                          settings, message_manager=mm)
    dp["bot_username"] = "belong_test_bot"
    yield Env(dp, sessions, mm)
    await engine.dispose()


def click(client: BotClient, env: Env, label: str):
    return client.click(env.last(), InlineButtonTextLocator("^" + _re(label) + "$"))


def _re(text: str) -> str:
    import re

    return re.escape(text)


async def test_start_in_ukrainian_shows_translated_topics(env):
    olena = env.client(OLENA, "uk")
    await olena.send("/start")
    assert "Belong" in env.last().text
    labels = env.buttons()
    assert any("Робота" in b for b in labels)
    assert any("Житло" in b for b in labels)
    async with env.sessions() as session:
        row = await session.scalar(by_telegram(OLENA))
    assert row.language == "uk"


async def test_navigate_to_answer_back_and_home(env):
    adam = env.client(ADAM, "pl")
    await adam.send("/start")
    work = next(b for b in env.buttons() if "Praca" in b)
    await click(adam, env, work)
    section_text = env.last().text
    assert "Praca" in section_text
    first = env.buttons()[0]
    await click(adam, env, first)
    # Descend until an answer (with its source line) is shown.
    for _ in range(3):
        if "Źródło" in env.last().text:
            break
        await click(adam, env, env.buttons()[0])
    text = env.last().text
    assert "Źródło" in text and "Sprawdzono" in text
    assert any("Pomocne" in b for b in env.buttons())
    await click(adam, env, "⬅️ Wstecz")
    assert "Źródło" not in env.last().text
    await click(adam, env, "🏠 Start")
    assert any("Praca" in b for b in env.buttons())


async def test_rating_is_stored_without_user(env):
    olena = env.client(OLENA, "uk")
    await olena.send("/start")
    await click(olena, env, "🆘 Екстрені номери")
    assert "112" in env.last().text
    await click(olena, env, "👍 Корисно")
    assert not any("Корисно" in b for b in env.buttons())  # one rating per answer
    async with env.sessions() as session:
        ratings = (await session.scalars(select(Rating))).all()
    assert [(r.value, r.day) for r in ratings] == [(1, dt.datetime.now(dt.UTC).date())]
    assert not {"user_id", "tg_user_id", "chat_id"} & set(Rating.__table__.columns.keys())


async def test_typed_text_searches_in_users_language(env):
    olena = env.client(OLENA, "uk")
    await olena.send("/start")
    await olena.send("де вчити польську мову")
    assert "🔎" in env.last().text
    assert any("мов" in b.lower() or "курс" in b.lower() for b in env.buttons())


async def test_language_change_rerenders_current_screen(env):
    olena = env.client(OLENA, "uk")
    await olena.send("/start")
    await click(olena, env, "🆘 Екстрені номери")
    assert "Джерело" in env.last().text
    await olena.send("/language")
    await click(olena, env, "polski")
    text = env.last().text
    assert "Źródło" in text and "Джерело" not in text


@pytest.fixture
async def big_env(tmp_path):
    """A topic with twelve answers (more than one page) and one answer not yet in Ukrainian."""
    src = tmp_path / "content"
    src.mkdir()
    children = []
    for i in range(12):
        body = {"pl": f"Treść {i}.", "en": f"Body {i}."}
        if i:
            body["uk"] = f"Текст {i}."
        children.append({
            "slug": f"big-{i:02d}", "title": {"pl": f"Pytanie {i}", "uk": f"Питання {i}",
                                               "en": f"Question {i}"},
            "body": body, "sources": ["https://example.org"], "reviewed": "2026-11-01"})
    import yaml

    (src / "big.yaml").write_text(yaml.safe_dump({
        "slug": "big", "title": {"pl": "Duży", "uk": "Великий", "en": "Big"},
        "children": children}, allow_unicode=True), encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    content = ContentStore(sessions, refresh_seconds=60)
    await content.import_dir(src)
    mm = MockMessageManager()
    dp = build_dispatcher(JsonMemoryStorage(), SimpleEventIsolation(), content, sessions,
                          Settings(_env_file=None, database_url=url), message_manager=mm)
    dp["bot_username"] = "belong_test_bot"
    yield Env(dp, sessions, mm)
    await engine.dispose()


async def test_long_list_pages(big_env):
    env = big_env
    user = env.client(601, "en")
    await user.send("/start")
    await click(user, env, "Big")
    first_page = [b for b in env.buttons() if b.startswith("Question")]
    assert 1 <= len(first_page) < 12
    pager = [b for b in env.buttons() if not b.startswith("Question") and "Back" not in b
             and "Home" not in b]
    assert pager, "no page navigation shown"
    markup = env.last().reply_markup
    next_button = [b for row in markup.inline_keyboard for b in row if b.text in (">", "›", "▶️")]
    assert next_button
    await user.click(env.last(), InlineButtonTextLocator("^" + _re(next_button[0].text) + "$"))
    second_page = [b for b in env.buttons() if b.startswith("Question")]
    assert second_page and not set(second_page) & set(first_page)
    assert len(set(first_page) | set(second_page)) == 12


async def test_missing_translation_falls_back_with_notice(big_env):
    env = big_env
    user = env.client(602, "uk")
    await user.send("/start")
    await click(user, env, "Великий")
    await click(user, env, "Питання 0")
    text = env.last().text
    assert "Body 0." in text  # uk -> en
    assert "ще не перекладено" in text
    await click(user, env, "⬅️ Назад")
    await click(user, env, "Питання 1")
    assert "Текст 1." in env.last().text and "перекладено" not in env.last().text


def test_dialog_intent_ids_do_not_collide_within_a_second():
    from aiogram_dialog.api.entities import stack

    from bot.channels.telegram.dialog_ids import install

    install()
    ids = {stack.new_id() for _ in range(20_000)}
    assert len(ids) == 20_000
    assert max(len(i) for i in ids) <= 7
