"""The crisis classifier measured on bench/crisis_set: recall >= 98 % on crisis messages,
false alarms <= 2 % on ordinary questions (bench/bench_crisis.py prints the details).

Two parts. The development part is what the rules were tuned on: meeting the targets there
only shows the rules do what they were written for. The hold-out was written and committed
before its first run and never tuned on: it is the measure of how the rules do on messages
nobody has seen, and the one the targets of issue 11 are about.

A measurement of behaviour, kept on purpose: a rule change that loses a crisis message or
flags an ordinary question shows up here, with the messages in the failure."""

from __future__ import annotations

from bench.bench_crisis import (
    DEV,
    HOLDOUT,
    TARGET_FALSE_ALARMS,
    TARGET_RECALL,
    dev,
    holdout,
    load_many,
)


def _failures(report) -> str:
    misses = [f"MISS {s.lang} {sorted(s.categories)}: {s.text} -> {sorted(got)}"
              for s, got in report.misses]
    alarms = [f"FALSE {s.lang}: {s.text} -> {sorted(got)} {rules}"
              for s, got, rules in report.false_alarms]
    return "\n".join(misses + alarms)


def _figures(report) -> str:
    return (f"recall {report.recall:.1%} ({report.found}/{report.crisis}), false alarms "
            f"{report.false_alarm_rate:.1%} ({report.alarms}/{report.ordinary})\n")


def test_the_sets_are_big_enough_and_kept_apart():
    crisis, ordinary = load_many(DEV)
    assert len(crisis) >= 150 and len(ordinary) >= 300
    held_crisis, held_ordinary = load_many([HOLDOUT])
    assert len(held_crisis) >= 40 and len(held_ordinary) >= 80
    for part in (crisis, held_crisis, held_ordinary):
        assert {s.lang for s in part} == {"uk", "ru", "pl", "en"}
    seen = {s.text.casefold() for s in (*crisis, *ordinary)}
    assert not seen & {s.text.casefold() for s in (*held_crisis, *held_ordinary)}


def test_development_part_meets_the_targets():
    report = dev()
    assert report.recall >= TARGET_RECALL, _figures(report) + _failures(report)
    assert report.false_alarm_rate <= TARGET_FALSE_ALARMS, _figures(report) + _failures(report)


def test_development_part_covers_every_category_and_language():
    report = dev()
    for key, (ok, total) in report.by.items():
        if key.startswith(("category", "lang")):
            assert total >= 8 and ok / total >= 0.95, (key, ok, total, _failures(report))


def test_holdout_meets_the_targets():
    report = holdout()
    assert report.recall >= TARGET_RECALL, _figures(report) + _failures(report)
    assert report.false_alarm_rate <= TARGET_FALSE_ALARMS, _figures(report) + _failures(report)
