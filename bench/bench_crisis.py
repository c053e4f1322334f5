"""Measures the crisis classifier (bot/safety/crisis.py) on bench/crisis_set.

Run from the project root:  python bench/bench_crisis.py  [--quiet]

Two parts, kept apart on purpose:
* development: the tuning set and every hold-out that was once run and then tuned on;
* hold-out: the newest hold-out, written and committed before its first run, never tuned on.
For each: recall on crisis messages (the message's categories all found) and the false-alarm
rate on ordinary questions, overall and per language (then per category and per style),
every miss and false alarm, and the time per message. Then the first run of every hold-out
as it was measured before it was tuned on: the honest record of how the rules generalise.
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
    carded: int = 0  # crisis messages that got a card at all (112 is on every card)
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
        report.carded += bool(signal)
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
    print(f"  (any card   {_pct(report.carded, report.crisis)}: a card, if not for every "
          f"category the message is about)")
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


# Every file of the development part. A hold-out joins this list once it has been run and
# tuned on; a new hold-out, written before the next run, takes its place below.
DEV = [("crisis.tsv", "ordinary.tsv")] + [
    (f"holdout{i}_crisis.tsv", f"holdout{i}_ordinary.tsv") for i in range(1, 11)]
HOLDOUT = ("holdout11_crisis.tsv", "holdout11_ordinary.tsv")
# Each hold-out's first run, before any rule was tuned on it: (recall, false alarms).
# Hold-out 2: as found on main when branch wip/crisis2 began (after one small rule change).
FIRST_RUNS = {
    1: ("67.5 % (27/40)", "9.8 % (6/61)"),
    2: ("95.0 % (38/40)", "8.3 % (5/60)"),
    3: ("81.7 % (49/60)", "10.0 % (10/100)"),
    4: ("72.9 % (35/48)", "2.3 % (2/88)"),
    5: ("59.1 % (26/44)", "0.0 % (0/84)"),
    # 7 messages that were word for word in the development part were taken out after
    # the first run (no rule changed in between); with them: 78.3 % (47/60), 2.0 % (2/100).
    6: ("76.8 % (43/56)", "2.1 % (2/97)"),
    7: ("73.3 % (44/60)", "0.0 % (0/100)"),
    8: ("78.3 % (47/60)", "0.0 % (0/100)"),
    9: ("68.8 % (44/64)", "0.0 % (0/100)"),
    10: ("68.8 % (44/64)", "0.0 % (0/100)"),
    11: ("70.3 % (45/64)", "0.0 % (0/100)"),
}


def load_many(pairs: list[tuple[str, str]]) -> tuple[list[Sample], list[Sample]]:
    crisis: list[Sample] = []
    ordinary: list[Sample] = []
    for c, o in pairs:
        crisis += load(c)
        ordinary += load(o)
    return crisis, ordinary


def dev() -> Report:
    return evaluate(*load_many(DEV))


def holdout() -> Report:
    return evaluate(*load_many([HOLDOUT]))


def show_languages(report: Report) -> None:
    """Recall and false alarms side by side, one line per language."""
    for lang in ("uk", "ru", "pl", "en"):
        ok, total = report.by.get(f"lang {lang}", (0, 0))
        fa, n = report.by.get(f"ordinary {lang}", (0, 0))
        print(f"  {lang}  recall {_pct(ok, total):<20} false alarms {_pct(fa, n)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args()
    started = time.perf_counter()
    default_rulebook()
    print(f"rules compiled in {1e3 * (time.perf_counter() - started):.0f} ms")
    for c, o in DEV:
        r = evaluate(load(c), load(o))
        print(f"  dev file {c:<22} recall {_pct(r.found, r.crisis):<20} "
              f"false alarms {_pct(r.alarms, r.ordinary)}")
    for title, report in (("DEVELOPMENT (tuned on)", dev()),
                          (f"HOLD-OUT {HOLDOUT[0]} (never tuned on)", holdout())):
        show(title, report, args.quiet)
        print("  per language:")
        show_languages(report)
    print("== first run of each hold-out, before it was tuned on (recall, false alarms)")
    for i, (recall, alarms) in FIRST_RUNS.items():
        print(f"  hold-out {i}: recall {recall:<16} false alarms {alarms}")


if __name__ == "__main__":
    main()
