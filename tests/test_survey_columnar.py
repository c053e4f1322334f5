"""The survey report from the stored JSON text, counted column-wise (bot/surveys/columnar.py),
against the row path (the Tally over decoded rows, which it replaces for stored answers): the
same four files byte for byte and the same summary, on random answers with item versions,
multi-choice, unknown ("other") options, skipped questions, answers of no question, empty
responses, small cells and complementary suppression; from text built here, and read back from
SQLite and PostgreSQL through the store. Text the columnar path cannot read exactly (escapes,
numbers) goes to the row path, with the same files.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import secrets
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import SurveyAnswer, SurveyCode, SurveyWave
from bot.surveys import columnar
from bot.surveys.definition import archive_to_history, load_survey
from bot.surveys.report import AnswerRow, ReportSummary, write_report
from bot.surveys.store import StoredAnswers, SurveyService, Uncoded
from tests import pg
from tests.test_survey_versions import MINI, reworded

FILES = ("aggregates.csv", "index.csv", "answers.csv", "report.html")


def _editions() -> tuple:
    path = Path(tempfile.mkdtemp(prefix="belong-columnar-")) / "surveys" / "mini.yaml"
    path.parent.mkdir()
    path.write_text(MINI, encoding="utf-8")
    old = load_survey(path)
    archive_to_history(path)
    path.write_text(reworded(MINI), encoding="utf-8")
    return old, load_survey(path)


OLD, NEW = _editions()
WAVES = [("2026-Q1", "2026-W02"), ("2026-Q2", "2026-W15"), ("2026-Q3", "2026-W28")]


def _value(kind: str, options: list[str]):
    pick = st.sampled_from([*options, "zzz_other", "other"])
    if kind == "multi":
        return st.one_of(st.lists(pick, max_size=3), pick.map(lambda o: [o]))
    return pick


def _answers(edition):
    fields = {}
    for q in edition.questions:
        options = [o.id for o in q.options] or ["1", "2", "3", "4", "5"]
        if q.profile:  # skewed, so that some groups are small
            value = st.sampled_from(["uk", "uk", "uk", "uk", "na", "pl", "de", ""])
        else:
            value = _value(q.kind, options)
        fields[q.key] = st.one_of(st.none(), value)
    fields["gone@12345678"] = st.one_of(st.none(), st.just("x"))  # a key of no question
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


def _row():
    # waves 1-2 asked the old edition, wave 3 the new one: answers of different item versions
    return st.one_of(
        st.tuples(st.sampled_from(WAVES[:2]), _answers(OLD)),
        st.tuples(st.just(WAVES[2]), _answers(NEW)),
    ).map(lambda t: AnswerRow(t[0][0], t[0][1], t[1]))


ROWS = st.lists(_row(), min_size=0, max_size=160)


def _stored(rows: list[AnswerRow], per_blob: int = 7) -> StoredAnswers:
    """The text as `SurveyService.stored_answers` hands it over, built here without a database."""
    ids = {code: n + 11 for n, (code, _) in enumerate(WAVES)}
    lines = [f"{ids[r.wave]}\t{r.week}\t{json.dumps(r.answers)}" for r in rows]
    blobs = [(len(lines[i: i + per_blob]), "\n" + "\n".join(lines[i: i + per_blob]) + "\n")
             for i in range(0, len(lines), per_blob)]
    return StoredAnswers("mini", None, {n: code for code, n in ids.items()}, blobs, len(rows))


def _same(a: ReportSummary, b: ReportSummary, out_a: Path, out_b: Path) -> None:
    for name in FILES:
        assert (out_b / name).read_bytes() == (out_a / name).read_bytes(), name
    assert dataclasses.replace(b, files=[]) == dataclasses.replace(a, files=[])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, k=st.sampled_from([3, 5]), per_blob=st.sampled_from([1, 7, 1000]))
def test_columnar_report_equals_the_row_path(rows, k, per_blob):
    with tempfile.TemporaryDirectory() as tmp:
        a = write_report(rows, NEW, Path(tmp) / "a", k=k)
        b = write_report(_stored(rows, per_blob), NEW, Path(tmp) / "b", k=k)
        _same(a, b, Path(tmp) / "a", Path(tmp) / "b")


def test_the_examples_reach_primary_and_complementary_suppression(tmp_path):
    """The kind of data the property draws does reach both kinds of suppression (a fixed example)."""
    q3, lang, q1 = (NEW.question(q).key for q in ("q3", "lang", "q1"))
    rows = [AnswerRow("2026-Q3", "2026-W28", {q3: "a", lang: "uk", q1: "4"})] * 30
    rows += [AnswerRow("2026-Q3", "2026-W29", {q3: "b", lang: "pl"})] * 2
    rows += [AnswerRow("2026-Q3", "2026-W28", {q3: "other", lang: "de"})] * 7
    rows += [AnswerRow("2026-Q3", "2026-W30", {})]
    a = write_report(rows, NEW, tmp_path / "a", k=5)
    b = write_report(_stored(rows), NEW, tmp_path / "b", k=5)
    assert a.suppressed_primary > 0 and a.suppressed_complementary > 0
    _same(a, b, tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize("answers", [
    {"q3@x": "Інше"},  # non-ASCII: json.dumps writes \\u escapes
    {"q3@x": 'say "no"'},  # an escaped quote
    {"q3@x": 3},  # a number
    {"q3@x": {"a": "b"}},  # an object
])
def test_text_it_cannot_read_exactly_is_left_to_the_row_path(answers):
    rows = [AnswerRow("2026-Q3", "2026-W28", answers)] * 3
    with pytest.raises(columnar.Unsupported):
        write_report(_stored(rows), NEW, Path(tempfile.mkdtemp()), k=3)


def test_a_null_answer_counts_as_skipped_but_its_key_is_seen(tmp_path):
    q3, lang = NEW.question("q3").key, NEW.question("lang").key
    rows = [AnswerRow("2026-Q3", "2026-W28", {q3: None, lang: "uk", "gone@1": None})] * 4
    rows += [AnswerRow("2026-Q3", "2026-W28", {q3: "a", lang: None})] * 4
    a = write_report(rows, NEW, tmp_path / "a", k=3)
    b = write_report(_stored(rows), NEW, tmp_path / "b", k=3)
    assert any("gone@1" in note for note in b.notes)
    _same(a, b, tmp_path / "a", tmp_path / "b")


def test_answers_csv_order_does_not_depend_on_the_order_read(tmp_path):
    q3, lang, q1 = (NEW.question(q).key for q in ("q3", "lang", "q1"))
    rows = [AnswerRow("2026-Q3", "2026-W28", {q3: o, lang: "uk", q1: s}) for o in "ab" for s in "12345"] * 3
    b = write_report(_stored(rows), NEW, tmp_path / "b", k=3)
    c = write_report(_stored(rows[::-1], per_blob=4), NEW, tmp_path / "c", k=3)
    _same(b, c, tmp_path / "b", tmp_path / "c")
    lines = (tmp_path / "b" / "answers.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(lines) == 30 and lines != sorted(lines)  # hashed, not sorted by value


# ------------------------------------------------------------------------------ from the database
async def _store(url: str, rows, coded: bool | None = False) -> tuple[SurveyService, object]:
    """`rows` stored as released answers: with `coded`, with their codes as the store writes
    them; with None, half of them (every other row) without, as an older process wrote them."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    service = SurveyService(sessions, {"mini": NEW})
    async with sessions() as session, session.begin():
        await session.execute(delete(SurveyAnswer))
        await session.execute(delete(SurveyCode))  # committed first: the service reads it afresh
    async with sessions() as session, session.begin():
        await session.execute(delete(SurveyWave))
        ids = {}
        for code, _ in WAVES:
            wave = SurveyWave(survey="mini", code=code, opened_on=dt.date(2026, 1, 1), closed=True)
            session.add(wave)
            await session.flush()
            ids[code] = wave.id
        # another survey's answers, which no report of "mini" may read
        other = SurveyWave(survey="other", code="2026-Q3", opened_on=dt.date(2026, 1, 1), closed=True)
        session.add(other)
        await session.flush()
        session.add(SurveyAnswer(answer_key=secrets.token_hex(16), wave_id=other.id, week="2026-W28",
                                 answers={NEW.question("q3").key: "a"}))
        codebook = await service.codes_for(session, [r.answers for r in rows])
        session.add_all(SurveyAnswer(
            answer_key=secrets.token_hex(16), wave_id=ids[r.wave], week=r.week, answers=r.answers,
            answer_codes=codebook.encode(r.answers) if coded or (coded is None and n % 2) else None)
            for n, r in enumerate(rows))
    service._codebook = None  # as a fresh process: the codebook is read again
    return service, engine


async def _from_database(url: str, rows, k: int, out: Path, coded: bool | None = False) -> None:
    service, engine = await _store(url, rows, coded)
    try:
        stored = await service.stored_answers("mini")
        assert len(stored) == len(rows)
        a = write_report(await service.answer_rows("mini"), NEW, out / "a", k=k)
        b = await service.write_report(stored, out / "b", k=k)
        _same(a, b, out / "a", out / "b")
        if coded:  # counted from the codes alone, not from a fallback
            from_codes = write_report(await service.stored_answers("mini", coded=True), NEW, out / "f", k=k)
            _same(a, from_codes, out / "a", out / "f")
        elif len(rows) > 1:
            with pytest.raises(Uncoded):
                await service.stored_answers("mini", coded=True)
        assert await service.answer_count("mini") == len(rows)
        # read and counted at the same time, as the CLI and the panel do
        streamed = await service.report("mini", out / "s", k=k)
        _same(a, streamed, out / "a", out / "s")
        in_wave = sum(r.wave == "2026-Q2" for r in rows)
        assert len(await service.stored_answers("mini", "2026-Q2")) == in_wave
        assert await service.answer_count("mini", "2026-Q2") == in_wave
        if in_wave:
            c = write_report(await service.answer_rows("mini", "2026-Q2"), NEW, out / "c", k=k)
            d = await service.report("mini", out / "d", only_wave="2026-Q2", k=k)
            _same(c, d, out / "c", out / "d")
    finally:
        await engine.dispose()
    # and the same as from the rows before they were stored
    e = write_report(rows, NEW, out / "e", k=k)
    _same(e, b, out / "e", out / "b")


def _database_property(url: str, examples: int) -> None:
    """Answers stored with codes, without (as before migration 013) and half with, half without
    (the report falls back to the text for all of them): the same files each time."""
    asyncio.run(upgrade_async(url))

    @settings(max_examples=examples, deadline=None)
    @given(rows=ROWS, k=st.sampled_from([3, 5]), coded=st.sampled_from([True, False, None]))
    def check(rows, k, coded):
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(_from_database(url, rows, k, Path(tmp), coded))

    check()


def _fallback(url: str) -> None:
    """Escaped text read from the database goes through the row path, with the same files."""
    asyncio.run(upgrade_async(url))
    q3, lang = NEW.question("q3").key, NEW.question("lang").key
    rows = [AnswerRow("2026-Q3", "2026-W28", {q3: "Інше\t", lang: "uk"})] * 4
    rows += [AnswerRow("2026-Q3", "2026-W28", {q3: "a", lang: "uk"})] * 4
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        async def run():
            service, engine = await _store(url, rows)
            try:
                stored = await service.stored_answers("mini")
                with pytest.raises(columnar.Unsupported):
                    write_report(stored, NEW, out / "x", k=3)
                return await service.report("mini", out / "b", k=3)
            finally:
                await engine.dispose()

        b = asyncio.run(run())
        a = write_report(rows, NEW, out / "a", k=3)
        _same(a, b, out / "a", out / "b")
        assert "Інше" in (out / "b" / "answers.csv").read_text(encoding="utf-8")


def test_columnar_report_from_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'answers.db'}"
    _database_property(url, 45)
    _fallback(url)


@pytest.mark.skipif(not pg.available(), reason="no PostgreSQL server binaries (CI installs them)")
def test_columnar_report_from_postgresql():
    with pg.postgres_server() as url:
        _database_property(url, 30)
        _fallback(url)


def test_a_failed_read_writes_no_report(tmp_path, monkeypatch):
    """If reading stops half-way, the report counted meanwhile is not written from part of the answers."""
    from bot.surveys import reading

    url = f"sqlite+aiosqlite:///{tmp_path / 'answers.db'}"
    q3, lang = NEW.question("q3").key, NEW.question("lang").key
    rows = [AnswerRow("2026-Q3", "2026-W28", {q3: "a", lang: "uk"})] * 40

    async def half_then_fail(driver, ids):
        async for piece in real(driver, ids):
            yield piece
            raise OSError("disk went away")

    real = reading.sqlite_text
    monkeypatch.setattr(reading, "sqlite_text", half_then_fail)

    async def run():
        await upgrade_async(url)
        service, engine = await _store(url, rows)
        try:
            with pytest.raises(OSError, match="disk went away"):
                await service.report("mini", tmp_path / "out", k=3)
        finally:
            await engine.dispose()

    asyncio.run(run())
    assert not (tmp_path / "out").exists()


def test_answers_released_during_the_read_are_in_the_report_whole_or_not_at_all(tmp_path, monkeypatch):
    """The 256 range scans read one snapshot: a release committed between two of them is not
    half in the report (its rows have random keys, so they fall into ranges read before and after)."""
    import sqlite3

    from bot.surveys import reading

    db = tmp_path / "answers.db"
    url = f"sqlite+aiosqlite:///{db}"
    q3, lang = NEW.question("q3").key, NEW.question("lang").key
    rows = [AnswerRow("2026-Q3", "2026-W28", {q3: "a", lang: "uk"})] * 40
    real = reading.sqlite_text

    async def release_meanwhile(driver, ids):
        first = True
        async for piece in real(driver, ids):
            yield piece
            if first:  # another process releases 20 answers, with keys in every range
                first = False
                with sqlite3.connect(db) as other:
                    wave = other.execute("SELECT id FROM survey_waves WHERE code = '2026-Q3' "
                                         "AND survey = 'mini'").fetchone()[0]
                    other.executemany(
                        "INSERT INTO survey_answers (answer_key, wave_id, week, answers) VALUES (?, ?, ?, ?)",
                        [(f"{n * 13:02x}" + secrets.token_hex(15), wave, "2026-W29",
                          json.dumps({q3: "b", lang: "uk"})) for n in range(20)])

    monkeypatch.setattr(reading, "sqlite_text", release_meanwhile)

    async def run():
        await upgrade_async(url)
        service, engine = await _store(url, rows)
        try:
            return await service.report("mini", tmp_path / "out", k=3)
        finally:
            await engine.dispose()

    summary = asyncio.run(run())
    assert summary.responses == 40
