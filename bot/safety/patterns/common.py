"""What the per-language rule modules share: the rule builders and the guards used by both
the Slavic and the English rules (see bot/safety/patterns/__init__.py for the rule fields)."""

from __future__ import annotations


def _rule(name: str, cats: str, kind: str, pattern: str, **options) -> dict:
    return {"name": name, "categories": cats.split(","), "kind": kind, "pattern": pattern,
            **options}


def seq(name: str, cats: str, kind: str, pattern: str, **options) -> dict:
    return _rule(name, cats, kind, pattern, **options)


def near(name: str, cats: str, kind: str, pattern: str, window: int = 4, **options) -> dict:
    return _rule(name, cats, kind, pattern, ordered=False, window=window, **options)


def cue(name: str, cats: str, kind: str, pattern: str, **options) -> dict:
    """A hint that signals its categories only together with another, different cue."""
    return _rule(name, cats, kind, pattern, cue=True, **options)


def unless(words: str, where: str = "around", window: int = 3, but: str | None = None) -> dict:
    return {"words": words, "where": where, "window": window, "but": but}


LIVING_PLACE = unless("LOC", "after", 2, but="WORLD")  # "не хочу жити в гуртожитку"
# "хочу померти від сміху", "umieram z nudów", "dying of boredom"
IDIOM = unless("сміх*|смех*|śmiech*|nud*|нудьг*|нудн*|скук*|laugh*|boredom|bored", "after", 3)
# "умираю как хочу в отпуск", "вмираю як хочу спати": dying *how much* I want
DYING_TO = unless("IDIOM_OF|как|як|jak|так|tak", "after", 1)
# Talk about a topic, not a person in it: "a school essay about domestic violence, sources?",
# "I want to volunteer at a suicide prevention line" (dev13's first run).
TOPIC = unless("""реферат*|доклад*|referat*|essay|prezentacj*|презентац*|джерел*|источник*
    |źródł*|zrodl*|sources|prevention|профілакт*|профилакт*|prewencj*|profilaktyk*
    |volunteer*|волонтер*|wolontar*""".replace("\n", "").replace(" ", ""), window=6)
# "хочу зникнути з соцмереж", "I want to disappear from social media" (dev13b's first run)
ONLINE = unless("соцмереж*|соцсет*|мереж*|social|media|mediów|internet*|інтернет*|интернет*"
                "|facebook*|instagram*|tiktok*|акаунт*|аккаунт*|konto|account", "after", 4)
