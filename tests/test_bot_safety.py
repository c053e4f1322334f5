"""Updates that arrive in awkward shapes or at awkward times, through the whole bot over real
HTTP against the sandbox: what the person sees, and what the bot keeps."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from sqlalchemy import exists, func, select

from bot.channels.telegram.identity import telegram_contact
from bot.content.service import normalise_gap
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import ContentGap, User, UserContact
from bot.users import UserDirectory
from tests import pg
from tests.botenv import RunningBot, make_settings

SECRET = "test-webhook-secret"


def _message_update(update_id: int, user, text: str) -> dict:
    """A user's message as Telegram would post it, recorded in the sandbox chat."""
    entities = ([{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
                if text.startswith("/") else [])
    msg = user.chat.add_message(from_bot=False, sender=user.api_dict(), date=int(time.time()),
                                kind="text", text=text, entities=entities)
    return {"update_id": update_id, "message": msg.to_api()}


async def test_first_two_updates_together_both_answered_one_user_row(sandbox, db_path):
    """Two workers behind one webhook address (PostgreSQL and no Redis, or any setup where
    each process keeps its own per-chat lock) each get one of a new person's first two
    updates at the same moment. Both must be answered and make one user row."""
    workers = [RunningBot(sandbox, make_settings(db_path, sandbox, webhook_secret=SECRET),
                          mode="webhook") for _ in range(2)]
    for worker in workers:
        await worker.start()
    # Three new people at once: the race is lost often, but not every time, with one.
    people = [sandbox.user(4240 + i, language_code="en") for i in range(3)]
    posts = []
    for i, user in enumerate(people):
        posts.append((workers[0], _message_update(90000 + 2 * i, user, "/start")))
        posts.append((workers[1], _message_update(90001 + 2 * i, user, "housing")))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        async with aiohttp.ClientSession() as http:
            async def post(worker: RunningBot, update: dict) -> int:
                async with http.post(worker.settings.webhook_url, json=update,
                                     headers=headers) as resp:
                    return resp.status

            statuses = await asyncio.gather(*(post(w, u) for w, u in posts))
        await sandbox.wait_idle()
        assert statuses == [200] * len(posts)
        for user in people:
            # The menu's buttons may be gone already: the search results came after it.
            texts = user.chat.bot_texts()
            assert any(t.startswith("👋 Belong") for t in texts), texts
            assert any("«housing»" in t for t in texts), texts
        async with workers[0].app.sessions() as session:
            counts = (await session.execute(
                select(UserContact.address, func.count())
                .where(UserContact.address.in_(["4240", "4241", "4242"]))
                .group_by(UserContact.address))).all()
            orphans = await session.scalar(select(func.count()).select_from(User).where(
                ~exists().where(UserContact.user_id == User.id)))
        assert sorted(counts) == [("4240", 1), ("4241", 1), ("4242", 1)]
        assert orphans == 0  # the worker that lost a race left no user of its own behind
    finally:
        for worker in workers:
            await worker.stop()


async def test_button_of_an_inline_message_is_answered(bot, sandbox):
    """A callback from a message sent in inline mode carries no message: the bot cannot show
    a screen under it, but it answers the query, so the button stops spinning, and says
    where to go on."""
    user = sandbox.user(4250, language_code="uk")
    await user.send_command("start")
    sent = len(user.chat.bot_messages())
    for data in ("t:housing", "zzzz\x1dn:removed-answer", "garbage"):
        await user.press_inline(data)
    answers = user.chat.callback_answers
    assert len(answers) == 3
    # In the person's language, saying where the button works.
    assert all(a.text and a.text.startswith("Ця кнопка") and "/menu" in a.text
               for a in answers), answers
    assert len(user.chat.bot_messages()) == sent  # nothing sent that the person did not ask for


# ---------------------------------------------------------------- personal data in content gaps

@pytest.mark.parametrize(("typed", "stored"), [
    ("mój PESEL 90010112345", "mój pesel ‹number›"),
    ("tel +48 500 100 200 albo 500-100-200 albo 500100200", "tel ‹phone› albo ‹phone› albo ‹phone›"),
    ("(58) 524 40 00 urząd", "‹phone› urząd"),
    ("+380501234567 лікар", "‹phone› лікар"),
    ("pisz na Jan.Kowalski+pl@example.com.pl", "pisz na ‹email›"),
    ("paszport AB1234567, dowód ABC123456, паспорт КВ123456",
     "paszport ‹number›, dowód ‹number›, паспорт ‹number›"),
    ("konto 61 1090 1014 0000 0712 1981 2874", "konto ‹number›"),
    ("numer sprawy 1234567", "numer sprawy ‹number›"),
    # Short numbers are kept: they are what the question is about.
    ("800 plus od 2024 na 80-180 gdańsk, 3 maja 12/4", "800 plus od 2024 na 80-180 gdańsk, 3 maja 12/4"),
])
def test_gap_text_loses_personal_data(typed, stored):
    assert normalise_gap(typed) == stored


async def test_search_that_found_nothing_is_stored_without_personal_data(bot, sandbox):
    user = sandbox.user(4260, language_code="en")
    await user.send_command("start")
    await user.send_text("zzqv 90010112345 +48 606 707 808 qzx@vqz.zq AB1234567")
    assert "nothing" in user.chat.last_bot_message().text  # the person sees the usual answer
    # What staff see in the panel's list of searches that found nothing:
    async with bot.app.sessions() as session:
        gaps = [(g.lang, g.query) for g in (await session.scalars(select(ContentGap))).all()]
    assert gaps == [("en", "zzqv ‹number› ‹phone› ‹email› ‹number›")]


@pytest.mark.skipif(not pg.available(), reason="PostgreSQL server binaries are not installed")
async def test_user_upsert_on_postgresql_two_workers_at_once():
    """The PostgreSQL branch of the upsert: two workers' directories (no cache, as with
    PostgreSQL) see twenty new people at the same moment."""
    with pg.postgres_server() as url:
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            sessions = create_session_factory(engine)
            workers = [UserDirectory(sessions), UserDirectory(sessions)]
            ids = range(6000, 6020)
            seen = await asyncio.gather(*(w.seen(telegram_contact(i), "uk")
                                          for i in ids for w in workers))
            assert {s.language for s in seen} == {"uk"}
            # Both workers got the same person for each contact, twenty people in all.
            assert all(seen[k].user_id == seen[k + 1].user_id for k in range(0, 40, 2))
            assert len({s.user_id for s in seen}) == 20
            await asyncio.gather(*(w.set_language(seen[0].user_id, "pl") for w in workers))
            async with sessions() as session:
                users = await session.scalar(select(func.count()).select_from(User))
                counts = (await session.execute(
                    select(UserContact.address, func.count()).group_by(UserContact.address))).all()
            assert users == 20  # the loser of each race rolled its new user back
            assert sorted(counts) == [(str(i), 1) for i in ids]
            assert (await workers[1].describe(seen[0].user_id)).language == "pl"
        finally:
            await engine.dispose()
