"""Measures the crisis classifier (bot/safety/crisis.py) on bench/crisis_set.

Run from the project root:  python bench/bench_crisis.py  [--quiet]

Prints, for the tuning set and separately for the hold-out sets (written after tuning):
recall on crisis messages (the message's categories all found) overall, per language, per
category and per style; the false-alarm rate on ordinary questions, overall and per
language; every miss and false alarm; and the time per message.
Targets: recall >= 98 %, false alarms <= 2 %. tests/test_crisis_set.py asserts them.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safety.crisis import classify, default_rulebook

SET_DIR = Path(__file__).resolve().parent / "crisis_set"
TARGET_RECALL = 0.98
TARGET_FALSE_ALARMS = 0.02


@dataclass(frozen=True)
class Sample:
    lang: str
    categories: frozenset[str]  # empty: an ordinary message
    style: str  # crisis: plain/typo/indirect/translit; ordinary: its topic
    text: str


def load(name: str) -> list[Sample]:
    path = SET_DIR / name
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    out = []
    for row in rows:
        cats = frozenset(c for c in (row.get("category") or "").split(",") if c)
        out.append(Sample(row["lang"], cats, row.get("style") or row.get("topic") or "",
                          row["text"]))
    return out


@dataclass
class Report:
    crisis: int = 0
    found: int = 0
    ordinary: int = 0
    alarms: int = 0
    by: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[Sample, frozenset[str]]] = field(default_factory=list)
    false_alarms: list[tuple[Sample, frozenset[str], tuple[str, ...]]] = field(default_factory=list)
    seconds: float = 0.0  # first pass: words seen for the first time (typo lookups)
    warm_seconds: float = 0.0  # second pass: words already cached

    @property
    def recall(self) -> float:
        return self.found / self.crisis if self.crisis else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.alarms / self.ordinary if self.ordinary else 0.0


def evaluate(crisis: list[Sample], ordinary: list[Sample]) -> Report:
    report = Report()
    started = time.perf_counter()
    results = [classify(s.text) for s in (*crisis, *ordinary)]
    report.seconds = time.perf_counter() - started
    started = time.perf_counter()
    for s in (*crisis, *ordinary):
        classify(s.text)
    report.warm_seconds = time.perf_counter() - started
    for sample, signal in zip(crisis, results[: len(crisis)], strict=True):
        ok = sample.categories <= signal.categories
        report.crisis += 1
        report.found += ok
        keys = [f"lang {sample.lang}", f"style {sample.style}"]
        keys += [f"category {c}" for c in sorted(sample.categories)]
        for key in keys:
            report.by[key][0] += ok
            report.by[key][1] += 1
        if not ok:
            report.misses.append((sample, signal.categories))
    for sample, signal in zip(ordinary, results[len(crisis):], strict=True):
        report.ordinary += 1
        report.by[f"ordinary {sample.lang}"][0] += bool(signal)
        report.by[f"ordinary {sample.lang}"][1] += 1
        if signal:
            report.alarms += 1
            report.false_alarms.append((sample, signal.categories, signal.rules))
    return report


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} % ({a}/{b})" if b else "   n/a"


def show(title: str, report: Report, quiet: bool = False) -> None:
    n = report.crisis + report.ordinary
    print(f"== {title}")
    print(f"recall        {_pct(report.found, report.crisis)}   target >= {TARGET_RECALL:.0%}")
    print(f"false alarms  {_pct(report.alarms, report.ordinary)}   target <= "
          f"{TARGET_FALSE_ALARMS:.0%}")
    for key in sorted(report.by):
        ok, total = report.by[key]
        label = "false alarms" if key.startswith("ordinary") else "recall"
        print(f"  {key:<22} {label:<12} {_pct(ok, total)}")
    print(f"time          {1e6 * report.seconds / max(n, 1):.0f} µs per message first seen, "
          f"{1e6 * report.warm_seconds / max(n, 1):.0f} µs again ({n} messages)")
    if quiet:
        return
    for sample, got in report.misses:
        print(f"  MISS  [{sample.lang} {','.join(sorted(sample.categories))} {sample.style}] "
              f"{sample.text}  -> {','.join(sorted(got)) or '-'}")
    for sample, got, rules in report.false_alarms:
        print(f"  FALSE [{sample.lang} {sample.style}] {sample.text}  -> "
              f"{','.join(sorted(got))} ({', '.join(rules)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args()
    started = time.perf_counter()
    default_rulebook()
    print(f"rules compiled in {1e3 * (time.perf_counter() - started):.0f} ms")
    show("tuning set", evaluate(load("crisis.tsv"), load("ordinary.tsv")), args.quiet)
    show("hold-out 1 (written after tuning; its first run gave recall 67.5 %, false alarms "
         "9.8 %; the rules were then generalised on it, so it is tuning data now)",
         evaluate(load("holdout1_crisis.tsv"), load("holdout1_ordinary.tsv")), args.quiet)
    held = SET_DIR / "holdout2_crisis.tsv"
    if held.exists():
        show("hold-out 2 (written after all tuning, never tuned on)",
             evaluate(load("holdout2_crisis.tsv"), load("holdout2_ordinary.tsv")), args.quiet)


if __name__ == "__main__":
    main()
