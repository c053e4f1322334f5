"""The 🆘 crisis card on Signal: the core card (bot/safety/card.py: the same lines, the same
translated words as on Telegram), rendered as Signal text with bold ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.channels.signal.formatting import Styled, from_html
from bot.safety.card import crisis_card
from bot.safety.lines import CrisisLines

_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_POLISH = re.compile(r"[ąćęłńóśźż]", re.IGNORECASE)


def guess_language(text: str, default: str) -> str:
    """Before a person chose a language: a guess from the letters they typed."""
    if _CYRILLIC.search(text):
        return "uk"
    if _POLISH.search(text):
        return "pl"
    return default


def crisis_message(lang: str, categories: Iterable[str] = (),
                   lines: CrisisLines | None = None) -> Styled:
    return from_html(crisis_card(lang, categories, lines))
