"""Names staff see for values the code keeps in English (roles, statuses, kinds), as gettext
msgids: templates show them through `role_name` / `label`, translated when rendered."""

from __future__ import annotations

from bot.i18n import _, current_locale, get_translator
from bot.web.panel.locale import gettext


def pgettext(context: str, msgid: str) -> tuple[str, str]:
    """Extraction marker for a msgid with a context (`pybabel extract` knows `pgettext`):
    the same English word can need another translation here than in the bot."""
    return context, msgid

ROLE_NAMES = {"editor": _("editor"), "analyst": _("analyst"), "admin": _("administrator")}
ROLE_HELP = {
    "editor": _("edits content and answers feedback"),
    "analyst": _("sees survey results and exports"),
    "admin": _("manages accounts and campaigns, and can do everything"),
}
# The language names of bot.content.validation.LANG_NAMES, as msgids.
LANGUAGE_NAMES = (_("Polish"), _("Ukrainian"), _("English"))
LABELS: dict[str, str | tuple[str, str]] = {
    # tickets
    "new": _("new"), "answered": pgettext("ticket", "answered"), "closed": _("closed"),
    # campaigns
    "scheduled": _("scheduled"), "sending": _("sending"), "done": _("done"),
    "cancelled": _("cancelled"), "announcement": _("announcement"),
    "survey_invite": _("survey invitation"), "survey_reminder": _("survey reminder"),
    "survey": _("survey"),
    # deliveries of replies
    "pending": _("waiting"), "sent": _("delivered"), "failed": _("not delivered"),
    # translation status
    "missing": _("missing"), "outdated": _("outdated"), "current": _("up to date"),
    "source": _("source"),
}


def role_name(role: str) -> str:
    return gettext(ROLE_NAMES.get(role, role))


def label(value: str | None) -> str:
    """The translated name of a status or kind; an unknown value is shown as it is."""
    if not value:
        return ""
    if value not in LABELS:
        return value
    msgid = LABELS[value]
    if isinstance(msgid, tuple):
        return get_translator().pgettext(current_locale.get(), *msgid)
    return gettext(msgid)
