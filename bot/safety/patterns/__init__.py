"""Concepts and rules of the crisis classifier (bot/safety/crisis.py), one module per language
family: slavic.py (uk, ru, pl and transliterations, kind "sl") and english.py (kind "en");
common.py holds the rule builders and the guards both use.

Words are written as people type them; the classifier folds them to skeletons, so one
entry covers "жити", "zhyty" and "zhity", and "żyć" covers "zyc". A trailing * makes an
entry a stem prefix; a leading = keeps an entry exact even when it is long (no typo match).
Ukrainian, Russian and Polish share one vocabulary ("sl"): people mix them ("мені не платить
pracodawca"), and the folded forms of the three rarely clash. English has its own ("en").

Rule fields: pattern (concepts in CAPS or inline words a|b|c*; "~N" before an element: at
most N words before it; default `gap`), ordered (False: all within `window` words of the
first element, any order), unless (guards that cancel the match), categories; cue (a hint:
two different cues of a category are needed), fixed_order (a two-word Slavic rule that must
not also match reversed, see _reversed at the end). A word written "!word" is matched as
typed, before folding.
Measured on bench/crisis_set (see bench/bench_crisis.py); the comments say which mistakes a
guard is there for.
"""

from __future__ import annotations

from bot.safety.patterns import english, slavic
from bot.safety.patterns.common import A_PET, cue, near, seq, unless

__all__ = ["CONCEPTS", "RULES", "cue", "near", "seq", "unless"]

CONCEPTS: dict[str, dict[str, list[str]]] = {
    "sl": {k: v.split() for k, v in slavic.WORDS.items()},
    "en": {k: v.split() for k, v in english.WORDS.items()},
}

# Slavic rules first, then English: the order the classifier has always seen them in.
RULES: list[dict] = [*slavic.RULES, *english.RULES]


def _reversed(rule: dict) -> dict | None:
    """Ukrainian, Russian and Polish order words freely ("list pożegnalny", "прощальний
    лист"): a two-word Slavic rule also matches the other way round, unless it is about
    negation or its guards look at one side only."""
    tokens = rule["pattern"].split()
    words_ = [t for t in tokens if not t.startswith("~")]
    if (rule["kind"] != "sl" or not rule.get("ordered", True) or len(words_) != 2
            or rule.get("fixed_order")
            or "NEG" in rule["pattern"] or rule.get("neg") is False
            or any(g["where"] != "around" for g in rule.get("unless", ()))):
        return None
    gap = next((t for t in tokens if t.startswith("~")), None)
    pattern = " ".join([words_[1], gap, words_[0]] if gap else [words_[1], words_[0]])
    return {**rule, "name": rule["name"] + ".reversed", "pattern": pattern}



def _not_of_a_pet(rule: dict) -> dict:
    """A medical rule is about a person: "у собаки епілепсія, напад триває три хвилини"
    (hold-out 19) is a question for a vet. Some medical rules had the pet guard; all have it."""
    if "medical" not in rule["categories"] or A_PET in rule.get("unless", ()):
        return rule
    return {**rule, "unless": [*rule.get("unless", ()), A_PET]}


RULES = [_not_of_a_pet(r) for r in RULES]
RULES += [r for r in map(_reversed, RULES) if r is not None]
