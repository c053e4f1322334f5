"""Checks on staff input to the FAQ tree, with messages written for non-programmers.

The rules are the YAML import's (bot/content/yaml_io.py), so whatever staff save in the panel
exports and re-imports cleanly; bodies are also parsed the way Telegram parses HTML
(bot/fake_telegram/html_check.py), so the bot can always send them.
"""

from __future__ import annotations

import re

from bot.content.yaml_io import (
    MAX_BODY,
    MAX_FIRST_SCREEN,
    MAX_TITLE,
    REVIEW_STATUSES,
    SLUG_RE,
    html_problems,
    is_web_address,
    visible_length,
)
from bot.fake_telegram.html_check import HtmlParseError, parse_html, utf16_len
from bot.i18n import Alternatives, Translatable, lazy

TELEGRAM_LIMIT = 4096
MAX_ICON = 16
LANG_NAMES = {"pl": "Polish", "uk": "Ukrainian", "en": "English"}


Problems = list[str | Translatable]  # sentences for the staff member, translated when shown


def slug_problems(slug: str) -> Problems:
    if not SLUG_RE.match(slug):
        return [lazy("The short name “{slug}” may only use a-z, 0-9 and '-', start with a letter "
                     "or digit, and have at most 40 characters.", slug=slug)]
    return []


def _language(lang: str) -> Translatable:
    return lazy(LANG_NAMES[lang])


def title_problems(lang: str, title: str) -> Problems:
    if len(title) > MAX_TITLE:
        return [lazy("Title ({language}): {count} characters, at most {most} allowed.",
                     language=_language(lang), count=len(title), most=MAX_TITLE)]
    return []


def body_problems(lang: str, body: str) -> Problems:
    """The first screen of an answer: Telegram-valid and short enough for a phone."""
    text = lazy("Text ({language})", language=_language(lang))
    problems = _text_problems(text, body)
    shown = visible_length(body)
    if shown > MAX_FIRST_SCREEN:
        problems.append(lazy(
            "{field}, the first screen: {count} characters without formatting, at most {most} fit "
            "a phone screen. Keep what to do here and move the details, legal bases and "
            "citations to “{details}”.", field=text, count=shown, most=MAX_FIRST_SCREEN,
            details=_details(lang)))
    return problems


def _details(lang: str) -> Translatable:
    return lazy("Details ({language})", language=_language(lang))


def details_problems(lang: str, details: str) -> Problems:
    """What the "More" button shows: Telegram-valid, at most one message."""
    return _text_problems(_details(lang), details)


def _text_problems(name: Translatable, body: str) -> Problems:
    problems: Problems = []
    if len(body) > MAX_BODY:
        problems.append(lazy("{field}: {count} characters, at most {most} allowed.", field=name,
                             count=len(body), most=MAX_BODY))
    html = html_problems(body)
    # The details of a markup problem ("unclosed <i>") stay as the checker words them.
    problems.extend(lazy("{field}: {problem}.", field=name, problem=problem) for problem in html)
    if html:
        problems.append(lazy('Allowed formatting: <b>, <i>, <u>, <s>, <code>, '
                             '<a href="https://...">; links may also be tel: or mailto:.'))
    if not problems:
        try:
            plain, _ = parse_html(body)
        except HtmlParseError as exc:
            problems.append(lazy("{field}: Telegram would refuse it: {detail}.", field=name,
                                 detail=str(exc)))
        else:
            if utf16_len(plain) > TELEGRAM_LIMIT:
                problems.append(lazy("{field} is longer than one Telegram message ({limit} "
                                     "characters).", field=name, limit=TELEGRAM_LIMIT))
    return problems


def sources_problems(sources: list[str], required: bool) -> Problems:
    problems: Problems = []
    if required and not sources:
        problems.append(lazy("An answer needs at least one source address (https://...)."))
    for src in sources:
        if not is_web_address(src):
            problems.append(lazy("Source “{source}” is not a web address starting with http:// "
                                 "or https://.", source=src))
    return problems


def review_problems(status: str, note: str | None, every_days: int) -> Problems:
    problems: Problems = []
    if status not in REVIEW_STATUSES:
        problems.append(lazy("The review status must be {statuses}.",
                             statuses=Alternatives(REVIEW_STATUSES)))
    if status == "check" and not note:
        problems.append(lazy("When the status is “check”, say in the note what has to be "
                             "checked."))
    if every_days <= 0:
        problems.append(lazy("“{field}” must be a positive number.",
                             field=lazy("Check again every ... days")))
    return problems


def icon_problems(icon: str | None) -> Problems:
    if icon and len(icon) > MAX_ICON:
        return [lazy("The icon must be one emoji (at most {most} characters).", most=MAX_ICON)]
    return []


def split_keywords(value: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,\n]", value) if w.strip()]


def split_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]
