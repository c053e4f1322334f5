"""The panel's language for a request, and the locale-aware formats templates use.

A logged-in staff member sees the panel in the language stored on their account (switched
at /panel/language). Before anyone logs in, the page follows the language this browser
used last (kept in the session cookie), else its Accept-Language, else Polish. Translation
uses the bot's gettext catalogs (bot/i18n.py) through the `current_locale` context
variable, so flash messages made in an endpoint and the template rendered after them agree.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from starlette.requests import Request

from bot.config import LANGUAGES
from bot.i18n import current_locale, get_translator

DEFAULT = "pl"
SESSION_KEY = "lang"
# Each language named in itself: the switch must be readable whatever the panel shows now.
LANGUAGE_SELF_NAMES = {"pl": "Polski", "uk": "Українська", "en": "English"}


def from_accept_language(header: str | None) -> str | None:
    """The best of pl/uk/en the browser asks for (q-values respected), or None."""
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGUAGES and quality > 0:
            choices.append((-quality, i, lang))
    return min(choices)[2] if choices else None


def request_locale(request: Request, staff: object | None = None) -> str:
    staff_locale = getattr(staff, "locale", None)
    if staff_locale in LANGUAGES:
        return staff_locale
    remembered = request.session.get(SESSION_KEY) if "session" in request.scope else None
    if remembered in LANGUAGES:
        return remembered
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT


def use_locale(request: Request, staff: object | None = None) -> str:
    """Put the request's language in place for gettext; returns it."""
    lang = request_locale(request, staff)
    request.state.locale = lang
    current_locale.set(lang)
    if staff is not None and "session" in request.scope:
        request.session[SESSION_KEY] = lang  # the login page after logout stays in it
    return lang


def gettext(msgid: str) -> str:
    return get_translator().gettext(current_locale.get(), msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    return get_translator().ngettext(current_locale.get(), singular, plural, n)


def date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    return format_date(value, fmt, locale=current_locale.get()) if value else ""


def datetime(value: dt.datetime | None, zone: str | None = None) -> str:
    """A naive UTC time as "9 gru 2026, 10:30" in the locale's way; in `zone` when given,
    else in UTC and marked so."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    local = aware.astimezone(ZoneInfo(zone) if zone else dt.UTC)
    lang = current_locale.get()
    text = f"{format_date(local, 'medium', locale=lang)}, {format_time(local, 'short', locale=lang)}"
    return text if zone else f"{text} UTC"


def number(value: float | int | None, digits: int | None = None) -> str:
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value, locale=current_locale.get())
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=current_locale.get())
