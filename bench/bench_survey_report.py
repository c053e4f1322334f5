"""Benchmark of the survey report on synthetic answers to the bundled `belonging` survey.

Run from the project root:  python bench/bench_survey_report.py  [--rows N] [--k K] [--out DIR]

It generates N responses (default 1,000,000; deterministic seed) in 4 waves of unequal size,
with skewed, correlated answers (a latent feeling of belonging drives the index items), skipped
questions, realistic profile bands including a couple of very rare ones (so that suppression has
work to do), and a change of items: the retired `trust` (three institutions in one statement, from
content/surveys/history/) is asked in waves 1-2, the three items that replaced it in waves 3-4. It then
times `write_report` (all four files) and, as the floor for touching every row once, a plain
`csv.writer` dump of the same rows.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_ROOT
from bot.surveys.definition import Survey, load_survey
from bot.surveys.report import AnswerRow, write_report

SEED = 20261126
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


def csv_floor(rows: list[AnswerRow], path: Path) -> float:
    start = time.perf_counter()
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows((r.wave, r.week, *r.answers.values()) for r in rows)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="keep the report here (default: a temp dir)")
    args = parser.parse_args()
    survey = load_survey(PROJECT_ROOT / "content" / "surveys" / "belonging.yaml")
    t0 = time.perf_counter()
    rows = generate(args.rows, survey)
    print(f"generated {len(rows):,} rows in {time.perf_counter() - t0:.1f} s (not timed below)")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "report"
        ticks: list[int] = []
        start = time.perf_counter()
        summary = write_report(rows, survey, out, k=args.k, progress=ticks.append)
        seconds = time.perf_counter() - start
        floor = csv_floor(rows, Path(tmp) / "floor.csv")
        sizes = {p.name: p.stat().st_size for p in summary.files}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    waves = ", ".join(summary.waves)
    print(f"rows:               {summary.responses:,} in {len(summary.waves)} waves ({waves})")
    print(f"write_report:       {seconds:.2f} s  ({summary.responses / seconds:,.0f} rows/s), "
          f"progress called {len(ticks)} times")
    print(f"csv.writer floor:   {floor:.2f} s  ({summary.responses / floor:,.0f} rows/s); report = "
          f"{seconds / floor:.1f} x floor")
    print(f"suppressed cells:   {summary.suppressed_cells:,} (primary {summary.suppressed_primary:,}, "
          f"complementary {summary.suppressed_complementary:,})")
    print("files:              " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()))
    print(f"peak RSS:           {rss:,.0f} MB (the generated rows included)")
    for note in summary.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
