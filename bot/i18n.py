"""gettext for UI strings, chosen per update from the user's stored language.

Catalogs live in `locales/<lang>/LC_MESSAGES/bot.po`; the `.mo` files are compiled from them
at start (`compile_catalogs`), so no generated file is kept in git. Telegram dialog windows
use the render-time widgets `T` and `TP` (dialogs/widgets.py), which translate when the
window renders: a background update renders in the language the middleware put in place for
that user. Nothing here knows a channel.
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

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
