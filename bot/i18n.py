"""gettext for UI strings, chosen per update from the user's stored language.

Catalogs live in `locales/<lang>/LC_MESSAGES/bot.po`; the `.mo` files are compiled from them
at start (`compile_catalogs`), so no generated file is kept in git. Telegram dialog windows
use the render-time widgets `T` and `TP` (dialogs/widgets.py), which translate when the
window renders: a background update renders in the language the middleware put in place for
that user. Nothing here knows a channel.

A service that refuses a request raises a `Refusal` (or a subclass): it keeps the English msgid
and the values, and whoever shows it (the staff panel, the command line) renders it in the
reader's language with `refusal.text(lang)`; numbers, dates and lists in it are formatted by
Babel for that language. `str()` of one is its English text, for logs and tracebacks.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.config import LANGUAGES, PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "bot"

current_locale: ContextVar[str] = ContextVar("current_locale", default="en")


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile every bot.po whose .mo is missing or older. Returns the files written."""
    written = []
    for lang in LANGUAGES:
        po = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if not po.exists():
            continue
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


class Translator:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        compile_catalogs(locales_dir)
        self._catalogs: dict[str, gettext.NullTranslations] = {}
        for lang in LANGUAGES:
            try:
                self._catalogs[lang] = gettext.translation(
                    DOMAIN, localedir=str(locales_dir), languages=[lang]
                )
            except OSError:
                self._catalogs[lang] = gettext.NullTranslations()

    def gettext(self, lang: str, msgid: str) -> str:
        return self._catalogs.get(lang, self._catalogs["en"]).gettext(msgid)

    def pgettext(self, lang: str, context: str, msgid: str) -> str:
        return self._catalogs.get(lang, self._catalogs["en"]).pgettext(context, msgid)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self._catalogs.get(lang, self._catalogs["en"]).ngettext(singular, plural, n)


_translator: Translator | None = None


def get_translator() -> Translator:
    global _translator
    if _translator is None:
        _translator = Translator()
    return _translator


def gettext_(msgid: str, lang: str | None = None, **values: Any) -> str:
    text = get_translator().gettext(lang or current_locale.get(), msgid)
    return text.format(**values) if values else text


def ngettext_(singular: str, plural: str, n: int, lang: str | None = None, **values: Any) -> str:
    text = get_translator().ngettext(lang or current_locale.get(), singular, plural, n)
    return text.format(n=n, **values)


# Babel extraction marker: `_("...")` marks a msgid for pybabel without translating it
# (the translation happens at render time through T or gettext_).
def _(msgid: str) -> str:
    return msgid


def _shown(value: Any, lang: str) -> str:
    if isinstance(value, Translatable):
        return value.text(lang)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, Decimal) and int(value.as_tuple().exponent) < 0:
        # Decimal("12.0") keeps its one decimal place: "12.0", "12,0".
        places = -int(value.as_tuple().exponent)
        return format_decimal(value, format="#,##0." + "0" * places, locale=lang)
    if isinstance(value, int | float | Decimal):
        return format_decimal(value, locale=lang)
    if isinstance(value, dt.datetime):  # in its own zone (naive: UTC), to the minute
        return (f"{format_date(value, 'medium', locale=lang)}, "
                f"{format_time(value, 'short', tzinfo=value.tzinfo, locale=lang)}")
    if isinstance(value, dt.date):
        return format_date(value, "medium", locale=lang)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        style = "or" if isinstance(value, Alternatives) else "standard"
        return format_list([_shown(v, lang) for v in items], style, lang) if items else ""
    return str(value)


class Alternatives(tuple):
    """Values shown as "a, b or c" ("a, b lub c") rather than "a, b and c"."""


@dataclass(frozen=True)
class Translatable:
    """A text kept as its English msgid (mark it with `_`) and values until the reader's
    language is known. Values are shown for that language: a Translatable in its words, a
    number, date or list the Babel way. An id or a code that must not be grouped ("1,234")
    goes in as a str. With `plural`, `n` picks the form and is a value too."""

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int = 0

    def text(self, lang: str | None = None) -> str:
        lang = lang or current_locale.get()
        if self.plural is None:
            template = get_translator().gettext(lang, self.msgid)
            values = self.values
        else:
            template = get_translator().ngettext(lang, self.msgid, self.plural, self.n)
            values = {"n": self.n, **self.values}
        return template.format(**{k: _shown(v, lang) for k, v in values.items()})

    def __str__(self) -> str:
        return self.text("en")

    def __hash__(self) -> int:  # the same problem twice is shown once (dict.fromkeys)
        return hash((self.msgid, self.plural, self.n,
                     tuple(sorted((k, repr(v)) for k, v in self.values.items()))))


def lazy(msgid: str, **values: Any) -> Translatable:
    """`lazy("No account for {email}.", email=email)`: translated when shown, not now."""
    return Translatable(msgid, values)


def lazy_plural(singular: str, plural: str, n: int, **values: Any) -> Translatable:
    return Translatable(singular, values, plural, n)


class Refusal(Exception):
    """A request a service refuses, with the reason for the person who made it, translatable.

    `Refusal("Role must be one of: {roles}.", roles=ROLES)` or `Refusal(lazy(...))`; the
    panel and the command line show `refusal.text(lang)`."""

    def __init__(self, reason: str | Translatable, /, **values: Any) -> None:
        self.reason = reason if isinstance(reason, Translatable) else Translatable(reason, values)
        super().__init__(self.reason.msgid)

    def text(self, lang: str | None = None) -> str:
        return self.reason.text(lang)

    def __str__(self) -> str:
        return self.reason.text("en")


def said(what: BaseException | Translatable | str, lang: str | None = None) -> str:
    """What to show of a refusal or a Translatable: its text in `lang` (default: the current
    language); anything else as it is."""
    return what.text(lang) if isinstance(what, Refusal | Translatable) else str(what)
