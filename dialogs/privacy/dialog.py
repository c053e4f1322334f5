"""/privacy, /mydata and /delete: what the bot holds, shown and erased on request."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.config import Settings
from bot.feedback.service import TicketService
from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.privacy.erasure import UserErasure
from bot.surveys.store import SurveyService
from bot.users import UserDirectory
from bot.users_prefs import PushPreferences
from dialogs.common import home_button, search_inputs, sos_button
from dialogs.faq.render import LANGUAGE_NAMES, format_date
from dialogs.people import current_user_id
from dialogs.states import PrivacySG
from dialogs.widgets import TP, T

PRIVACY_TEXT = _(
    "🔒 <b>Your privacy</b>\n\n"
    "To answer you, the bot keeps only:\n"
    "• your Telegram number (id), so that replies reach you;\n"
    "• the language you chose;\n"
    "• the days of your first and last message;\n"
    "• the screen you are on, so that buttons still work after a restart.\n\n"
    "It does not keep your name, username, phone number or the texts you send.\n\n"
    "Ratings (👍/👎) are stored without any link to you: only the answer, the rating and the day. "
    "When a search finds nothing, the words you searched for are kept without any link to you, "
    "so that staff can add the missing answer. Please do not type personal details into the search.\n\n"
    "Surveys: the bot notes that you took part in a survey round (so it does not ask you twice) "
    "and whether you want survey invitations. Your survey answers are stored separately, without "
    "any link to you, and released only in shuffled groups, so nobody can tell which are yours.\n\n"
    "You can see your data with /mydata and delete it with /delete at any time."
)


FEEDBACK_PRIVACY = _(
    "\n✍️ Messages you send with “Write to us” are the exception: they are kept with a ticket "
    "number (with the photo, if you sent one), so that staff can answer and the reply reaches "
    "you. Staff see the ticket number and your language, never your name or Telegram account."
)
PUSH_PRIVACY = _(
    "\n🔔 If you get notifications (/settings), the bot keeps which ones were sent to you and "
    "when, so that nobody gets the same one twice."
)
STATUS_NAMES = {"new": _("waiting for a reply"), "answered": _("staff replied"),
                "closed": _("closed")}


async def data_getter(dialog_manager: DialogManager, users: UserDirectory, locale: str,
                      surveys: SurveyService, settings: Settings,
                      prefs: PushPreferences | None = None,
                      tickets: TicketService | None = None, **_: Any):
    periods = {"inactive_months": settings.retention_inactive_months,
               "ticket_months": settings.ticket_retention_months}
    user_id = current_user_id(dialog_manager)
    info = await users.describe(user_id)
    if info is None:
        return {**periods, "summary": t("The bot holds nothing about you.", locale)}
    lines = [
        t("Language: {language}", locale, language=LANGUAGE_NAMES.get(info.language or "", "-")),
        t("First message: {date}", locale, date=format_date(info.first_contact)),
        t("Last message: {date}", locale, date=format_date(info.last_contact)),
        t("Your current screen in the bot (kept so buttons keep working).", locale),
        t("Survey invitations: {state}", locale,
          state=t("on", locale) if info.survey_pushes else t("off", locale)),
    ]
    for _survey, code, completed in await surveys.participations(user_id):
        lines.append(t("Survey round {code}: {state}", locale, code=code,
                       state=t("answered", locale) if completed else t("started", locale)))
    if prefs is not None:
        lines.extend(await push_lines(prefs, user_id, dialog_manager, locale))
    if tickets is not None:
        for number, status in await tickets.for_user(user_id):
            lines.append(t("Your message to staff, ticket #{number}: {state}", locale,
                           number=number, state=t(STATUS_NAMES.get(status, status), locale)))
    return {**periods, "summary": "\n".join("• " + line for line in lines)}


async def push_lines(prefs: PushPreferences, user_id: int, manager: DialogManager,
                     locale: str) -> list[str]:
    from dialogs.settings.dialog import topic_choices

    mine = await prefs.get(user_id)
    titles = dict(await topic_choices(manager.middleware_data["content"], locale))
    news = ", ".join(titles.get(topic, topic) for topic in sorted(mine.topics))
    received, last = await prefs.pushes_received(user_id)
    sent = [t("Notifications sent to you: {count} (the last on {date})", locale,
              count=received, date=format_date(last))] if last is not None else []
    return [
        *sent,
        t("News by topic: {topics}", locale, topics=news or t("none", locale)),
        t("All notifications muted: {state}", locale,
          state=t("yes", locale) if mine.muted else t("no", locale)),
    ]


async def on_delete(callback: CallbackQuery, _widget: Any, manager: DialogManager):
    erasure: UserErasure = manager.middleware_data["erasure"]
    locale = manager.middleware_data["locale"]
    # Close every dialog first, so nothing of this chat is written back afterwards.
    await manager.reset_stack()
    await erasure.erase(current_user_id(manager))
    manager.middleware_data["forgotten"] = True
    await callback.message.answer(  # type: ignore[union-attr]
        t("✅ Done. Everything the bot held about you has been deleted. "
          "If you write again, the bot starts fresh.", locale)
    )
    await callback.answer()
    manager.show_mode = ShowMode.NO_UPDATE


def build_privacy_dialog() -> Dialog:
    return Dialog(
        Window(
            T(PRIVACY_TEXT),
            T(FEEDBACK_PRIVACY),
            T(PUSH_PRIVACY),
            TP("\n🗓 If you do not write to the bot for {n} month, everything it holds about "
               "you is deleted automatically, as with /delete.",
               "\n🗓 If you do not write to the bot for {n} months, everything it holds about "
               "you is deleted automatically, as with /delete.", "inactive_months"),
            TP("Your messages to staff are deleted {n} month after they were answered or "
               "closed.",
               "Your messages to staff are deleted {n} months after they were answered or "
               "closed.", "ticket_months"),
            Format("\n{summary}"),
            SwitchTo(T("🗑 Delete my data"), id="del", state=PrivacySG.confirm_delete),
            Row(home_button(), sos_button()),
            *search_inputs(),
            state=PrivacySG.info,
            getter=data_getter,
        ),
        Window(
            T("🗑 <b>Delete your data?</b>\n\nThe bot will forget your language, your place in the "
              "menus, your survey invitations and which survey rounds you took part in. Anonymous "
              "ratings and released anonymous survey answers cannot be linked to you, so they stay, "
              "as the survey consent said."),
            T("\nYour notification settings and your messages to staff (tickets) with their "
              "replies are deleted too, and so are their copies in the staff chat."),
            Row(
                Button(T("Yes, delete"), id="yes", on_click=on_delete),
                SwitchTo(T("Cancel"), id="no", state=PrivacySG.info),
            ),
            sos_button(),
            *search_inputs(),
            state=PrivacySG.confirm_delete,
        ),
    )


async def open_privacy(manager: DialogManager, confirm_delete: bool = False) -> None:
    state = PrivacySG.confirm_delete if confirm_delete else PrivacySG.info
    await manager.start(state, mode=StartMode.RESET_STACK)
