"""What a person does in the fault tests (tests/test_faults.py), and what the database
holds afterwards: open a survey and answer what the screen asks, write a ticket, press Send
again while the screen still asks to confirm; released survey answers, tickets, pushes."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from types import SimpleNamespace

from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Campaign, SurveyHolding, Ticket
from bot.surveys.store import SurveyService
from tests.bot_process import BotProcess, answer_of, press, send_text, until, until_async
from tests.broadcast_env import add_users, ledger, push_env, sent_counts
from tests.test_bot_e2e import last_text, topic_label
from tests.test_feedback_bot import SEND, WRITE
from tests.test_survey_bot import AGREE, DONE, QUESTIONS, SURVEY, THANKS


async def run_cli(bot: BotProcess, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=PROJECT_ROOT, env=bot.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@contextlib.asynccontextmanager
async def database(db_path):
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def answer(user, question, option, *, again: bool = False) -> None:
    await press(user, ("✓ " if again else "") + option.label["en"])
    if question.kind == "multi":
        await press(user, DONE["en"])


def shown_question(user) -> int | None:
    """The 0-based index of the question on the screen (None: not a question screen)."""
    match = re.match(r"(\d+)/\d+", last_text(user))
    return int(match.group(1)) - 1 if match else None


async def answer_as_shown(user, chosen) -> None:
    """As a person does: read which question the screen asks, give that question's answer,
    until the thank-you screen."""
    for _ in range(3 * len(QUESTIONS)):
        index = shown_question(user)
        if index is None:
            assert THANKS["en"] in last_text(user), last_text(user)
            return
        question = QUESTIONS[index]
        label = chosen[question.key].label["en"]
        marked = "✓ " + label in str(user.chat.buttons())
        if question.kind == "multi":
            if not marked:
                await press(user, label)
            await press(user, DONE["en"])
        else:
            await press(user, "✓ " + label if marked else label)
    raise AssertionError("the survey did not end")


CHOSEN = {q.key: q.options[(i + 1) % len(q.options)] for i, q in enumerate(QUESTIONS)}
EXPECTED = {q.key: [CHOSEN[q.key].id] if q.kind == "multi" else CHOSEN[q.key].id
            for q in QUESTIONS}


async def open_survey(user) -> None:
    """Opt in to invitations, open the survey, agree."""
    await send_text(user, "/start", topic_label("housing", "en"))
    await user.send_command("surveys", wait=False)
    await until(lambda: "📊" in last_text(user), what="the survey list")
    await user.sandbox.wait_idle(settle=0.1)
    await press(user, "🔕 Survey invitations: off (tap to turn on)")
    await press(user, next(b for row in user.chat.buttons() for b in row if b.startswith("📝")))
    await press(user, AGREE["en"])
    assert shown_question(user) == 0


async def released_responses(db_path, wave: str) -> list[dict]:
    """What the anonymous store holds for the wave; nothing may still wait in holding."""
    async with database(db_path) as sessions:
        rows = await SurveyService(sessions, {"belonging": SURVEY}).answer_rows("belonging", wave)
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(SurveyHolding)) == 0
    return [r.answers for r in rows]


async def campaign_done(sessions, campaign_id: int) -> bool:
    async with sessions() as session:
        return await session.scalar(select(Campaign.status).where(
            Campaign.id == campaign_id)) == "done"


async def write_ticket_draft(user, text: str) -> None:
    await send_text(user, "/start", topic_label("housing", "en"))
    await press(user, WRITE["en"])
    await send_text(user, text, text)


async def send_until_numbered(user, tries: int = 4):
    """Press Send as a person would: again while the screen still asks to confirm."""
    presses = []
    for _ in range(tries):
        update = await user.press(SEND["en"], wait=False)
        presses.append(update)
        await until(lambda u=update: answer_of(user, u) is not None, 60, "an answer to Send")
        await user.sandbox.wait_idle(settle=0.2, timeout=60)
        if "ticket #" in last_text(user):
            break
    return presses


async def tickets(db_path) -> list:
    async with database(db_path) as sessions, sessions() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def push_audience(db_path, sandbox, count: int, start: int) -> tuple[list[int], int]:
    """`count` subscribers and an announcement to them, due now."""
    env = await push_env(db_path, sandbox)
    try:
        ids = await add_users(env, sandbox, count, start=start, language="en")
        campaign = await env.service.create_announcement("news", {"en": "News"})
    finally:
        await env.close()
    return ids, campaign.id


async def pushes_done(db_path, sandbox, ids: list[int], campaign_id: int) -> None:
    """Everybody got the push exactly once and the ledger says so."""
    async with database(db_path) as sessions:
        await until_async(lambda: campaign_done(sessions, campaign_id), 120, "campaign done")
        assert set((await ledger(SimpleNamespace(sessions=sessions), campaign_id)
                    ).values()) == {"sent"}
    counts = sent_counts(sandbox)
    assert {i: counts[i] for i in ids} == {i: 1 for i in ids}
