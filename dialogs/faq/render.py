"""Telegram HTML for FAQ screens. Titles are plain text and escaped; bodies are trusted
HTML checked at import.

An answer screen is more than its body (breadcrumb, title, sources, dates, notes), and those
change after the body was checked, so a body that fit on its own can make a screen Telegram
refuses ("message is too long"): answer_html shortens the body to fit, keeping its formatting.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote, urlparse

from aiogram.types import MessageEntity
from aiogram.utils.text_decorations import html_decoration

from bot.config import LANGUAGES
from bot.content.model import Localized, Node
from bot.fake_telegram.html_check import HtmlParseError, parse_html, utf16_len
from bot.i18n import gettext_ as t

LANGUAGE_NAMES = {"pl": "polski", "uk": "українська", "en": "English"}
TELEGRAM_LIMIT = 4096  # characters (UTF-16 code units) of a message, after parsing the HTML
ELLIPSIS = "…"


def label(node: Node, lang: str) -> str:
    title = node.title(lang).text
    return f"{node.icon} {title}" if node.icon else title


def fallback_notice(lang: str, shown: str) -> str:
    return "ℹ️ " + t(
        "This text is not yet available in your language; showing it in {language}.",
        lang,
        language=LANGUAGE_NAMES.get(shown, shown),
    )


def breadcrumb(node: Node, lang: str) -> str:
    parts = []
    parent = node.parent
    while parent is not None:
        parts.append(parent.title(lang).text)
        parent = parent.parent
    return " › ".join(escape(p) for p in reversed(parts))


def source_label(url: str) -> str:
    host = urlparse(url).netloc or url
    return host.removeprefix("www.")


def format_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _header(node: Node, lang: str, heading: str, shown: Localized | None) -> list[str]:
    """Breadcrumb, bold heading and, when the text is in another language, a notice."""
    crumbs = breadcrumb(node, lang)
    lines = [f"<i>{crumbs}</i>"] if crumbs else []
    lines.append(f"<b>{escape(heading)}</b>")
    if shown is not None and shown.fallback:
        lines.append(fallback_notice(lang, shown.lang))
    lines.append("")
    return lines


def answer_html(node: Node, lang: str, more: bool = False) -> str:
    """The answer's first screen, or with `more` the details behind its "More" button."""
    body = node.more(lang) if more else None
    if body is None:
        body = node.body(lang)
    head = _header(node, lang, node.title(lang).text, body)
    tail = [""]
    if node.sources:
        links = ", ".join(
            f'<a href="{escape(url, quote=True)}">{escape(source_label(url))}</a>'
            for url in node.sources
        )
        tail.append("📎 " + t("Source:", lang) + " " + links)
    if node.reviewed:
        tail.append("🗓 " + t("Checked on {date}.", lang, date=format_date(node.reviewed)))
    if node.review_status == "check":
        tail.append(
            "⚠️ "
            + t(
                "Some details here may have changed recently and are being re-checked. "
                "Please confirm with the office before you act.",
                lang,
            )
        )
    text = body.text if body else ""
    screen = "\n".join([*head, text, *tail]).strip()
    excess = telegram_length(screen) - TELEGRAM_LIMIT
    if excess > 0:
        text = shorten_html(text, telegram_length(text) - excess - utf16_len(ELLIPSIS))
        screen = "\n".join([*head, text, *tail]).strip()
    return screen


def telegram_length(html: str) -> int:
    """How long Telegram counts the message: its text once the HTML is parsed."""
    try:
        plain, _ = parse_html(html)
    except HtmlParseError:
        return utf16_len(html)
    return utf16_len(plain)


def shorten_html(html: str, room: int) -> str:
    """The first `room` characters (UTF-16 units) of the text, its formatting kept, and "…"."""
    try:
        plain, entities = parse_html(html)
    except HtmlParseError:  # bodies are checked when saved; should one slip through, no tags
        plain, entities = html, []
    cut, used = [], 0
    for char in plain:
        size = utf16_len(char)
        if used + size > max(room, 0):
            break
        cut.append(char)
        used += size
    text = "".join(cut).rstrip()
    used = utf16_len(text)
    kept = []
    for entity in entities:
        end = min(entity["offset"] + entity["length"], used)
        if end > entity["offset"]:
            kept.append(MessageEntity.model_validate({**entity, "length": end - entity["offset"]}))
    return html_decoration.unparse(text + ELLIPSIS, kept)


def section_html(node: Node, lang: str) -> str:
    lines = _header(node, lang, label(node, lang), node.title(lang))
    lines.append(t("Choose a question:", lang))
    return "\n".join(lines)


def share_url(bot_username: str | None, node: Node, lang: str) -> str | None:
    if not bot_username:
        return None
    link = f"https://t.me/{bot_username}?start={node.slug}"
    text = node.title(lang).text
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}"


def language_names() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
