"""The 🆘 crisis card for Signal: the same lines (content/safety/crisis_lines.yaml) and the same
translated words as the Telegram card (dialogs/crisis/card.py; the msgids are shared), as
Signal text with bold ranges instead of HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.channels.signal.formatting import Styled, from_html
from bot.channels.signal.texts import _, t
from bot.safety.lines import CrisisLine, CrisisLines, load_lines

# The most urgent category speaks first: its words open the card.
URGENCY = ("medical", "suicide", "violence", "child", "trafficking")

INTROS = {
    "medical": _("🆘 <b>If a life is in danger, call 112 now.</b>\n"
                 "Say what happened and where you are: town, street, number. "
                 "Stay on the line and do what the operator says."),
    "suicide": _("🆘 <b>It sounds like things are very hard for you right now. "
                 "You are not alone.</b>\n"
                 "You can talk to someone now, for free. "
                 "If you might hurt yourself soon, call 112."),
    "violence": _("🆘 <b>Nobody has the right to hurt you. It is not your fault.</b>\n"
                  "If you are in danger now, call 112."),
    "child": _("🆘 <b>A child in danger needs help now.</b>\n"
               "If the child is in danger right now, call 112."),
    "trafficking": _("🆘 <b>Nobody may take your documents or stop you from leaving. "
                     "Help is there for foreigners too.</b>\n"
                     "If you are in danger now, call 112."),
}
GENERIC_INTRO = _("🆘 <b>Help in an emergency</b>\n"
                  "Danger to life or health right now: call 112.")
FREE = _("free")
NUMBER_ON_WEBSITE = _("phone number: see the website")
LANGUAGE_NOTE = _("Not every line answers in Ukrainian or English: say which language you "
                  "speak, or ask someone near you to help.")
CHECKED = _("Numbers checked: {date}. Sources: the lines' own websites and 112.gov.pl.")
MORE = _("All help lines: /sos")

_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_POLISH = re.compile(r"[ąćęłńóśźż]", re.IGNORECASE)


def guess_language(text: str, default: str) -> str:
    """Before a person chose a language: a guess from the letters they typed."""
    if _CYRILLIC.search(text):
        return "uk"
    if _POLISH.search(text):
        return "pl"
    return default


def _line(line: CrisisLine, lang: str) -> Styled:
    out = Styled().add(line.text(line.name, lang), "BOLD")
    if line.shown_number:
        facts = [line.shown_number]
        if line.free:
            facts.append(t(FREE, lang))
        if line.hours:
            facts.append(line.text(line.hours, lang))
    else:
        facts = [t(NUMBER_ON_WEBSITE, lang)]
    out.line(" · ".join(facts))
    if line.who:
        out.line(line.text(line.who, lang))
    if line.website:
        out.line(line.website)
    return out


def crisis_message(lang: str, categories: Iterable[str] = (),
                   lines: CrisisLines | None = None) -> Styled:
    lines = lines or load_lines()
    cats = frozenset(categories)
    first = next((c for c in URGENCY if c in cats), None)
    out = from_html(t(INTROS[first], lang) if first else t(GENERIC_INTRO, lang))
    for line in lines.for_categories(cats):
        if line.id == "112":
            continue
        out.add("\n\n").extend(_line(line, lang))
    out.add("\n\n" + t(LANGUAGE_NOTE, lang))
    out.line("🗓 " + t(CHECKED, lang, date=lines.checked.isoformat()))
    if cats:
        out.line(t(MORE, lang))
    return out
