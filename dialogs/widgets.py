"""Render-time translated text widgets for aiogram-dialog windows (gettext: bot/i18n.py).

`T("...")` and `TP(singular, plural, count_key)` look the msgid up in the current locale when
the window renders, so background updates (scheduled pushes) are translated too. Extracted
with `pybabel extract -k T -k TP:1,2`.
"""

from __future__ import annotations

from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.text import Text

from bot.i18n import current_locale, get_translator


def _locale_of(manager: DialogManager) -> str:
    return manager.middleware_data.get("locale") or current_locale.get()


class T(Text):
    """Translated text, rendered at render time; `{name}` placeholders take getter data."""

    def __init__(self, text: str, when: WhenCondition = None) -> None:
        super().__init__(when=when)
        self.text = text

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        text = get_translator().gettext(_locale_of(manager), self.text)
        return text.format_map(data) if "{" in text else text


class TP(Text):
    """Translated plural text: picks the form by the number in `data[count_key]`."""

    def __init__(self, singular: str, plural: str, count_key: str, when: WhenCondition = None):
        super().__init__(when=when)
        self.singular, self.plural, self.count_key = singular, plural, count_key

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        n = int(data.get(self.count_key, 0))
        text = get_translator().ngettext(_locale_of(manager), self.singular, self.plural, n)
        return text.format_map({**data, "n": n})
