"""The 🆘 crisis card in the core markup (the Telegram HTML subset, bot/core/markup.py), built
from content/safety/crisis_lines.yaml; each channel renders it (Signal: bot/channels/signal).

Numbers are plain text in international form ("+48 800 70 2222"): the Bot API's HTML has
no tel: links, and Telegram clients turn such numbers into tap-to-call links themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from bot.i18n import _
from bot.i18n import gettext_ as t
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
CHECKED = _("Numbers checked: {date}. Sources: official pages (the lines' own websites, "
            "112.gov.pl, the police).")
MORE = _("All help lines: /sos")
# Above the normal answer when only the learned scorer saw a weak sign of a crisis (no card).
NOTE = _("🆘 If you are in danger or thinking of suicide: /sos")


def crisis_note(lang: str) -> str:
    return t(NOTE, lang)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].removeprefix("www.").rstrip("/")


def line_html(line: CrisisLine, lang: str) -> str:
    head = f"<b>{escape(line.text(line.name, lang))}</b>"
    if line.shown_number:
        facts = [escape(line.shown_number)]
        if line.free:
            facts.append(t(FREE, lang))
        if line.hours:
            facts.append(escape(line.text(line.hours, lang)))
    else:  # not verified yet: the organisation and its website only
        facts = [t(NUMBER_ON_WEBSITE, lang)]
    parts = [head, " · ".join(facts)]
    if line.who:
        parts.append(escape(line.text(line.who, lang)))
    if line.website:
        parts.append(f'<a href="{escape(line.website, quote=True)}">'
                     f"{escape(_host(line.website))}</a>")
    return "\n".join(parts)


def crisis_card(lang: str, categories: Iterable[str] = (),
                lines: CrisisLines | None = None) -> str:
    """The card for `categories` (the lines that fit them); the full card for none."""
    lines = lines or load_lines()
    cats = frozenset(categories)
    first = next((c for c in URGENCY if c in cats), None)
    blocks = [t(INTROS[first], lang) if first else t(GENERIC_INTRO, lang)]
    shown = [line for line in lines.for_categories(cats) if line.id != "112"]
    blocks += [line_html(line, lang) for line in shown]
    footer = [t(LANGUAGE_NOTE, lang),
              "🗓 " + t(CHECKED, lang, date=lines.checked.isoformat())]
    if cats:
        footer.append(t(MORE, lang))
    blocks.append("\n".join(footer))
    return "\n\n".join(blocks)
