"""Benchmark of the survey report on synthetic answers to the bundled `belonging` survey, read
from a SQLite answer store, as `python -m bot survey report` and the panel read it.

Run from the project root:  python bench/bench_survey_report.py  [--rows N] [--repeat 3] [--k K]

It generates N responses (default 1,000,000; deterministic seed) in 4 waves of unequal size,
with skewed, correlated answers (a latent feeling of belonging drives the index items), skipped
questions, realistic profile bands including a couple of very rare ones (so that suppression has
work to do), and a change of items: the retired `trust` (three institutions in one statement, from
content/surveys/history/) is asked in waves 1-2, the three items that replaced it in waves 3-4, and
stores them in a SQLite file as the store does (one JSON text per row and its codes, numbered and
written by the store's own `SurveyService.codes_for` and `Codebook.encode`; fresh random keys;
built once, then kept in the temp directory for later runs). Then, `--repeat` times, in turn:

* old path: `SurveyService.answer_rows` (SQLAlchemy, a dict per row) and `write_report` over them;
* text path (the figure before the codes): `SurveyService.report(coded=False)`: the JSON text read
  in 256 pieces and counted column-wise in Polars (bot/surveys/columnar.py) while the rest is
  still being read;
* coded path (now): `SurveyService.report`: the codes alone, as lines of integers
  (bot/surveys/coded.py), counted by the same Polars back end;
* floor: every row read with sqlite3 and written with a bare `csv.writer`, touching each row once.

It prints the medians, the load average, and what each stage of the last run took; it stops with
an error if the text or coded path's four files differ from the old path's in any byte.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import filecmp
import hashlib
import inspect
import json
import os
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_ROOT
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.surveys.codes import Codebook
from bot.surveys.definition import Survey, load_survey
from bot.surveys.report import AnswerRow, write_report
from bot.surveys.store import SurveyService

SEED = 20261126
TARGET_SECONDS = 3.0  # issue 14, for TARGET_ROWS responses
TARGET_ROWS = 1_000_000
TARGET_FLOOR_SECONDS = 3.3  # the csv.writer floor on the machine the issue measured
WAVES = [("2025-Q4", "2025-W", 40, 0.12), ("2026-Q1", "2026-W", 1, 0.22),
         ("2026-Q2", "2026-W", 14, 0.30), ("2026-Q3", "2026-W", 27, 0.36)]
PROFILE_WEIGHTS = {
    "years_in_poland": {"under_1": 8, "1_2": 22, "3_5": 45, "over_5": 15, "na": 10},
    "age_band": {"under_25": 14, "25_34": 33, "35_44": 30, "45_54": 13, "55_plus": 5, "na": 5},
    "area": {"tricity": 58, "other_town": 27, "rural": 9, "na": 6},
    # en and ka are rare on purpose: a few responses per wave, so some groups are suppressed
    "main_language": {"uk": 62, "ru": 14, "be": 6, "pl": 3, "en": 0.003, "ka": 0.004, "other": 2, "na": 13},
}
HELP_WEIGHTS = {"work": 30, "housing": 34, "health": 22, "language": 28, "education": 9, "legal_stay": 25,
                "social_help": 8, "none": 12}
SKIP = 0.04  # chance a core question is skipped
PROFILE_SKIP = 0.08  # chance a profile question is skipped (counted as prefer not to say)


def generate(n: int, survey: Survey, seed: int = SEED) -> list[AnswerRow]:
    rng = random.Random(seed)
    likert = [q for q in survey.core(retired=True) if q.kind == "likert"]
    sizes = [int(n * share) for *_, share in WAVES]
    sizes[-1] += n - sum(sizes)
    rows: list[AnswerRow] = []
    for (wave, week_prefix, first_week, _), size in zip(WAVES, sizes, strict=True):
        latent = rng.choices(range(5), weights=[6, 14, 30, 32, 18], k=size)
        columns: dict[str, list] = {}
        early = wave in {"2025-Q4", "2026-Q1"}
        for q in likert:
            if (q.id == "trust" and not early) or (q.id.startswith("trust_") and early):
                continue
            noise = rng.choices((-2, -1, 0, 0, 0, 1, 2), k=size)
            reverse = q.reverse or q.id in {"stay"}
            values = [str(1 + min(4, max(0, (4 - lv if reverse else lv) + d))) for lv, d in zip(latent, noise,
                                                                                                  strict=True)]
            columns[q.key] = values
        disc = survey.question("discrimination")
        columns[disc.key] = rng.choices(["no", "once", "often", "na"], weights=[58, 24, 10, 8], k=size)
        help_q = survey.question("help_areas")
        picks = rng.choices(list(HELP_WEIGHTS), weights=list(HELP_WEIGHTS.values()), k=size * 3)
        counts = rng.choices((1, 2, 3), weights=(50, 35, 15), k=size)
        columns[help_q.key] = [sorted(set(picks[3 * i: 3 * i + c])) for i, c in enumerate(counts)]
        for var, weights in PROFILE_WEIGHTS.items():
            bands = list(weights)
            columns[survey.question(var).key] = rng.choices(bands, weights=list(weights.values()), k=size)
        keys = list(columns)
        skips = {key: PROFILE_SKIP if key.split("@")[0] in PROFILE_WEIGHTS else SKIP for key in keys}
        masks = {key: [r >= skips[key] for r in (rng.random() for _ in range(size))] for key in keys}
        weeks = [f"{week_prefix}{first_week + w:02d}" for w in rng.choices(range(12), k=size)]
        table = [columns[key] for key in keys]
        keep = [masks[key] for key in keys]
        for i in range(size):
            answers = {key: col[i] for key, col, m in zip(keys, table, keep, strict=True) if m[i]}
            rows.append(AnswerRow(wave, weeks[i], answers))
    return rows


FILES = ("aggregates.csv", "index.csv", "answers.csv", "report.html")


def answers_db(n: int, survey: Survey) -> Path:
    """The SQLite file with the generated answers, built once per size and generator."""
    source = inspect.getsource(generate) + repr((SEED, WAVES, PROFILE_WEIGHTS, HELP_WEIGHTS, SKIP,
                                                 PROFILE_SKIP, [q.key for q in survey.questions],
                                                 "codes 2"))
    digest = f"{n}-{hashlib.sha256(source.encode()).hexdigest()[:12]}"
    path = Path(tempfile.gettempdir()) / f"belong-bench-survey-{digest}.db"
    if path.exists():
        return path
    t0 = time.perf_counter()
    rows = generate(n, survey)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    upgrade(f"sqlite+aiosqlite:///{partial}")
    codebook = asyncio.run(_codebook(partial, survey, rows))
    with contextlib.closing(sqlite3.connect(partial)) as con:
        ids = {}
        for code, *_ in WAVES:
            ids[code] = con.execute(
                "INSERT INTO survey_waves (survey, code, opened_on, closed, release_k)"
                " VALUES (?, ?, ?, 1, 10)", (survey.slug, code, "2026-01-01")).lastrowid
        # The JSON text exactly as SQLAlchemy's JSON type writes it (json.dumps), the codes as the
        # store's release writes them, fresh random keys as it gives them.
        con.executemany("INSERT INTO survey_answers (answer_key, wave_id, week, answers, answer_codes)"
                        " VALUES (?, ?, ?, ?, ?)",
                        ((secrets.token_hex(16), ids[r.wave], r.week, json.dumps(r.answers),
                          codebook.encode(r.answers)) for r in rows))
        con.commit()
        con.execute("PRAGMA journal_mode=DELETE")  # everything in the one file before it is renamed
    partial.rename(path)
    print(f"generated {n:,} responses into {path} in {time.perf_counter() - t0:.0f} s (kept for later runs)")
    return path


async def _codebook(db: Path, survey: Survey, rows: list[AnswerRow]) -> Codebook:
    """The codebook as the store's releases would leave it: the definition first, then the rest."""
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        sessions = create_session_factory(engine)
        service = SurveyService(sessions, {survey.slug: survey})
        await service.seed_codes()
        async with sessions() as session:
            codebook = await service.codes_for(session, [r.answers for r in rows])
            await session.commit()
        return codebook
    finally:
        await engine.dispose()


def csv_floor(db: Path, out: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(db) as con, out.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(con.execute("SELECT wave_id, week, answers FROM survey_answers"))
    return time.perf_counter() - start


class Stages:
    """Wall time per stage, as write_report (and the reading before it) reports them."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.times.append((name, now - self.last))
        self.last = now


async def old_path(service: SurveyService, out: Path, k: int, stages: Stages):
    rows = await service.answer_rows("belonging")
    stages("read rows (SQLAlchemy, a dict each)")
    return write_report(rows, service.surveys["belonging"], out, k=k, stage=stages)


async def text_path(service: SurveyService, out: Path, k: int, stages: Stages):
    # The text is counted while the rest is still being read, so the first stage ("cut the text
    # into pieces") includes the reading.
    return await service.report("belonging", out, k=k, stage=stages, coded=False)


async def coded_path(service: SurveyService, out: Path, k: int, stages: Stages):
    # As the CLI and the panel; the first stage ("read the codes") includes the reading.
    return await service.report("belonging", out, k=k, stage=stages)


def timed(path, service: SurveyService, out: Path, k: int) -> tuple[float, Stages, Any]:
    stages = Stages()
    start = stages.last
    summary = asyncio.run(path(service, out, k, stages))
    return time.perf_counter() - start, stages, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; the median is shown")
    args = parser.parse_args()
    survey = load_survey(PROJECT_ROOT / "content" / "surveys" / "belonging.yaml")
    db = answers_db(args.rows, survey)
    load_before = os.getloadavg()
    paths = {"old": old_path, "text": text_path, "coded": coded_path}
    times: dict[str, list[float]] = {name: [] for name in paths}
    stages: dict[str, Stages] = {}
    floors = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            # a fresh engine per run: nothing cached between runs but the OS's file cache
            engine = create_engine(f"sqlite+aiosqlite:///{db}")
            service = SurveyService(create_session_factory(engine), {"belonging": survey})
            summaries = {}
            for name, path in paths.items():
                seconds, stages[name], summaries[name] = timed(path, service, Path(tmp) / name, args.k)
                times[name].append(seconds)
            asyncio.run(engine.dispose())
            floors.append(csv_floor(db, Path(tmp) / "floor.csv"))
            old_out, old_summary = Path(tmp) / "old", summaries["old"]
            for name in ("text", "coded"):
                differ = [f for f in FILES
                          if not filecmp.cmp(old_out / f, Path(tmp) / name / f, shallow=False)]
                if differ or replace(summaries[name], files=[]) != replace(old_summary, files=[]):
                    print(f"run {run + 1}: the {name} path's files differ from the old path's: "
                          f"{', '.join(differ) or 'summary'}", file=sys.stderr)
                    return 1
            print(f"run {run + 1}: old {times['old'][-1]:.2f} s, text {times['text'][-1]:.2f} s, "
                  f"coded {times['coded'][-1]:.2f} s, floor {floors[-1]:.2f} s; files identical", flush=True)
        summary = summaries["coded"]
        sizes = {name: (Path(tmp) / "coded" / name).stat().st_size for name in FILES}
    load_after = os.getloadavg()
    old, text, coded = (statistics.median(times[name]) for name in paths)
    floor = statistics.median(floors)
    n = summary.responses
    print(f"rows:               {n:,} in {len(summary.waves)} waves ({', '.join(summary.waves)}), "
          f"from {db.name}")
    print(f"old path:           {old:.2f} s  ({n / old:,.0f} rows/s), median of {args.repeat}")
    print(f"text path (before): {text:.2f} s  ({n / text:,.0f} rows/s), median of {args.repeat}; "
          f"{old / text:.1f} x faster than old; files identical")
    print(f"coded path (now):   {coded:.2f} s  ({n / coded:,.0f} rows/s), median of {args.repeat}; "
          f"{old / coded:.1f} x faster than old, {text / coded:.1f} x faster than text; files identical")
    print(f"csv.writer floor:   {floor:.2f} s  ({n / floor:,.0f} rows/s); "
          f"coded path = {coded / floor:.2f} x floor (text path {text / floor:.2f} x)")
    # Issue 14 set "<= 3 s" on a machine where this floor took 3.3 s ("today 8.2 s against a
    # 3.3 s csv.writer floor"). The floor, run here in the same loop, carries that target over to
    # this machine; both readings are printed, the absolute one first.
    scaled = TARGET_SECONDS / TARGET_FLOOR_SECONDS * floor
    if n == TARGET_ROWS:
        met = "met" if coded <= TARGET_SECONDS else "MISSED"
        print(f"target:             <= {TARGET_SECONDS:.0f} s: {met}"
              f" ({coded:.2f} s); relative to the floor (issue's machine: {TARGET_SECONDS:.0f} s against a "
              f"{TARGET_FLOOR_SECONDS} s floor, i.e. <= {TARGET_SECONDS / TARGET_FLOOR_SECONDS:.2f} x floor,"
              f" here {scaled:.2f} s): {'met' if coded <= scaled else 'MISSED'}")
    print("load average:       " + " / ".join(f"{x:.1f}" for x in load_before) + " before, "
          + " / ".join(f"{x:.1f}" for x in load_after) + " after (1 / 5 / 15 min; 2 cores)")
    for name, title in (("old", "old path"), ("text", "text path"), ("coded", "coded path")):
        print(f"stages, {title} (last run): "
              + ", ".join(f"{stage} {t:.2f} s" for stage, t in stages[name].times))
    print(f"suppressed cells:   {summary.suppressed_cells:,} (primary {summary.suppressed_primary:,}, "
          f"complementary {summary.suppressed_complementary:,})")
    print("files:              " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()))
    for note in summary.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
