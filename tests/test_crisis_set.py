"""The crisis classifier measured on bench/crisis_set: recall >= 98 % on crisis messages,
false alarms <= 2 % on ordinary questions (issue 11; bench/bench_crisis.py prints the details).

Two parts. The development part is what the rules were tuned on and the learned scorer
(bot/safety/scorer.py) was trained on: meeting the targets there only shows the classifier
does what it was built for. The hold-outs were written and committed before their first run
and never tuned or trained on: they measure how the classifier does on messages nobody has
seen. It does not meet the issue's targets there yet; the hold-out tests are a regression
guard at what the committed version measures there, and their messages say the target and
the gap.

A measurement of behaviour, kept on purpose: a rule change or a retrained model that loses a
crisis message or flags an ordinary question shows up here, with the messages in the failure."""

from __future__ import annotations

import pytest

from bench.bench_crisis import (
    DEV,
    HOLDOUTS,
    RULES_TUNED,
    TARGET_FALSE_ALARMS,
    TARGET_RECALL,
    dev,
    evaluate,
    holdout,
    load_many,
    written,
)
from bot.safety.scorer import default_model

# What rules + the committed learned scorer measure on each hold-out, set from its first run
# (bench FIRST_RUNS / LEARNED_FIRST_RUNS): (card first, any crisis help shown) as counts of
# crisis messages, and the most false alarms (card) and cards or notes on ordinary questions.
# Hold-outs 11 to 19 are development data now (their floors were 52/55/0/2, 52/58/0/0,
# 89/99/2/4, 150/161/7/13, 157/177/20/23, 162/172/13/17, 159/169/10/18, 175/183/8/15 and
# 176/189/15/27); the next
# hold-out's floors are set by whoever runs it first, from that run.
FLOORS: dict[int, dict[str, int]] = {
    20: {"found": 161, "helped": 171, "alarms": 6, "noted": 10},  # first run, of 171 crisis, 333 ordinary
}


def _failures(report) -> str:
    misses = [f"MISS {s.lang} {s.style} {sorted(s.categories)}: {s.text} -> {sorted(got)} "
              f"(score {sc:.2f})" for s, got, sc in report.misses]
    alarms = [f"FALSE {s.lang}: {s.text} -> {sorted(got)} {rules}"
              for s, got, rules in report.false_alarms]
    return "\n".join(misses + alarms)


def _figures(report) -> str:
    return (f"recall {report.recall:.1%} ({report.found}/{report.crisis}), any help "
            f"{report.help_recall:.1%} ({report.helped}/{report.crisis}), false alarms "
            f"{report.false_alarm_rate:.1%} ({report.alarms}/{report.ordinary}), card or note "
            f"{report.note_rate:.1%}\n")


def test_the_sets_are_big_enough_and_kept_apart():
    crisis, ordinary = load_many(DEV)
    assert len(crisis) >= 150 and len(ordinary) >= 300
    assert {s.lang for s in crisis} == {s.lang for s in ordinary} == {"uk", "ru", "pl", "en"}
    numbers = [int(c.removeprefix("holdout").split("_")[0]) for c, _ in DEV
               if c.startswith("holdout")]
    # A hold-out is newer than every file it is measured against, and never in both parts.
    assert not set(HOLDOUTS) & set(numbers)
    assert all(number > max(numbers) for number in HOLDOUTS)
    # Floors come from a hold-out's first run: none for a hold-out that is not listed.
    assert set(FLOORS) <= set(HOLDOUTS), sorted(set(FLOORS) - set(HOLDOUTS))
    seen = {s.text.casefold() for s in (*crisis, *ordinary)}
    for number, pair in HOLDOUTS.items():
        if not written(number):
            continue  # test_holdout says so
        held_crisis, held_ordinary = load_many([pair])
        assert len(held_crisis) >= 60 and len(held_ordinary) >= 100, number
        assert 2 * sum(s.style == "indirect" for s in held_crisis) >= len(held_crisis), number
        for part in (held_crisis, held_ordinary):
            assert {s.lang for s in part} == {"uk", "ru", "pl", "en"}, number
        # Messages word for word in the development part do not belong in a hold-out.
        held = {s.text.casefold() for s in (*held_crisis, *held_ordinary)}
        assert not seen & held, (number, sorted(seen & held))
        seen |= held


def test_the_learned_scorer_was_trained_on_the_development_part_only():
    model = default_model()
    assert model is not None, "bot/safety/crisis_model.json.gz: python -m bench.train_crisis"
    assert set(model.meta["trained_on"]) == {f for pair in DEV for f in pair}
    assert 0 < model.note <= model.card < 1


@pytest.mark.parametrize("learned", [True, False], ids=["rules+scorer", "rules alone"])
def test_development_part_meets_the_targets(learned):
    """Rules + scorer on the whole development part; the rules alone on the files they were
    tuned on (RULES_TUNED) for recall, and on the whole part for false alarms."""
    report = dev(learned=learned)
    assert report.false_alarm_rate <= TARGET_FALSE_ALARMS, _figures(report) + _failures(report)
    if not learned:
        report = evaluate(*load_many(RULES_TUNED), learned=False)
    assert report.recall >= TARGET_RECALL, _figures(report) + _failures(report)


def test_development_part_covers_every_category_and_language():
    report = dev()
    for key, (ok, total) in report.by.items():
        if key.startswith(("category", "lang")):
            assert total >= 8 and ok / total >= 0.95, (key, ok, total, _failures(report))


# Between two hold-outs HOLDOUTS is empty (the last one joined the development part, the next
# is added by whoever runs it first): then there is nothing to measure and no floor may stand.
@pytest.mark.parametrize("number", sorted(HOLDOUTS) or [None])
def test_holdout_does_not_fall_below_what_it_measured(number):
    """Issue 11 asks recall >= 98 % and false alarms <= 2 % here; this guards what the
    committed classifier measured on the hold-out's first run and states the gap to the
    target. Before its files are committed there is nothing to measure."""
    if number is None:
        assert not FLOORS, f"FLOORS {sorted(FLOORS)} for hold-outs not in HOLDOUTS"
        return
    if not written(number):
        assert number not in FLOORS, f"FLOORS for hold-out {number}, but no files"
        pytest.skip(f"hold-out {number} is not written yet (bench/crisis_set/{HOLDOUTS[number][0]})")
    report = holdout(number)
    gap = (f"hold-out {number}: issue 11 target recall >= {TARGET_RECALL:.0%}, false alarms "
           f"<= {TARGET_FALSE_ALARMS:.0%}; measured " + _figures(report)
           + f"gap to the recall target: {max(TARGET_RECALL - report.recall, 0):.1%}\n")
    assert number in FLOORS, (
        gap + f"first run of hold-out {number}: record found={report.found}, "
        f"helped={report.helped}, alarms={report.alarms}, noted={report.alarms + report.notes} "
        "in FLOORS, and the figures in bench FIRST_RUNS / LEARNED_FIRST_RUNS")
    floor = FLOORS[number]
    assert report.found >= floor["found"], gap + "card-first recall fell below the committed figure\n" \
        + _failures(report)
    assert report.helped >= floor["helped"], gap + "any-help recall fell below the committed figure"
    assert report.alarms <= floor["alarms"], gap + "more false alarms than the committed figure\n" \
        + _failures(report)
    assert report.alarms + report.notes <= floor["noted"], gap + "more notes than the committed figure"
    # Both targets (recall and false alarms) are printed as met or missed by the bench; a
    # hold-out cannot be tuned on to meet them, so what this test holds is its first run.
    # Hold-out 14's first run missed both: 88.8 % card first, 2.2 % false cards (7/314).
