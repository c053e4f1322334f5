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

TELEGRAM_LIMIT = 4096
MAX_ICON = 16
LANG_NAMES = {"pl": "Polish", "uk": "Ukrainian", "en": "English"}


def slug_problems(slug: str) -> list[str]:
    if not SLUG_RE.match(slug):
        return [f"The short name {slug!r} may only use a-z, 0-9 and '-', start with a letter "
                "or digit, and have at most 40 characters."]
    return []


def title_problems(lang: str, title: str) -> list[str]:
    if len(title) > MAX_TITLE:
        return [f"{LANG_NAMES[lang]} title: {len(title)} characters, at most {MAX_TITLE} allowed."]
    return []


def body_problems(lang: str, body: str) -> list[str]:
    """The first screen of an answer: Telegram-valid and short enough for a phone."""
    problems = _text_problems(f"{LANG_NAMES[lang]} text", body)
    shown = visible_length(body)
    if shown > MAX_FIRST_SCREEN:
        problems.append(f"{LANG_NAMES[lang]} text (the first screen): {shown} characters without "
                        f"formatting, at most {MAX_FIRST_SCREEN} fit a phone screen. Keep what to "
                        "do here and move the details, legal bases and citations to "
                        f"\"{LANG_NAMES[lang]} details (More)\".")
    return problems


def details_problems(lang: str, details: str) -> list[str]:
    """What the "More" button shows: Telegram-valid, at most one message."""
    return _text_problems(f"{LANG_NAMES[lang]} details (More)", details)


def _text_problems(name: str, body: str) -> list[str]:
    problems = []
    if len(body) > MAX_BODY:
        problems.append(f"{name}: {len(body)} characters, at most {MAX_BODY} allowed.")
    html = html_problems(body)
    problems.extend(f"{name}: {problem}." for problem in html)
    if html:
        problems.append('Allowed formatting: <b>, <i>, <u>, <s>, <code>, <a href="https://...">; '
                        'links may also be tel: or mailto:.')
    if not problems:
        try:
            plain, _ = parse_html(body)
        except HtmlParseError as exc:
            problems.append(f"{name}: Telegram would refuse it: {exc}.")
        else:
            if utf16_len(plain) > TELEGRAM_LIMIT:
                problems.append(f"{name} is longer than one Telegram message "
                                f"({TELEGRAM_LIMIT} characters).")
    return problems


def sources_problems(sources: list[str], required: bool) -> list[str]:
    problems = []
    if required and not sources:
        problems.append("An answer needs at least one source address (https://...).")
    for src in sources:
        if not is_web_address(src):
            problems.append(f"Source {src!r} is not a web address starting with http:// or https://.")
    return problems


def review_problems(status: str, note: str | None, every_days: int) -> list[str]:
    problems = []
    if status not in REVIEW_STATUSES:
        problems.append(f"Review status must be one of: {', '.join(REVIEW_STATUSES)}.")
    if status == "check" and not note:
        problems.append("When the status is 'check', say in the note what has to be checked.")
    if every_days <= 0:
        problems.append("Review every ... days must be a positive number.")
    return problems


def icon_problems(icon: str | None) -> list[str]:
    if icon and len(icon) > MAX_ICON:
        return [f"The icon must be one emoji (at most {MAX_ICON} characters)."]
    return []


def split_keywords(value: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,\n]", value) if w.strip()]


def split_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]
