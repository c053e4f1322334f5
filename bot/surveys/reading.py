"""Reading the released answers out of the database in a few large pieces, for the report.

As text (`sqlite_text`, `postgres_text`: each row's JSON as stored) or as codes (`sqlite_codes`,
`postgres_codes`: `surveys.codes`, per wave and week); `SurveyService.report` chooses. Each
piece is one large string, so reading a million rows creates a few hundred Python objects.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from bot.surveys.codes import Codebook


@dataclass(frozen=True)
class StoredAnswers:
    """Released answers as text, for the report to decode column-wise (`surveys.columnar`).

    Each line is `<wave id>\t<week>\t<answers JSON as stored>`; each of the few large strings
    in `blobs` is lines, each line with a line break before and after it ("\nA\nB\n"), so
    reading a million rows creates a few hundred Python objects, not millions. With a
    `codebook`, `blobs` holds (rows, codes, wave id, week) per wave and week instead: the
    codes of its rows (`surveys.codes`), each row's after a line "-1".
    """

    slug: str
    wave: str | None  # the wave asked for, or None for every wave
    waves: dict[int, str]  # wave id -> wave code
    blobs: Iterable[Any]  # (rows in it, text, ...); an iterator while still being read
    count: int | None  # None while still being read
    codebook: Codebook | None = None  # the lines hold codes of this codebook, not JSON text

    def __len__(self) -> int:
        return self.count or 0


# SQLite: one aggregate per key range, each a plain range scan of the primary key (no sort); a
# key is 32 hex digits, but the first and last ranges are open, so any key is read.
_BOUNDS = [f"{n:02x}" for n in range(1, 256)]
_RANGES = ([("answer_key < ?", (_BOUNDS[0],))]
           + [("answer_key >= ? AND answer_key < ?", (a, b)) for a, b in itertools.pairwise(_BOUNDS)]
           + [("answer_key >= ?", (_BOUNDS[-1],))])


class Uncoded(Exception):
    """An answer in scope was stored without codes (by a process older than migration 013)."""


def wave_ids(waves: dict[int, str]) -> str:
    return ",".join(str(int(w)) for w in sorted(waves))  # integers from the database


async def nothing() -> AsyncIterator[tuple[int, str]]:
    return
    yield


async def sqlite_text(driver: Any, ids: str) -> AsyncIterator[tuple[int, str]]:
    # One read transaction around all the scans: they see one snapshot, so a release committed
    # meanwhile is in the report whole or not at all (sqlite3 starts none for a SELECT).
    began = not driver.in_transaction
    if began:
        await driver.execute("BEGIN")
    try:
        for condition, args in _RANGES:
            cursor = await driver.execute(
                "SELECT count(*), char(10) || group_concat(wave_id || char(9) || week || char(9) || answers,"
                " char(10)) || char(10)"
                f" FROM survey_answers WHERE wave_id IN ({ids}) AND {condition}", args)
            n, blob = await cursor.fetchone()
            await cursor.close()
            if n:
                yield n, blob
    finally:
        if began:
            await driver.rollback()


# The codes of one (wave, week) at a time, each row's after a line "-1" (`surveys.coded`). SQLite
# reads them from the covering index on (wave id, week, codes) alone, already in that order: no
# sort, no table row and no JSON text is read, and each group is handed over as it is complete.
_CODED = ("SELECT wave_id, week, count(*), count(answer_codes), {concat}(answer_codes, {separator})"
          " FROM survey_answers WHERE wave_id IN ({ids}) GROUP BY wave_id, week")


async def sqlite_codes(driver: Any, ids: str) -> AsyncIterator[Any]:
    # The caller holds the read transaction (one snapshot with the codebook).
    cursor = await driver.execute(_CODED.format(concat="group_concat", separator="char(10) || '-1'",
                                                ids=ids))
    try:
        while row := await cursor.fetchone():
            yield _group(*row)
    finally:
        await cursor.close()


async def postgres_codes(driver: Any, ids: str) -> AsyncIterator[Any]:
    for row in await driver.fetch(_CODED.format(concat="string_agg", separator="E'\\n-1'", ids=ids)):
        yield _group(*row)


def _group(wave_id: int, week: str, n: int, coded: int, codes: str | None) -> tuple[int, str, int, str]:
    if coded != n:
        raise Uncoded("an answer without codes")
    return n, "-1" + (codes or ""), wave_id, week


async def postgres_text(driver: Any, ids: str) -> AsyncIterator[tuple[int, str]]:
    # COPY's text format is the same line layout; it escapes a backslash, tab or line break inside
    # a field with a backslash, which the columnar path sees and leaves to the row path.
    chunks: list[bytes] = []

    async def collect(chunk: bytes) -> None:
        chunks.append(chunk)

    await driver.copy_from_query(
        f"SELECT wave_id, week, answers::text FROM survey_answers WHERE wave_id IN ({ids})",
        output=collect, format="text")
    text = b"".join(chunks).decode("utf-8")
    if text:
        yield text.count("\n"), "\n" + text
