"""The Signal channel's UI strings, translated through the project's gettext catalogs.

bot/i18n.py carries aiogram-dialog widgets, so this reads the same locales/*/bot.po with
Babel directly. Strings shared with the Telegram dialogs keep their msgid (one translation
serves both); strings only Signal needs are marked `_()` here for `make i18n`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.messages.pofile import read_po

from bot.config import LANGUAGES, PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"


def _(msgid: str) -> str:
    return msgid


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "bot.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog
            if isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy}


def t(msgid: str, lang: str, **values: Any) -> str:
    text = _catalog(lang).get(msgid, msgid) if lang in LANGUAGES else msgid
    return text.format(**values) if values else text


LANGUAGE_NAMES = {"pl": "polski", "uk": "українська", "en": "English"}

# Shared with the Telegram dialogs.
WRITE_TO_US = "✍️ Write to us"
EMERGENCY = "🆘 Emergency numbers"
HOME = "🏠 Home"
BACK = "⬅️ Back"
HELPFUL = "👍 Helpful"
NOT_HELPFUL = "👎 Not helpful"
SHARE = "📤 Share"
MORE = "ℹ️ More"
SOURCE = "Source:"
CHECKED_ON = "Checked on {date}."
RECHECK = ("Some details here may have changed recently and are being re-checked. "
           "Please confirm with the office before you act.")
FALLBACK = "This text is not yet available in your language; showing it in {language}."
THANKS_RATING = "Thank you! Your rating helps us improve the answers."
RESULTS = "🔎 Results for «{query}»:"
NOTHING_FOUND = "🔎 I found nothing for «{query}». Try other words, or choose a topic:"
PRIVACY = "🔒 Privacy"
DELETE_MY_DATA = "🗑 Delete my data"
YES_DELETE = "Yes, delete"
CANCEL = "✖️ Cancel"
SEND = "✅ Send"
EMPTY_MESSAGE = "Your message is empty. Please type a few words, or send a photo."
NOTHING_HELD = "The bot holds nothing about you."
LANGUAGE_LINE = "Language: {language}"
FIRST_MESSAGE = "First message: {date}"
LAST_MESSAGE = "Last message: {date}"
TICKET_LINE = "Your message to staff, ticket #{number}: {state}"
TICKET_STATES = {"new": "waiting for a reply", "answered": "staff replied", "closed": "closed"}
SURVEY_INVITES = "Survey invitations: {state}"
MUTED = "All notifications muted: {state}"
ON, OFF = "on", "off"
TOO_MANY = "⏳ Too many messages, please wait a moment."
SOMETHING_WRONG = "⚠️ Something went wrong on our side. Please try again in a moment."
CHANGE_LANGUAGE = "🌐 Language"
GENERAL_NEWS = "General news"
TOPICS = "Topics"

# Signal only.
CHOOSE_LANGUAGE = _("Choose your language: type its number.")
MENU_HINT = _("Type a number to choose, 0 for the main menu, # for the language. "
              "Or just type your question.")
MAIN_MENU = _("👋 Belong: answers for people who moved to Pomorskie. Choose a topic:")
UNKNOWN_CHOICE = _("There is no option {number} here. Type one of the numbers shown, or 0 "
                   "for the main menu.")
SHARE_TEXT = _("Send this to someone who may need it: «{title}». To read it, they write "
               "{code} to Belong on Signal: {link}")
WRITE_PROMPT = _("✍️ Write your message to the Belong staff in one message. They answer here, "
                 "usually within a few working days. Do not send documents or passport "
                 "numbers. 0 cancels.")
CHECK_MESSAGE = _("📨 Your message to staff:\n\n{text}\n\nSend it?")
TICKET_OPENED = _("✅ Sent. Your message is ticket #{number}. The answer will come here.")
TICKET_AGAIN = _("This message is already ticket #{number}; it is waiting for a reply.")
TICKET_LIMIT = _("You have sent many messages to staff recently. You can write again from "
                 "{time} (Polish time).")
TICKET_TOO_LONG = _("Your message is too long: at most {limit} characters, please.")
ONLY_TEXT = _("I can only read text here. Type your question in words.")
ONLY_TEXT_OR_PHOTO = _("Only text and photos can be passed on to staff. Please type your "
                       "message, or send a photo.")
PHOTO_TOO_BIG = _("This photo is too large (more than {limit} MB). Please send a smaller one.")
CHECK_PHOTO = _("📨 Your message to staff:\n\n{text}\n📷 A photo is attached.\n\nSend it?")
CHECK_PHOTOS = _("📨 Your message to staff:\n\n{text}\n📷 Photos attached: {count}.\n\nSend it?")
TOO_MANY_PHOTOS = _("One message to staff can carry at most {limit} photos. Please choose the "
                    "{limit} that matter most and send them again.")
PHOTO_LOST = _("The photo could not be read. Please send it again.")
DELETE_CONFIRM = _("🗑 Delete everything the bot holds about you: your language, settings and "
                   "messages to staff? This cannot be undone.")
DELETED = _("✅ Deleted. The bot no longer holds anything about you. If you write again, "
            "you start afresh.")
SETTINGS_TITLE = _("⚙️ Settings: type a number to switch.")
SETTINGS = _("⚙️ Settings")
SURVEYS_TOGGLE = _("📊 Survey invitations: {state}")
MUTE_TOGGLE = _("🔕 Mute all notifications: {state}")
PRIVACY_TEXT = _(
    "🔒 What Belong keeps, and why\n\n"
    "• Your Signal address (to answer you), your language and settings, the days of your "
    "first and last message, and your messages to staff with their replies.\n"
    "• Not kept: your name, profile or contacts. Searches are kept without any link to you "
    "(with numbers and e-mail addresses removed) so that missing answers can be added.\n"
    "• Ratings (👍/👎) and survey answers are stored anonymously.\n"
    "• If you do not write for {months} months, everything about you is deleted. Answered "
    "messages to staff are deleted {ticket_months} months after the last reply.\n\n"
    "/mydata shows what the bot holds about you; /delete removes it at once.")
MYDATA_TITLE = _("📄 What the bot holds about you")
HELP = _("Type your question in your own words, or a number from the menu. "
         "0: main menu · #: language · /sos: emergency numbers · /privacy · /mydata · /delete")
