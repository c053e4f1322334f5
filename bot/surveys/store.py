"""Survey waves, consent and the anonymous answer store.

The problem: the strategy team needs answers it can trust, and the people answering need
a promise that nobody, staff included, can tell which answers are theirs. So the two facts
a completion produces are written apart: the participation record (this person took part in
this wave: needed for one response per wave and for reminders) holds no answers, and the
answers go to a holding area with no user reference. Once at least K responses of a wave wait
there (or the wave closes), they are released into the answers table in shuffled order with
fresh random keys, so neither row order, storage order, key nor time (only the ISO week is
kept) links an answer to a participation record. In-progress answers never reach the database:
they live in the dialog state and are gone when the survey is completed or stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import queue
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import SurveyAnswer, SurveyCode, SurveyHolding, SurveyParticipation, SurveyWave, User
from bot.i18n import Refusal, _
from bot.surveys import reading
from bot.surveys.codes import Codebook
from bot.surveys.definition import Survey
from bot.surveys.reading import StoredAnswers, Uncoded, wave_ids

DEFAULT_K = 10
_shuffle = secrets.SystemRandom().shuffle


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def quarter_code(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class WaveInfo:
    id: int
    survey: str
    code: str
    closed: bool
    release_k: int


@dataclass(frozen=True)
class Completion:
    accepted: bool  # False: this person already completed this wave
    released: int  # responses released into the answers table by this completion


class SurveyError(Refusal):
    """A request about waves refused; `text(lang)` says why, for the staff member."""


def _wave_exists(code: str, slug: str) -> SurveyError:
    return SurveyError(_("Wave {wave} of {survey} exists already."), wave=code, survey=slug)


def _wave(row: SurveyWave) -> WaveInfo:
    return WaveInfo(row.id, row.survey, row.code, row.closed, row.release_k)


class SurveyService:
    def __init__(self, sessions: async_sessionmaker, surveys: dict[str, Survey]) -> None:
        self._sessions = sessions
        self.surveys = surveys
        self._codebook: Codebook | None = None  # committed codes only: they never change

    # ------------------------------------------------------------ waves
    async def open_wave(self, slug: str, code: str | None = None, k: int = DEFAULT_K) -> WaveInfo:
        if slug not in self.surveys:
            raise SurveyError(_("Unknown survey “{survey}”."), survey=slug)
        if k < 1:
            raise SurveyError(_("K (the smallest group released) must be at least 1."))
        code = code or quarter_code(_today())
        async with self._sessions() as session:
            exists = await session.scalar(
                select(SurveyWave).where(SurveyWave.survey == slug, SurveyWave.code == code))
            if exists is not None:
                raise _wave_exists(code, slug)
            for wave in (await session.scalars(select(SurveyWave).where(
                    SurveyWave.survey == slug, SurveyWave.closed.is_(False)))).all():
                await self._close(session, wave)
            row = SurveyWave(survey=slug, code=code, opened_on=_today(), closed=False, release_k=k)
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:  # opened at the same moment by another launch or process
                await session.rollback()
                raise _wave_exists(code, slug) from None
            return _wave(row)

    async def ensure_first_wave(self, slug: str) -> WaveInfo | None:
        """A bundled survey that never had a wave gets one, so a fresh install can be tried."""
        async with self._sessions() as session:
            any_wave = await session.scalar(select(func.count()).select_from(SurveyWave).where(
                SurveyWave.survey == slug))
        if any_wave or slug not in self.surveys:
            return None
        return await self.open_wave(slug)

    async def close_wave(self, slug: str, code: str | None = None) -> int:
        """Close the open wave (or the named one); releases whatever is still waiting."""
        async with self._sessions() as session:
            stmt = select(SurveyWave).where(SurveyWave.survey == slug)
            stmt = stmt.where(SurveyWave.code == code) if code else stmt.where(
                SurveyWave.closed.is_(False))
            wave = await session.scalar(stmt)
            if wave is None:
                raise (SurveyError(_("There is no wave {wave} of {survey}."), wave=code,
                                   survey=slug) if code else
                       SurveyError(_("No wave of {survey} is open."), survey=slug))
            released = await self._close(session, wave)
            await session.commit()
            return released

    async def _close(self, session: AsyncSession, wave: SurveyWave) -> int:
        wave.closed = True
        return await self._release(session, wave.id, minimum=1)

    async def open_waves(self) -> list[WaveInfo]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(SurveyWave).where(
                SurveyWave.closed.is_(False)).order_by(SurveyWave.id))).all()
        return [_wave(r) for r in rows if r.survey in self.surveys]

    async def waves(self, slug: str) -> list[WaveInfo]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(SurveyWave).where(
                SurveyWave.survey == slug).order_by(SurveyWave.id))).all()
        return [_wave(r) for r in rows]

    async def wave(self, wave_id: int) -> WaveInfo | None:
        async with self._sessions() as session:
            row = await session.get(SurveyWave, wave_id)
        return _wave(row) if row else None

    # ------------------------------------------------------------ people
    @staticmethod
    async def _user_id(session: AsyncSession, user_id: int) -> int | None:
        """The id if such a person exists (they may have been erased meanwhile)."""
        return await session.scalar(select(User.id).where(User.id == user_id))

    async def completed(self, user_id: int, wave_id: int) -> bool:
        async with self._sessions() as session:
            uid = await self._user_id(session, user_id)
            if uid is None:
                return False
            return bool(await session.scalar(select(SurveyParticipation.completed).where(
                SurveyParticipation.wave_id == wave_id, SurveyParticipation.user_id == uid)))

    async def consent(self, user_id: int, wave_id: int) -> bool:
        """Record that the person agreed and started. False if they already completed."""
        async with self._sessions() as session:
            uid = await self._user_id(session, user_id)
            if uid is None:
                raise SurveyError(_("Unknown user."))
            row = await session.scalar(select(SurveyParticipation).where(
                SurveyParticipation.wave_id == wave_id, SurveyParticipation.user_id == uid))
            if row is not None:
                return not row.completed
            session.add(SurveyParticipation(wave_id=wave_id, user_id=uid, completed=False))
            await session.commit()
            return True

    async def abandon(self, user_id: int, wave_id: int) -> None:
        """Stop: nothing of an unfinished survey is kept, not even that it was started."""
        async with self._sessions() as session:
            uid = await self._user_id(session, user_id)
            if uid is None:
                return
            await session.execute(delete(SurveyParticipation).where(
                SurveyParticipation.wave_id == wave_id, SurveyParticipation.user_id == uid,
                SurveyParticipation.completed.is_(False)))
            await session.commit()

    async def complete(self, user_id: int, wave_id: int, answers: dict[str, Any]) -> Completion:
        async with self._sessions() as session:
            wave = await session.scalar(
                select(SurveyWave).where(SurveyWave.id == wave_id).with_for_update())
            uid = await self._user_id(session, user_id)
            if wave is None or uid is None:
                raise SurveyError(_("Unknown wave or user."))
            if wave.closed:
                raise SurveyError(_("The wave is closed."))
            row = await session.scalar(select(SurveyParticipation).where(
                SurveyParticipation.wave_id == wave_id, SurveyParticipation.user_id == uid))
            if row is not None and row.completed:
                return Completion(False, 0)
            if row is None:
                session.add(SurveyParticipation(wave_id=wave_id, user_id=uid, completed=True))
            else:
                row.completed = True
            session.add(SurveyHolding(holding_key=secrets.token_hex(16), wave_id=wave_id,
                                      week=iso_week(_today()), answers=dict(answers)))
            await session.flush()
            released = await self._release(session, wave_id, minimum=wave.release_k)
            await session.commit()
            return Completion(True, released)

    async def _release(self, session: AsyncSession, wave_id: int, minimum: int) -> int:
        waiting = list((await session.scalars(select(SurveyHolding).where(
            SurveyHolding.wave_id == wave_id))).all())
        if len(waiting) < minimum or not waiting:
            return 0
        _shuffle(waiting)
        codebook = await self.codes_for(session, [h.answers for h in waiting])
        # Fresh keys: a holding key never reappears, so the two tables cannot be matched.
        session.add_all(SurveyAnswer(answer_key=secrets.token_hex(16), wave_id=wave_id, week=h.week,
                                     answers=h.answers, answer_codes=codebook.encode(h.answers))
                        for h in waiting)
        await session.execute(delete(SurveyHolding).where(
            SurveyHolding.holding_key.in_([h.holding_key for h in waiting])))
        return len(waiting)

    # ------------------------------------------------------------ the codebook
    async def seed_codes(self) -> None:
        """Number what the survey definitions can be answered with (at start, before answers)."""
        async with self._sessions() as session:
            await self.codes_for(session, [])
            await session.commit()

    async def codes_for(self, session: AsyncSession, answers: list[dict[str, Any]]) -> Codebook:
        """A codebook that numbers the definitions and every pair in `answers`; pairs new to the
        database are added in `session` (the caller commits). See `surveys.codes`."""
        surveys = [self.surveys[slug] for slug in sorted(self.surveys)]
        if self._codebook is None or self._codebook.missing(surveys, answers):
            async with self._sessions() as fresh:  # committed rows only: safe to keep
                self._codebook = Codebook((await fresh.execute(_CODES)).all())
        if not self._codebook.missing(surveys, answers):
            return self._codebook
        if session.get_bind().dialect.name == "postgresql":  # one numbering at a time; SQLite has one writer
            await session.execute(text("LOCK TABLE survey_codes IN EXCLUSIVE MODE"))
        # Not kept: if this transaction rolls back, its numbers are free again.
        codebook = Codebook((await session.execute(_CODES)).all())
        rows = codebook.add(codebook.missing(surveys, answers))
        session.add_all(SurveyCode(code=c, question_key=k, value=v) for c, k, v in rows)
        await session.flush()
        return codebook

    async def set_pushes(self, user_id: int, on: bool) -> None:
        # One owner for every push opt-in: /surveys and /settings change the same flag.
        from bot.users_prefs import PushPreferences

        await PushPreferences(self._sessions).set_survey_invites(user_id, on)

    async def pushes(self, user_id: int) -> bool:
        async with self._sessions() as session:
            return bool(await session.scalar(select(User.survey_pushes).where(
                User.id == user_id)))

    async def participations(self, user_id: int) -> list[tuple[str, str, bool]]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(SurveyWave.survey, SurveyWave.code, SurveyParticipation.completed)
                .join(SurveyParticipation, SurveyParticipation.wave_id == SurveyWave.id)
                .where(SurveyParticipation.user_id == user_id))).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    # ------------------------------------------------------------ results
    async def released_count(self, wave_id: int) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(SurveyAnswer).where(
                SurveyAnswer.wave_id == wave_id)) or 0)

    async def share_choosing(self, wave_id: int, question_key: str, options: set[str]
                             ) -> tuple[int, int] | None:
        """(how many of those who answered chose one of `options`, how many answered), over
        released answers only, or None below K."""
        wave = await self.wave(wave_id)
        if wave is None:
            return None
        async with self._sessions() as session:
            rows = (await session.scalars(select(SurveyAnswer.answers).where(
                SurveyAnswer.wave_id == wave_id))).all()
        answered = [r.get(question_key) for r in rows if r.get(question_key) is not None]
        if len(answered) < wave.release_k:
            return None
        chosen = sum(1 for a in answered if str(a) in options)
        return chosen, len(answered)

    async def stored_answers(self, slug: str, wave_code: str | None = None, *,
                             coded: bool = False) -> StoredAnswers:
        """The released answers of `slug` (one wave or all) as text, or with `coded` as codes
        (`Uncoded` if an answer has none), read in a few large pieces."""
        async with (self._codes if coded else self._text)(slug, wave_code) as (waves, codebook, pieces):
            blobs = [piece async for piece in pieces]
        return StoredAnswers(slug, wave_code, waves, blobs, sum(piece[0] for piece in blobs), codebook)

    async def answer_count(self, slug: str, wave_code: str | None = None) -> int:
        """How many answers of `slug` (or of one wave) have been released (counted on the wave
        index, without reading the answers)."""
        waves = select(SurveyWave.id).where(SurveyWave.survey == slug)
        if wave_code:
            waves = waves.where(SurveyWave.code == wave_code)
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(SurveyAnswer).where(
                SurveyAnswer.wave_id.in_(waves))) or 0)

    async def report(self, slug: str, out: Any, *, only_wave: str | None = None, coded: bool = True,
                     **options: Any) -> Any:
        """`report.write_report` over the released answers of `slug` (or of `only_wave`), counted
        column-wise while the rest is still being read: from their codes (`surveys.codes`) when
        every one of them has codes, else from their text; text the columnar path does not read
        exactly (`columnar.Unsupported`) goes through the decoded rows. Each is the whole
        report or nothing: a fallback starts again from the start. `coded=False` reads the text
        (the benchmark's figure from before the codes)."""
        from bot.surveys.columnar import Unsupported

        with contextlib.suppress(Uncoded, Unsupported):
            if not coded:
                raise Uncoded("asked for the text")
            _, work = await self._counted(self._codes(slug, only_wave), slug, only_wave, out, options)
            return await work
        answers, work = await self._counted(self._text(slug, only_wave), slug, only_wave, out, options)
        return await self._or_rows(work, answers, out, options)

    async def _counted(self, source: Any, slug: str, only_wave: str | None, out: Any,
                       options: dict) -> tuple[StoredAnswers, asyncio.Future]:
        from bot.surveys.report import write_report

        items: queue.SimpleQueue = queue.SimpleQueue()

        def drain() -> Iterator[Any]:
            while (item := items.get()) is not None:
                if item is _ABORTED:  # never count (and write) a report of part of the answers
                    raise SurveyError("reading the answers failed")
                yield item

        survey = self.surveys[slug]
        async with source as (waves, codebook, pieces):
            answers = StoredAnswers(slug, only_wave, waves, drain(), None, codebook)
            work = asyncio.ensure_future(asyncio.to_thread(write_report, answers, survey, out, **options))
            try:
                async for piece in pieces:
                    items.put(piece)
            except BaseException:
                items.put(_ABORTED)
                with contextlib.suppress(Exception):
                    await work  # the worker stops before writing anything; the reading error is raised
                raise
            items.put(None)
        return answers, work

    async def write_report(self, answers: StoredAnswers, out: Any, **options: Any) -> Any:
        """`report.write_report` over answers read by `stored_answers`, in a worker thread."""
        from bot.surveys.report import write_report

        survey = self.surveys[answers.slug]
        work = asyncio.ensure_future(asyncio.to_thread(write_report, answers, survey, out, **options))
        return await self._or_rows(work, answers, out, options)

    async def _or_rows(self, work: asyncio.Future, answers: StoredAnswers, out: Any, options: dict) -> Any:
        from bot.surveys.columnar import Unsupported
        from bot.surveys.report import write_report

        try:
            return await work
        except Unsupported:
            rows = await self.answer_rows(answers.slug, answers.wave)
            return await asyncio.to_thread(write_report, rows, self.surveys[answers.slug], out, **options)

    @staticmethod
    async def _waves(session: AsyncSession, slug: str, wave_code: str | None) -> dict[int, str]:
        stmt = select(SurveyWave.id, SurveyWave.code).where(SurveyWave.survey == slug)
        if wave_code:
            stmt = stmt.where(SurveyWave.code == wave_code)
        return {wave_id: code for wave_id, code in (await session.execute(stmt)).all()}

    @contextlib.asynccontextmanager
    async def _text(self, slug: str, wave_code: str | None) -> AsyncIterator[_Source]:
        async with self._sessions() as session:
            waves = await self._waves(session, slug, wave_code)
            if not waves:
                yield waves, None, reading.nothing()
                return
            conn = await session.connection()
            driver = (await conn.get_raw_connection()).driver_connection
            text = reading.sqlite_text if conn.dialect.name == "sqlite" else reading.postgres_text
            yield waves, None, text(driver, wave_ids(waves))

    @contextlib.asynccontextmanager
    async def _codes(self, slug: str, wave_code: str | None) -> AsyncIterator[_Source]:
        """The codes of the answers and the codebook, read in one snapshot (so every code read
        is in the codebook read); `Uncoded` if an answer in scope has no codes."""
        async with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            conn = await session.connection(
                execution_options={} if sqlite else {"isolation_level": "REPEATABLE READ"})
            driver = (await conn.get_raw_connection()).driver_connection
            began = sqlite and not driver.in_transaction
            if began:  # sqlite3 starts no transaction for a SELECT
                await driver.execute("BEGIN")
            try:
                waves = await self._waves(session, slug, wave_code)
                if waves and await session.scalar(select(SurveyAnswer.wave_id).where(
                        SurveyAnswer.wave_id.in_(list(waves)), SurveyAnswer.answer_codes.is_(None)
                ).limit(1)) is not None:
                    raise Uncoded("an answer without codes")  # the partial index answers this
                codebook = Codebook((await session.execute(_CODES)).all())
                codes = reading.sqlite_codes if sqlite else reading.postgres_codes
                yield waves, codebook, codes(driver, wave_ids(waves)) if waves else reading.nothing()
            finally:
                if began:
                    await driver.rollback()

    async def answer_rows(self, slug: str, wave_code: str | None = None) -> list[Any]:
        from bot.surveys.report import AnswerRow  # the analysis side loads only for reports

        async with self._sessions() as session:
            stmt = (select(SurveyWave.code, SurveyAnswer.week, SurveyAnswer.answers)
                    .join(SurveyWave, SurveyWave.id == SurveyAnswer.wave_id)
                    .where(SurveyWave.survey == slug))
            if wave_code:
                stmt = stmt.where(SurveyWave.code == wave_code)
            result = await session.stream(stmt.execution_options(yield_per=10_000))
            return [AnswerRow(wave=code, week=week, answers=answers)
                    async for code, week, answers in result]


_ABORTED: Any = object()
_CODES = select(SurveyCode.code, SurveyCode.question_key, SurveyCode.value)
_Source = tuple[dict[int, str], Codebook | None, AsyncIterator[Any]]
