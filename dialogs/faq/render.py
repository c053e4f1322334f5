"""Telegram HTML for FAQ screens. Titles are plain text and escaped; bodies are trusted
HTML checked at import."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote, urlparse

from bot.config import LANGUAGES
from bot.content.model import Localized, Node
from bot.i18n import gettext_ as t

LANGUAGE_NAMES = {"pl": "polski", "uk": "українська", "en": "English"}


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


def answer_html(node: Node, lang: str) -> str:
    body = node.body(lang)
    lines = _header(node, lang, node.title(lang).text, body)
    lines.append(body.text if body else "")
    lines.append("")
    if node.sources:
        links = ", ".join(
            f'<a href="{escape(url, quote=True)}">{escape(source_label(url))}</a>'
            for url in node.sources
        )
        lines.append("📎 " + t("Source:", lang) + " " + links)
    if node.reviewed:
        lines.append("🗓 " + t("Checked on {date}.", lang, date=format_date(node.reviewed)))
    if node.review_status == "check":
        lines.append(
            "⚠️ "
            + t(
                "Some details here may have changed recently and are being re-checked. "
                "Please confirm with the office before you act.",
                lang,
            )
        )
    return "\n".join(lines).strip()


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
