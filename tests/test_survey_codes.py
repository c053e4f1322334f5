"""Released answers stored a second time as codes (bot/surveys/codes.py): what the release writes
decodes back to exactly the stored JSON, the report counted from the codes alone gives the same
files as the row path, a value the definition does not know gets the next number, and the
numbering says nothing about the order in which answers arrived."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

from sqlalchemy import select

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import SurveyAnswer, SurveyCode, User
from bot.surveys.codes import Codebook, definition_entries
from bot.surveys.report import AnswerRow, write_report
from bot.surveys.store import SurveyService
from tests.test_survey_columnar import NEW, OLD, _same

Q1, Q3, LANG = (NEW.question(q).key for q in ("q1", "q3", "lang"))
MULTI = next(q for q in NEW.questions if q.kind == "multi")
PICKS = [o.id for o in MULTI.options]

# What people can send, and what older or other clients may have stored: ticks in any order,
# none ticked, an option the definition does not know, a skipped (null) answer, a key of no
# question, a number, an empty response.
RESPONSES = [
    {Q1: "4", Q3: "a", LANG: "uk", MULTI.key: [PICKS[-1], PICKS[0]]},
    {Q1: "2", Q3: "other", LANG: "na", MULTI.key: [PICKS[0]]},
    {Q3: "b", MULTI.key: []},
    {Q1: "5", Q3: "zzz_new", LANG: "uk", MULTI.key: [PICKS[1], "zz_new_pick", PICKS[0]]},
    {Q1: None, "gone@1": "x", LANG: "uk"},
    {Q3: "a", "q9@2": 3},
    {},
] * 2


async def _released(path: Path, responses: list[dict], k: int = 100) -> tuple[list[tuple], list[tuple]]:
    """`responses` completed by as many people, in the order given, and released (K=`k`, then
    the wave closes); returns (the codebook rows, the (answers, codes) of the released rows)."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        service = SurveyService(sessions, {"mini": NEW})
        await service.seed_codes()
        wave = await service.open_wave("mini", "2026-Q3", k=k)
        for answers in responses:
            async with sessions() as session, session.begin():
                person = User(language="uk")
                session.add(person)
            assert await service.consent(person.id, wave.id)
            assert (await service.complete(person.id, wave.id, answers)).accepted
        await service.close_wave("mini")
        async with sessions() as session:
            codebook = (await session.execute(select(SurveyCode.code, SurveyCode.question_key,
                                                     SurveyCode.value).order_by(SurveyCode.code))).all()
            rows = (await session.execute(select(SurveyAnswer.answers, SurveyAnswer.answer_codes))).all()
        return [tuple(r) for r in codebook], [tuple(r) for r in rows]
    finally:
        await engine.dispose()


def test_codes_written_at_release_decode_to_exactly_the_stored_json(tmp_path):
    codebook, rows = asyncio.run(_released(tmp_path / "a.db", RESPONSES, k=3))
    assert len(rows) == len(RESPONSES)
    book = Codebook(codebook)
    for answers, codes in rows:
        assert codes is not None
        decoded = book.decode(codes)
        assert decoded == answers
        assert json.dumps(decoded) == json.dumps(answers)  # keys and ticks in the same order
    assert sorted(json.dumps(a) for a, _ in rows) == sorted(json.dumps(r) for r in RESPONSES)


def test_the_definition_is_numbered_first_in_its_order_and_a_new_value_gets_the_next_number(tmp_path):
    codebook, _ = asyncio.run(_released(tmp_path / "a.db", RESPONSES))
    known = definition_entries(NEW)
    assert known and [(k, v) for _, k, v in codebook[:len(known)]] == known
    assert [c for c, _, _ in codebook] == list(range(len(codebook)))  # no gaps
    # Both editions' keys are there (q1's old wording from the history), with their options.
    assert (OLD.question("q1").key, json.dumps("3")) in known
    assert (MULTI.key, json.dumps([PICKS[0]])) in known  # a tick is a one-element list
    new = [(k, v) for _, k, v in codebook[len(known):]]
    assert (Q3, json.dumps("zzz_new")) in new
    assert (MULTI.key, json.dumps(["zz_new_pick"])) in new
    assert (Q3, json.dumps("a")) not in new
    assert new == sorted(new)  # new in one release: numbered in sorted order, not as they came


def test_numbering_is_the_same_whatever_order_answers_arrive_in(tmp_path):
    shuffled = RESPONSES[:]
    random.Random(7).shuffle(shuffled)
    first, rows_a = asyncio.run(_released(tmp_path / "a.db", RESPONSES))
    second, rows_b = asyncio.run(_released(tmp_path / "b.db", shuffled[::-1]))
    assert first == second
    # and a response's codes depend on its answers only: equal answers, equal codes
    codes_a = {json.dumps(a): c for a, c in rows_a}
    assert codes_a == {json.dumps(a): c for a, c in rows_b}
    # In batches of 3 (K) the known answers keep their numbers too.
    third, _ = asyncio.run(_released(tmp_path / "c.db", shuffled, k=3))
    known = len(definition_entries(NEW))
    assert third[:known] == first[:known]


def test_the_report_from_the_codes_alone_equals_the_row_path(tmp_path):
    """Answers released through the store (with unknown values, ticks in any order, no answer,
    keys of no question) counted from their codes only: the same four files as the row path."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    responses = [{key: v for key, v in r.items() if not isinstance(v, int)} | {LANG: lang}
                 for lang in ("uk", "na") for r in RESPONSES * 3]
    asyncio.run(_released(tmp_path / "a.db", responses, k=3))

    async def report():
        engine = create_engine(url)
        try:
            service = SurveyService(create_session_factory(engine), {"mini": NEW})
            stored = await service.stored_answers("mini", coded=True)
            assert stored.codebook is not None and len(stored) == len(responses)
            rows = await service.answer_rows("mini")
            return stored, rows, await service.report("mini", tmp_path / "c", k=3)
        finally:
            await engine.dispose()

    stored, rows, streamed = asyncio.run(report())
    a = write_report([AnswerRow(r.wave, r.week, r.answers) for r in rows], NEW, tmp_path / "a", k=3)
    b = write_report(stored, NEW, tmp_path / "b", k=3)
    assert a.responses == len(responses) and any("gone@1" in note for note in a.notes)
    _same(a, b, tmp_path / "a", tmp_path / "b")
    _same(a, streamed, tmp_path / "a", tmp_path / "c")


def test_an_answer_the_columnar_path_cannot_count_falls_back_to_the_rows(tmp_path):
    """A number (no client sends one) is refused by the coded and the text path alike; the
    report then counts the decoded rows, with the same files."""
    asyncio.run(_released(tmp_path / "a.db", RESPONSES * 2, k=3))

    async def report():
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
        try:
            service = SurveyService(create_session_factory(engine), {"mini": NEW})
            return await service.answer_rows("mini"), await service.report("mini", tmp_path / "b", k=3)
        finally:
            await engine.dispose()

    rows, b = asyncio.run(report())
    a = write_report(rows, NEW, tmp_path / "a", k=3)
    assert a.responses == len(RESPONSES) * 2
    _same(a, b, tmp_path / "a", tmp_path / "b")


def test_answers_released_during_the_read_of_the_codes_are_in_the_report_whole_or_not_at_all(
        tmp_path, monkeypatch):
    """The (wave, week) groups are handed over one by one as they are read, but from one
    snapshot: a release committed after the first group was handed over, into the week read and
    the next, is not half in what is read."""
    import sqlite3

    from bot.surveys import reading
    from tests.test_survey_columnar import _store

    db = tmp_path / "answers.db"
    url = f"sqlite+aiosqlite:///{db}"
    rows = [AnswerRow("2026-Q3", week, {Q3: "a", LANG: "uk"}) for week in ("2026-W28", "2026-W30")] * 20
    real = reading.sqlite_codes

    released = []

    async def release_meanwhile(driver, ids):
        async for group in real(driver, ids):
            yield group
            if not released:  # another process releases 20 answers, in the week read and the next
                released.append(True)
                with sqlite3.connect(db) as other:
                    wave, codes = other.execute("SELECT wave_id, answer_codes FROM survey_answers").fetchone()
                    other.executemany(
                        "INSERT INTO survey_answers (answer_key, wave_id, week, answers, answer_codes)"
                        " VALUES (?, ?, ?, ?, ?)",
                        [(f"{n * 13:02x}" + "0" * 30, wave, f"2026-W{28 + 2 * (n % 2)}",
                          json.dumps({Q3: "a", LANG: "uk"}), codes) for n in range(20)])

    monkeypatch.setattr(reading, "sqlite_codes", release_meanwhile)

    async def run():
        await upgrade_async(url)
        service, engine = await _store(url, rows, coded=True)
        try:
            stored = await service.stored_answers("mini", coded=True)
            return len(stored), await service.report("mini", tmp_path / "out", k=3)
        finally:
            await engine.dispose()

    read, summary = asyncio.run(run())
    assert read == 40  # none of the release, though half of it went into the week read next
    assert summary.responses == 60  # the next read: all of it
