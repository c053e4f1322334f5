"""Measures the crisis classifier (bot/safety/crisis.py) on bench/crisis_set.

Run from the project root:  python bench/bench_crisis.py  [--quiet]

Two parts, kept apart on purpose:
* development: the tuning set and every hold-out that was once run and then tuned on;
* hold-out: the newest hold-out, written and committed before its first run, never tuned on.
For each: recall on crisis messages (the message's categories all found) and the false-alarm
rate on ordinary questions, overall and per language (then per category and per style),
every miss and false alarm, and the time per message. Then the first run of every hold-out
as it was measured before it was tuned on: the honest record of how the rules generalise.
Both for the rules alone and for what the bot does: rules OR the learned scorer
(bot/safety/scorer.py, trained on the development part by `python -m bench.train_crisis`).
Recall is counted twice: "card first" (the 🆘 card, covering the message's categories) and
"any help" (the card, or the one-line 🆘 note a weaker score puts above the normal answer).
Per language and per kind of message (plain, typo, translit, indirect); time per message
(p50/p99 of the second pass).
Targets: recall >= 98 %, false alarms <= 2 %. tests/test_crisis_set.py asserts them on the
development part and guards each hold-out's first run (the gap to the target is printed).
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
from bot.safety.scorer import MODEL_PATH, default_model

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
    found: int = 0  # the card came first and covers every category of the message
    carded: int = 0  # crisis messages that got a card at all (112 is on every card)
    helped: int = 0  # crisis messages shown any crisis help: the card or the 🆘 note
    ordinary: int = 0
    alarms: int = 0  # ordinary messages that got a card
    notes: int = 0  # ordinary messages that got the one-line note (no card)
    by: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[Sample, frozenset[str], float]] = field(default_factory=list)
    false_alarms: list[tuple[Sample, frozenset[str], tuple[str, ...]]] = field(default_factory=list)
    seconds: float = 0.0  # first pass: words seen for the first time (typo lookups)
    warm_seconds: float = 0.0  # second pass: words already cached
    per_message: list[float] = field(default_factory=list)  # second pass, seconds each

    @property
    def recall(self) -> float:
        return self.found / self.crisis if self.crisis else 1.0

    @property
    def help_recall(self) -> float:
        return self.helped / self.crisis if self.crisis else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.alarms / self.ordinary if self.ordinary else 0.0

    @property
    def note_rate(self) -> float:
        return (self.alarms + self.notes) / self.ordinary if self.ordinary else 0.0

    def percentile(self, q: float) -> float:
        times = sorted(self.per_message)
        return times[min(len(times) - 1, int(q * len(times)))] if times else 0.0


def evaluate(crisis: list[Sample], ordinary: list[Sample], learned: bool = True) -> Report:
    """`learned`: rules OR the learned scorer (what the bot does); False: the rules alone."""
    report = Report()
    started = time.perf_counter()
    results = [classify(s.text, learned=learned) for s in (*crisis, *ordinary)]
    report.seconds = time.perf_counter() - started
    for s in (*crisis, *ordinary):
        t0 = time.perf_counter()
        classify(s.text, learned=learned)
        report.per_message.append(time.perf_counter() - t0)
    report.warm_seconds = sum(report.per_message)
    for sample, signal in zip(crisis, results[: len(crisis)], strict=True):
        ok = sample.categories <= signal.categories
        report.crisis += 1
        report.found += ok
        report.carded += bool(signal)
        report.helped += signal.any_help
        keys = [f"lang {sample.lang}", f"style {sample.style}"]
        keys += [f"category {c}" for c in sorted(sample.categories)]
        for key in keys:
            report.by[key][0] += ok
            report.by[key][1] += 1
        for key in (f"help lang {sample.lang}", f"help style {sample.style}"):
            report.by[key][0] += signal.any_help
            report.by[key][1] += 1
        if not ok:
            report.misses.append((sample, signal.categories, signal.score))
    for sample, signal in zip(ordinary, results[len(crisis):], strict=True):
        report.ordinary += 1
        report.by[f"ordinary {sample.lang}"][0] += bool(signal)
        report.by[f"ordinary {sample.lang}"][1] += 1
        report.notes += signal.note
        if signal:
            report.alarms += 1
            report.false_alarms.append((sample, signal.categories, signal.rules))
    return report


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} % ({a}/{b})" if b else "   n/a"


def show(title: str, report: Report, quiet: bool = False) -> None:
    n = report.crisis + report.ordinary
    print(f"== {title}")
    print(f"recall, card first  {_pct(report.found, report.crisis)}   target >= "
          f"{TARGET_RECALL:.0%}")
    print(f"  (any card         {_pct(report.carded, report.crisis)}: a card, if not for every "
          f"category the message is about)")
    print(f"recall, any help    {_pct(report.helped, report.crisis)}   (the card or the 🆘 note)")
    print(f"false alarms, card  {_pct(report.alarms, report.ordinary)}   target <= "
          f"{TARGET_FALSE_ALARMS:.0%}")
    print(f"  card or note      {_pct(report.alarms + report.notes, report.ordinary)}")
    for key in sorted(report.by):
        ok, total = report.by[key]
        label = ("false alarms" if key.startswith("ordinary")
                 else "any help" if key.startswith("help") else "recall")
        print(f"  {key:<22} {label:<12} {_pct(ok, total)}")
    print(f"time          {1e6 * report.seconds / max(n, 1):.0f} µs per message first seen, "
          f"{1e6 * report.warm_seconds / max(n, 1):.0f} µs again ({n} messages); again p50 "
          f"{1e6 * report.percentile(0.5):.0f} µs, p99 {1e6 * report.percentile(0.99):.0f} µs")
    if quiet:
        return
    for sample, got, sc in report.misses:
        print(f"  MISS  [{sample.lang} {','.join(sorted(sample.categories))} {sample.style}] "
              f"{sample.text}  -> {','.join(sorted(got)) or '-'} (score {sc:.2f})")
    for sample, got, rules in report.false_alarms:
        print(f"  FALSE [{sample.lang} {sample.style}] {sample.text}  -> "
              f"{','.join(sorted(got))} ({', '.join(rules)})")


# Every file of the development part. A hold-out joins this list once it has been run and
# tuned on; a new hold-out, written before the next run, takes its place in HOLDOUTS.
# Hold-outs 11 and 12 joined after many runs (branch wip/crisis3), with dev13, dev13b and
# dev13c, written for development only (never a hold-out); hold-out 13 after its first run,
# with dev14 (development only), on branch wip/crisis4; hold-out 14 after its first run, with
# dev15 (development only), on branch wip/crisis5; hold-out 15 after its first run, with dev16
# (development only), on branch wip/crisis6; hold-out 16 after its first run, with dev17
# (development only), on branch wip/crisis7; hold-out 17 after its first run, with dev18
# (development only), on branch wip/crisis8; hold-out 18 after its first run, on branch
# wip/crisis9; hold-out 19 after its first run, on branch wip/crisis10.
DEV = [("crisis.tsv", "ordinary.tsv")] + [
    (f"holdout{i}_crisis.tsv", f"holdout{i}_ordinary.tsv") for i in range(1, 13)] + [
    (f"dev13{x}_crisis.tsv", f"dev13{x}_ordinary.tsv") for x in ("", "b", "c")] + [
    ("holdout13_crisis.tsv", "holdout13_ordinary.tsv"), ("dev14_crisis.tsv", "dev14_ordinary.tsv"),
    ("holdout14_crisis.tsv", "holdout14_ordinary.tsv"), ("dev15_crisis.tsv", "dev15_ordinary.tsv"),
    ("holdout15_crisis.tsv", "holdout15_ordinary.tsv"), ("dev16_crisis.tsv", "dev16_ordinary.tsv"),
    ("holdout16_crisis.tsv", "holdout16_ordinary.tsv"), ("dev17_crisis.tsv", "dev17_ordinary.tsv"),
    ("holdout17_crisis.tsv", "holdout17_ordinary.tsv"), ("dev18_crisis.tsv", "dev18_ordinary.tsv"),
    ("holdout18_crisis.tsv", "holdout18_ordinary.tsv"),
    ("holdout19_crisis.tsv", "holdout19_ordinary.tsv")]
# dev19 (wip/crisis9) was written for development and measured in DEV: out of fold it did not
# help (fresh files 1510 against 1516 of 1600 card first, 35 against 34 false cards), so it is
# not trained on; its lines stay as a check of the round-9 rules (bench/crisis_set/README.md).
NOT_KEPT = [("dev19_crisis.tsv", "dev19_ordinary.tsv")]
# The files the rules were tuned on (the scorer trains on all of DEV). The rules were not
# tuned on hold-outs 11 and 12, dev13, dev13b and dev13c, except three guards that came from
# dev13's and dev13b's false alarms (bot/safety/patterns/common.py TOPIC, ONLINE; slavic.py
# sl.child_left_alone): the rules alone meet the targets only on these.
RULES_TUNED = DEV[:11]
# The hold-outs never tuned on, neither by the rules nor by the learned scorer (trained on
# DEV only). Adding one needs only its two files (holdoutN_crisis.tsv, holdoutN_ordinary.tsv,
# committed before anything runs on them) and its number in this tuple; its floors go into
# tests/test_crisis_set.py FLOORS after its first run, its figures into FIRST_RUNS and
# LEARNED_FIRST_RUNS. A listed hold-out whose files are not there yet is reported as missing.
# Empty between two hold-outs (hold-out 19 joined DEV on wip/crisis10); hold-out 20 was added
# here by whoever ran it first, after the classifier it measures was merged.
HOLDOUTS: dict[int, tuple[str, str]] = {
    i: (f"holdout{i}_crisis.tsv", f"holdout{i}_ordinary.tsv") for i in (20,)}


def written(number: int) -> bool:
    """Both files of hold-out `number` are in bench/crisis_set."""
    return all((SET_DIR / f).exists() for f in HOLDOUTS[number])


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
    12: ("71.9 % (46/64)", "0.0 % (0/104)"),
    # Rules as merged on 2026-12-07 (commit 030b4b6; identical to acddac7's on hold-out 13).
    13: ("63.4 % (64/101)", "0.0 % (0/154)"),
    # Rules of main 8379a1c (before wip/crisis4), on all 170 crisis messages. The rules of
    # wip/crisis4, on the 169 left: 53.8 % (91/169), 2.2 % (7/314).
    14: ("52.9 % (90/170)", "2.9 % (9/314)"),
    # Rules of wip/crisis4 (main e35e2ec), before wip/crisis5, with all 363 ordinary messages;
    # 7 of them were then found word for word in DEV and taken out (no false alarm among them
    # with the rules of wip/crisis5: 51.1 % (94/184), 4.4 % (16/363) before, 4.5 % (16/356) after).
    15: ("49.5 % (91/184)", "5.8 % (21/363)"),
    # Rules of wip/crisis5 (main 3a07679), before wip/crisis6, on the files as written (182
    # crisis, 314 ordinary). 5 messages (3 crisis, 2 ordinary) were then found word for word in
    # DEV and taken out; the rules of wip/crisis6 on the rest: 54.2 % (97/179), 3.2 % (10/312).
    16: ("54.4 % (99/182)", "3.5 % (11/314)"),
    # Rules of wip/crisis6 (main 292f9b1), before wip/crisis7. The rules of wip/crisis7:
    # 48.3 % (84/174), 2.1 % (7/331).
    17: ("48.3 % (84/174)", "2.7 % (9/331)"),
    # Rules of wip/crisis7 (main eea8499), before wip/crisis8. The rules of wip/crisis8:
    # 44.3 % (82/185), 0.9 % (3/344).
    18: ("39.5 % (73/185)", "1.7 % (6/344)"),
    # Rules of wip/crisis8 (main 5617495), before wip/crisis9. The rules of wip/crisis9:
    # 43.3 % (84/194), 3.6 % (12/334).
    19: ("41.8 % (81/194)", "3.3 % (11/334)"),
    # Rules of wip/crisis9 (main 1b51297), before wip/crisis10. The rules of wip/crisis10: the
    # same, 50.9 % (87/171), 1.2 % (4/333).
    20: ("50.9 % (87/171)", "1.2 % (4/333)"),
}


def load_many(pairs: list[tuple[str, str]]) -> tuple[list[Sample], list[Sample]]:
    crisis: list[Sample] = []
    ordinary: list[Sample] = []
    for c, o in pairs:
        crisis += load(c)
        ordinary += load(o)
    return crisis, ordinary


# Rules OR the learned scorer (bot/safety/scorer.py) on the hold-outs it was not trained on:
# (card first, any help shown, false alarms card, card or note).
# First run, commit 51b605c (model trained on DEV only; card 0.8525, note 0.5498), once each.
LEARNED_FIRST_RUNS: dict[int, tuple[str, str, str, str]] = {
    11: ("81.2 % (52/64)", "89.1 % (57/64)", "0.0 % (0/100)", "1.0 % (1/100)"),
    12: ("84.4 % (54/64)", "92.2 % (59/64)", "0.0 % (0/104)", "1.0 % (1/104)"),
    # First run of the model retrained on wip/crisis3 (merge 030b4b6), once. The model before
    # it (main acddac7), run once on hold-out 13 just before the merge, measured
    # 69.3 % (70/101), 86.1 % (87/101), 1.3 % (2/154), 3.9 % (6/154).
    13: ("88.1 % (89/101)", "98.0 % (99/101)", "1.3 % (2/154)", "2.6 % (4/154)"),
    # First run of the model retrained on wip/crisis4 (hold-out 13 and dev14 in DEV), once, on
    # the 169 crisis messages left (see bench/crisis_set/README.md). The model before it (main
    # 8379a1c), run once on all 170 before wip/crisis4 was merged, measured 82.4 % (140/170),
    # 94.1 % (160/170), 2.9 % (9/314), 4.8 % (15/314).
    14: ("88.8 % (150/169)", "95.3 % (161/169)", "2.2 % (7/314)", "4.1 % (13/314)"),
    # First run of the model retrained on wip/crisis5 (hold-out 14 and dev15 in DEV), once. The
    # model before it (wip/crisis4, main e35e2ec), run once before the merge, measured 81.0 %
    # (149/184), 91.3 % (168/184), 6.9 % (25/363), 7.7 % (28/363), with 7 ordinary messages that
    # were word for word in DEV; taken out after this first run (none had a card or a note):
    # with them 5.5 % (20/363), 6.3 % (23/363).
    15: ("85.3 % (157/184)", "96.2 % (177/184)", "5.6 % (20/356)", "6.5 % (23/356)"),
    # First run of the model retrained on wip/crisis6 (hold-out 15 and dev16 in DEV), once, after
    # taking out 5 messages found word for word in DEV (with them: 90.7 % (165/182), 96.2 %
    # (175/182), 4.1 % (13/314), 5.4 % (17/314)). The model before it (wip/crisis5, main
    # 3a07679), once on the files as written: 88.5 % (161/182), 95.6 % (174/182), 4.1 % (13/314),
    # 7.0 % (22/314).
    16: ("90.5 % (162/179)", "96.1 % (172/179)", "4.2 % (13/312)", "5.4 % (17/312)"),
    # First run of the model retrained on wip/crisis7 (hold-out 16 and dev17 in DEV), once. The
    # model before it (wip/crisis6, main 292f9b1), run once before the merge: 89.7 % (156/174),
    # 96.6 % (168/174), 3.9 % (13/331), 6.6 % (22/331).
    17: ("91.4 % (159/174)", "97.1 % (169/174)", "3.0 % (10/331)", "5.4 % (18/331)"),
    # First run of the model retrained on wip/crisis8 (hold-out 17 and dev18 in DEV, plans and
    # means, threats and confinement, negation as a guard), once. The model before it
    # (wip/crisis7, main eea8499), run once before the merge: 90.3 % (167/185), 98.9 % (183/185),
    # 2.6 % (9/344), 5.5 % (19/344).
    18: ("94.6 % (175/185)", "98.9 % (183/185)", "2.3 % (8/344)", "4.4 % (15/344)"),
    # First run of the model retrained on wip/crisis9 (hold-out 18 in DEV; trafficking hints,
    # indirect suicide), once. The model before it (wip/crisis8, main 5617495), run once before
    # the merge: 88.1 % (171/194), 96.9 % (188/194), 4.2 % (14/334), 6.6 % (22/334).
    19: ("90.7 % (176/194)", "97.4 % (189/194)", "4.5 % (15/334)", "8.1 % (27/334)"),
    # First run of the model retrained on wip/crisis10 (hold-out 19 in DEV; the rules' false
    # cards narrowed), once. The model before it (wip/crisis9, main 1b51297), run once before
    # the merge: 93.6 % (160/171), 100.0 % (171/171), 1.5 % (5/333), 3.0 % (10/333).
    20: ("94.2 % (161/171)", "100.0 % (171/171)", "1.8 % (6/333)", "3.0 % (10/333)"),
}
# Second run (commit f3291e9): retrained with ordinary short text (greetings, FAQ titles and
# keywords) and short messages damped, because the first model gave "one" a card and "hej" a
# note (found with the other tests' messages, not with a hold-out). Hold-out 11 unchanged;
# hold-out 12: 82.8 % (53/64), 90.6 % (58/64), 0.0 % (0/104), 1.0 % (1/104).
# Third run (commit a5887c5): retrained with the FAQ answers' sentences too (that model
# gave "I missed the bus", "the website is not working" a card), and the scorer only for
# messages of 3 words or more. Card 0.681, note 0.3529 by the same cross-validation.
# Hold-out 11: 81.2 % (52/64), 87.5 % (56/64), 0.0 % (0/100), 2.0 % (2/100); hold-out 12:
# 81.2 % (52/64), 90.6 % (58/64), 0.0 % (0/104), 0.0 % (0/104).
# Fourth run, the committed model: the same training on the inputs as they are now (FAQ
# content and bot/content/normalize.py had changed on main since the third run), stored
# pruned and compact (crisis_model.json.gz). Card 0.6898, note 0.3122 by the same
# cross-validation. Changed from the third run: hold-out 11 "kupiłam sznur, nie wiem co
# robić" and "работаем по 16 часов, денег не платят, говорят что долг за жилье" get the note,
# "ребенок упал с третьего этажа" loses it; ordinary "роботодавець забрав у мене ключі від
# гуртожитку" gains a note, "ребенок боится стоматолога" loses one; hold-out 12 ordinary "ten
# urząd mnie wykończy" gains a note. Not a fresh measure: no change was chosen by them.
LEARNED_CURRENT_RUNS: dict[int, tuple[str, str, str, str]] = {
    11: ("81.2 % (52/64)", "85.9 % (55/64)", "0.0 % (0/100)", "2.0 % (2/100)"),
    12: ("81.2 % (52/64)", "90.6 % (58/64)", "0.0 % (0/104)", "0.0 % (0/104)"),
}
# Fifth run (the committed model): retrained only because training reads the FAQ from the
# snapshot bench/crisis_set/faq_ordinary.tsv (of the FAQ after its formal-voice edit) instead
# of content/*.yaml; card 0.713, note 0.336. Fourth run was hold-out 11 any help 89.1 % (57/64),
# hold-out 12 card or note 1.0 % (1/104). Not a fresh measure: no change was chosen by them.
# Hold-outs 11 and 12 then joined the development part (wip/crisis3): the figures above are
# their record, LEARNED_CURRENT_RUNS their last run before they were trained on.

# dev13, dev13b, dev13c, dev14, dev15, dev16, dev18 and dev19 (bench/crisis_set/dev1*_*.tsv) were written for
# development, but the first run of each, before anything was trained or tuned on it, is a
# fresh measure too:
# (card first, any help, false alarms card, card or note). Their near misses are harder than
# the hold-outs' (essays about violence, "can I leave my 12-year-old home alone", "my mother
# had a stroke last year", "my husband snores"); their crisis messages are 77-100 % indirect.
# dev13 and dev13b: main's rules and fifth model; dev13c: the model of this branch's commit
# 'dev13b: everyday messages with nothing ...' (trained on dev13 and dev13b), rules as now.
DEV13_FIRST_RUN = {
    "dev13, rules alone": ("54.3 % (145/267)", "57.7 % (154/267)", "2.9 % (12/407)",
                           "2.9 % (12/407)"),
    "dev13, rules + scorer": ("67.4 % (180/267)", "86.1 % (230/267)", "4.2 % (17/407)",
                              "8.8 % (36/407)"),
    "dev13b, rules alone": ("23.9 % (32/134)", "27.6 % (37/134)", "8.3 % (9/108)",
                            "8.3 % (9/108)"),
    "dev13b, rules + scorer": ("47.0 % (63/134)", "79.9 % (107/134)", "9.3 % (10/108)",
                               "20.4 % (22/108)"),
    "dev13c, rules alone": ("16.5 % (13/79)", "21.5 % (17/79)", "3.0 % (4/132)", "3.0 % (4/132)"),
    "dev13c, rules + scorer": ("59.5 % (47/79)", "88.6 % (70/79)", "8.3 % (11/132)",
                               "13.6 % (18/132)"),
    # dev14 (wip/crisis4), before anything was tuned or trained on it: main 8379a1c's rules and
    # model (trained on hold-outs 1-12, dev13, dev13b, dev13c).
    "dev14, rules alone": ("54.5 % (48/88)", "58.0 % (51/88)", "4.4 % (5/113)", "4.4 % (5/113)"),
    "dev14, rules + scorer": ("84.1 % (74/88)", "97.7 % (86/88)", "4.4 % (5/113)",
                              "10.6 % (12/113)"),
    # dev15 (wip/crisis5), before anything was trained on it: the rules of wip/crisis5 (four
    # of their guards came from three of its first 76 ordinary lines) and the model of wip/crisis4
    # (trained without hold-out 14 and dev15).
    "dev15, rules alone": ("39.2 % (40/102)", "45.1 % (46/102)", "1.8 % (2/113)",
                           "1.8 % (2/113)"),
    "dev15, rules + scorer": ("82.4 % (84/102)", "97.1 % (99/102)", "4.4 % (5/113)",
                              "11.5 % (13/113)"),
    # dev16 (wip/crisis6), before anything was trained on it: the rules of wip/crisis6 before
    # its last-message and neighbour's-baby rules (one guard word, "детектив", came from one
    # of its ordinary lines) and the model of wip/crisis5 (trained without hold-out 15, dev16).
    "dev16, rules alone": ("40.0 % (18/45)", "44.4 % (20/45)", "2.0 % (1/50)", "2.0 % (1/50)"),
    "dev16, rules + scorer": ("91.1 % (41/45)", "97.8 % (44/45)", "4.0 % (2/50)",
                              "8.0 % (4/50)"),
    # dev18 (wip/crisis8), before anything was tuned or trained on it: main 850e760's rules and
    # model (trained without hold-out 17 and dev18).
    "dev18, rules alone": ("17.1 % (7/41)", "24.4 % (10/41)", "10.3 % (3/29)",
                           "10.3 % (3/29)"),
    "dev18, rules + scorer": ("82.9 % (34/41)", "92.7 % (38/41)", "10.3 % (3/29)",
                              "20.7 % (6/29)"),
    # dev19 (wip/crisis9), before anything was trained on it: the model of main c797d99
    # (trained without hold-out 18 and dev19) and the first round-9 trafficking rules, written
    # before dev19 and with its families in mind (no test of them); the cue-mirror fix, four
    # rule words and one rewritten ordinary line ("zawał roboty", not idiomatic Polish) came
    # after this run. Rules alone: any help was not recorded.
    "dev19, rules alone": ("62.9 % (22/35)", "not recorded", "5.9 % (2/34)", "5.9 % (2/34)"),
    "dev19, rules + scorer": ("88.6 % (31/35)", "97.1 % (34/35)", "8.8 % (3/34)",
                              "11.8 % (4/34)"),
}


def dev(learned: bool = True) -> Report:
    return evaluate(*load_many(DEV), learned=learned)


def holdout(number: int, learned: bool = True) -> Report:
    return evaluate(*load_many([HOLDOUTS[number]]), learned=learned)


def show_languages(report: Report) -> None:
    """Recall (card first, any help) and false alarms side by side, one line per language,
    then recall per kind of message (plain, typo, translit, indirect)."""
    for lang in ("uk", "ru", "pl", "en"):
        ok, total = report.by.get(f"lang {lang}", (0, 0))
        helped, _ = report.by.get(f"help lang {lang}", (0, 0))
        fa, n = report.by.get(f"ordinary {lang}", (0, 0))
        print(f"  {lang}  card first {_pct(ok, total):<20} any help {_pct(helped, total):<20} "
              f"false alarms {_pct(fa, n)}")
    for style in ("plain", "typo", "translit", "indirect"):
        ok, total = report.by.get(f"style {style}", (0, 0))
        helped, _ = report.by.get(f"help style {style}", (0, 0))
        print(f"  {style:<9} card first {_pct(ok, total):<20} any help {_pct(helped, total)}")


def target_line(name: str, report: Report) -> str:
    gap = TARGET_RECALL - report.recall
    return (f"  {name:<34} recall {report.recall:6.1%} (target >= {TARGET_RECALL:.0%}, "
            f"gap {max(gap, 0):5.1%}), any help {report.help_recall:6.1%}, false alarms "
            f"{report.false_alarm_rate:5.1%} (target <= {TARGET_FALSE_ALARMS:.0%}), "
            f"card or note {report.note_rate:5.1%}")


def machine_noise(n: int = 2000) -> tuple[float, float]:
    """p50/p99 of a fixed pure-Python loop timed like a message: on a shared, loaded machine
    the scheduler alone puts milliseconds into the p99 (read the classifier's p99 beside it)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        sum(range(6000))
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[n // 2], times[int(0.99 * n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args()
    started = time.perf_counter()
    default_rulebook()
    print(f"rules compiled in {1e3 * (time.perf_counter() - started):.0f} ms")
    started = time.perf_counter()
    model = default_model()  # what the bot does at start-up (bot/runner.py prepare)
    if model is not None:
        print(f"learned scorer: {len(model.index)} features, card >= {model.card}, "
              f"note >= {model.note} (python -m bench.train_crisis); loaded in "
              f"{1e3 * (time.perf_counter() - started):.0f} ms from {MODEL_PATH.name} "
              f"({MODEL_PATH.stat().st_size // 1024} KiB)")
    for c, o in DEV:
        r = evaluate(load(c), load(o))
        print(f"  dev file {c:<22} recall {_pct(r.found, r.crisis):<20} "
              f"false alarms {_pct(r.alarms, r.ordinary)}")
    for c, o in NOT_KEPT:
        r = evaluate(load(c), load(o))
        print(f"  not trained on {c:<18} recall {_pct(r.found, r.crisis):<20} "
              f"false alarms {_pct(r.alarms, r.ordinary)}")
    reports = {"development, rules + scorer (trained on)": dev()}
    if not HOLDOUTS:
        print("  no hold-out listed (HOLDOUTS is empty until the next one is run the first time)")
    for number in HOLDOUTS:
        if not written(number):
            print(f"  hold-out {number}: not written yet (bench/crisis_set/{HOLDOUTS[number][0]}, "
                  f"{HOLDOUTS[number][1]})")
            continue
        reports[f"hold-out {number}, rules alone"] = holdout(number, learned=False)
        reports[f"hold-out {number}, rules + scorer"] = holdout(number)
    for title, report in reports.items():
        show(title.upper(), report, args.quiet)
        print("  per language and kind:")
        show_languages(report)
    print("== first run of each hold-out, before the rules were tuned on it (recall, false alarms)")
    for i, (recall, alarms) in FIRST_RUNS.items():
        print(f"  hold-out {i}: recall {recall:<16} false alarms {alarms}")
    for title, runs in (("first run", LEARNED_FIRST_RUNS),
                        ("last run before joining the development part", LEARNED_CURRENT_RUNS)):
        print(f"== rules + learned scorer on hold-outs it was not trained on, {title}")
        for i, (card, helped, alarms, noted) in runs.items():
            print(f"  hold-out {i}: card first {card:<16} any help {helped:<16} "
                  f"false alarms {alarms:<16} card or note {noted}")
    print("== first runs of dev13, dev13b, dev13c, dev14, dev15, dev16, dev18, dev19, before anything was "
          "trained or tuned on them")
    for title, (card, helped, alarms, noted) in DEV13_FIRST_RUN.items():
        print(f"  {title:<24} card first {card:<18} any help {helped:<18} "
              f"false alarms {alarms:<16} card or note {noted}")
    p50, p99 = machine_noise()
    print(f"== machine noise: a fixed loop timed the same way, p50 {1e6 * p50:.0f} µs, "
          f"p99 {1e6 * p99:.0f} µs")
    print("== target vs measured now")
    for title, report in reports.items():
        print(target_line(title, report))


if __name__ == "__main__":
    main()
