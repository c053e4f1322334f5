"""What a push says, in the recipient's language, as plain data (text and buttons).

Survey invitation and reminder texts are gettext msgids (translated in locales/*/bot.po);
an announcement's text is given by staff per language and may carry <b>, <i> and https
links (checked when the campaign is made, bot/broadcast/markup.py).
Buttons carry an action and a value; each channel shows them its own way (Telegram: inline
buttons with callback data). A push is a core `OutgoingMessage` (bot/core/transport.py).
"""

from __future__ import annotations

from html import escape
from typing import Any

from bot.broadcast.markup import as_html
from bot.config import LANGUAGES
from bot.core.transport import Button, OutgoingMessage
from bot.i18n import _
from bot.i18n import gettext_ as t

INVITE = _(
    "📊 <b>{title}</b>\n\n"
    "A new round of our short survey has started. It takes about two minutes, and your "
    "answers are anonymous. Would you like to help?\n\n"
    "<i>You get this because you turned on survey invitations. You can turn them off in "
    "/surveys.</i>"
)
REMINDER = _(
    "📊 <b>{title}</b>\n\n"
    "A gentle reminder: the survey is still open. If you have two minutes, your answers help "
    "make life in Pomorskie better. Thank you!\n\n"
    "<i>This is the only reminder for this round.</i>"
)
ANNOUNCEMENT_FOOTER = _("<i>You can choose which news you get in /settings.</i>")
TAKE_SURVEY = _("📝 Take the survey")
READ_ANSWER = _("📖 Read more")

ACTION_SURVEY = "survey"
ACTION_FAQ = "faq"


# A push button's action is ACTION_SURVEY (value: wave id) or ACTION_FAQ (value: FAQ slug).
PushButton = Button
Push = OutgoingMessage


def pick_text(values: dict[str, str], lang: str, default: str) -> str:
    for candidate in (lang, default, "en", *LANGUAGES):
        if values.get(candidate):
            return values[candidate]
    return ""


def render_push(kind: str, lang: str, *, default_language: str, texts: dict[str, str],
                wave_id: int | None = None, survey_title: dict[str, str] | None = None,
                faq_slug: str | None = None, faq_title: dict[str, str] | None = None) -> Push:
    """The push of a campaign of `kind` for one language."""
    if kind in ("survey_invite", "survey_reminder"):
        title = escape(pick_text(survey_title or {}, lang, default_language))
        template = INVITE if kind == "survey_invite" else REMINDER
        buttons = ((PushButton(t(TAKE_SURVEY, lang), ACTION_SURVEY, str(wave_id)),)
                   if wave_id is not None else ())
        return Push(t(template, lang).format(title=title), buttons)
    body = as_html(pick_text(texts, lang, default_language))
    text = f"{body}\n\n{t(ANNOUNCEMENT_FOOTER, lang)}"
    buttons = ()
    if faq_slug:
        label = t(READ_ANSWER, lang)
        if faq_title:
            label = "📖 " + pick_text(faq_title, lang, default_language)
        buttons = (PushButton(label[:60], ACTION_FAQ, faq_slug),)
    return Push(text, buttons)


def push_as_dict(push: Push) -> dict[str, Any]:
    return {"text": push.text,
            "buttons": [{"label": b.label, "action": b.action, "value": b.value}
                        for b in push.buttons]}
