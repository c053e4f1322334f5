"""The Belong conversation on Signal: menus as numbered replies over the same services.

Signal has no buttons, so every screen ends with numbered options: a number chooses, "0"
goes home, "#" changes the language, anything else is a question searched in the person's
own words. The screen (what each number means) is stored on the contact row, so a restart
continues where the person was. Every typed text is read by the crisis classifier first:
a message that signals a crisis gets the crisis card before anything else, in every state.

`handle()` returns the replies; the runner sends them. No Telegram here. Writing to staff
(the draft and the ticket) is in staff_writing.py, surveys in survey.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.channels.signal import texts as tx
from bot.channels.signal.contacts import Person, SignalPeople
from bot.channels.signal.crisis_card import crisis_message, guess_language
from bot.channels.signal.envelope import Incoming
from bot.channels.signal.formatting import Styled, from_html
from bot.channels.signal.staff_writing import SCREENS as WRITING
from bot.channels.signal.staff_writing import AttachmentFetcher, StaffWriting
from bot.channels.signal.survey import SURVEYS, SignalSurveys
from bot.config import LANGUAGES
from bot.content.model import Node
from bot.content.service import ContentStore
from bot.feedback.service import (
    TicketService,
)
from bot.privacy.erasure import UserErasure
from bot.safety.crisis import CrisisSignal, classify
from bot.safety.given import CARD, HelpGiven, HelpRecord
from bot.users import UserDirectory
from bot.users_prefs import GENERAL, PushPreferences

log = logging.getLogger(__name__)
t = tx.t
_CHOICE = re.compile(r"^\s*(\d{1,2}|#)\s*[.)]?\s*$")
MAX_OPTIONS = 30


@dataclass(frozen=True)
class Settings:
    account: str | None = None
    retention_months: int = 24
    ticket_months: int = 12


def is_choice(text: str) -> bool:
    return bool(_CHOICE.match(text))


def _date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _label(node: Node, lang: str) -> str:
    title = node.title(lang).text
    return f"{node.icon} {title}" if node.icon else title


class Conversation:
    def __init__(self, people: SignalPeople, users: UserDirectory, content: ContentStore,
                 tickets: TicketService, prefs: PushPreferences, erasure: UserErasure,
                 settings: Settings | None = None, surveys: SignalSurveys | None = None,
                 fetch_attachment: AttachmentFetcher | None = None,
                 on_ticket_opened: Callable[[], Awaitable[None]] | None = None,
                 given: HelpRecord | None = None) -> None:
        self.people, self.users, self.content = people, users, content
        self.writing = StaffWriting(tickets, self._options, self._menu, fetch_attachment,
                                    on_ticket_opened)
        self.tickets, self.prefs, self.erasure = tickets, prefs, erasure
        self.settings = settings or Settings()
        self.surveys = surveys
        self._survey_running = (False, 0.0)  # (answer, when checked)
        self._menu_survey = False
        # An edit of a message that got the card gets no second one (in Redis when shared).
        self.given = given or HelpGiven()

    async def _surveys_running(self) -> bool:
        """Whether a survey is open (the menu offers 📊 Surveys then); checked every few seconds."""
        if self.surveys is None:
            return False
        running, checked = self._survey_running
        if time.monotonic() - checked > 5.0:
            running = await self.surveys.running()
            self._survey_running = (running, time.monotonic())
        return running

    # ------------------------------------------------------------ entry
    async def handle(self, incoming: Incoming) -> list[Styled]:
        contact = await self.people.seen(incoming.address)
        if incoming.timestamp and incoming.timestamp <= contact.last_timestamp:
            return []  # replayed after a reconnect: answered already
        contact.last_timestamp = incoming.timestamp
        lang = contact.language
        self._menu_survey = await self._surveys_running()
        out: list[Styled] = []
        erased = False
        try:
            if incoming.kind == "reaction":
                out += await self._reaction(contact, incoming, lang)
            elif lang is not None and (incoming.attachments or incoming.sticker) and \
                    contact.screen.get("name") in WRITING:
                # A photo for staff (with its caption), or something staff cannot get.
                signal = classify(incoming.text) if incoming.text.strip() else CrisisSignal()
                out += await self._card(incoming, signal, lang)
                out.append(self.writing.attachment_draft(contact, incoming, lang))
            elif incoming.kind == "attachment":
                out.append(Styled().add(t(tx.ONLY_TEXT, lang or "en")))
                if lang is None:
                    out.append(self._language_screen(contact, back=False))
            else:
                text = incoming.text.strip()
                signal = CrisisSignal()
                if not text.startswith("/") and not is_choice(text):
                    signal = classify(text)
                    out += await self._card(incoming, signal, lang or guess_language(text, "en"))
                if lang is None:
                    out += await self._first_contact(contact, text, signal)
                else:
                    replies, erased = await self._text(contact, text, lang, signal)
                    out += replies
        finally:
            if not erased:
                await self.people.save(contact)
        return out

    async def _card(self, incoming: Incoming, signal: CrisisSignal, lang: str) -> list[Styled]:
        """The crisis card, unless this is an edit of a message that got it already."""
        due = await self.given.due(incoming.address, incoming.timestamp, signal, incoming.edit_of)
        if due != CARD:
            return []
        log.info("signal crisis card sent")
        return [crisis_message(lang, signal.categories)]

    # ------------------------------------------------------------ language
    def _language_screen(self, contact: Person, back: bool) -> Styled:
        contact.screen = {"name": "lang", "options": [["lang", code] for code in LANGUAGES]}
        out = Styled()
        for code in LANGUAGES:
            out.line(t(tx.CHOOSE_LANGUAGE, code))
        out.line()
        for i, code in enumerate(LANGUAGES, 1):
            out.line(f"{i}. {tx.LANGUAGE_NAMES[code]}")
        if back:
            out.line("0. 🏠")
        return out

    async def _first_contact(self, contact: Person, text: str, signal: CrisisSignal) -> list[Styled]:
        screen = contact.screen
        match = _CHOICE.match(text)
        if screen.get("name") == "lang" and match and match.group(1).isdigit():
            number = int(match.group(1))
            if 1 <= number <= len(LANGUAGES):
                lang = LANGUAGES[number - 1]
                await self.users.set_language(contact.user_id, lang)
                pending = screen.get("pending")
                if pending:
                    return await self._search(contact, pending, lang, CrisisSignal())
                return [self._menu(contact, lang)]
        pending = screen.get("pending") if screen.get("name") == "lang" else None
        if not text.startswith("/") and not is_choice(text) and not signal:
            pending = text[:500]  # searched once the language is chosen; a crisis text is not kept
        contact.screen = {}
        reply = self._language_screen(contact, back=False)
        if pending:
            contact.screen["pending"] = pending
        return [reply]

    # ------------------------------------------------------------ typed text
    async def _text(self, contact: Person, text: str, lang: str,
                    signal: CrisisSignal) -> tuple[list[Styled], bool]:
        lowered = text.lower()
        command = lowered.split()[0] if lowered.startswith("/") else None
        out: list[Styled] = []
        if contact.screen.get("name") == "survey_q" and self.surveys is not None:
            if command is None and lowered not in ("0", "#"):
                return [await self.surveys.answer(contact, text, lang, self._options)], False
            out.append(await self.surveys.stop(contact, lang))  # leaving keeps nothing of it
        replies, erased = await self._command_or_text(contact, text, lowered, command, lang, signal)
        return out + replies, erased

    async def _command_or_text(self, contact: Person, text: str, lowered: str, command: str | None,
                               lang: str, signal: CrisisSignal) -> tuple[list[Styled], bool]:
        if command == "/surveys" and self.surveys is not None:
            return [await self.surveys.list_screen(contact, lang, self._options)], False
        if command in ("/start", "/menu") or lowered in ("0", "menu", "menu."):
            return [self._menu(contact, lang)], False
        if command == "/language" or lowered == "#":
            return [self._language_screen(contact, back=True)], False
        if command == "/help":
            return [Styled().add(t(tx.HELP, lang)), self._menu(contact, lang)], False
        if command == "/privacy":
            return [self._privacy(lang)], False
        if command == "/mydata":
            return [await self._mydata(contact, lang)], False
        if command == "/delete":
            return [self._delete_screen(contact, lang)], False
        if command == "/settings":
            return [await self._settings(contact, lang)], False
        if command == "/sos" or lowered == "sos":
            return [crisis_message(lang, ())], False
        if command is not None:
            return [Styled().add(t(tx.HELP, lang))], False
        match = _CHOICE.match(text)
        if match:
            return await self._choose(contact, int(match.group(1)), lang)
        if contact.screen.get("name") in WRITING:
            return [self.writing.text_draft(contact, text, lang)], False
        return await self._search(contact, text, lang, signal), False

    async def _choose(self, contact: Person, number: int, lang: str) -> tuple[list[Styled], bool]:
        options = contact.screen.get("options") or []
        if not 1 <= number <= len(options):
            reply = Styled().add(t(tx.UNKNOWN_CHOICE, lang, number=number))
            return [reply], False
        action, *args = options[number - 1]
        arg = args[0] if args else None
        catalog = await self.content.current()
        if action == "lang":
            await self.users.set_language(contact.user_id, arg)
            back = contact.screen.get("back")
            node = catalog.get(back) if back else None
            return [self._node(contact, node, arg) if node else self._menu(contact, arg)], False
        if action == "node":
            node = catalog.get(arg)
            return [self._node(contact, node, lang) if node else self._menu(contact, lang)], False
        if action == "home":
            return [self._menu(contact, lang)], False
        if action == "rate":
            return [await self._rate(contact, arg, lang)], False
        if action == "share":
            return [self._share(contact, lang)], False
        if action == "more":
            node = catalog.get(arg)
            return [self._details(contact, node, lang) if node else self._menu(contact, lang)], False
        if action == "write":
            return [self.writing.screen(contact, arg, lang)], False
        if action == "send":
            return [await self.writing.send(contact, lang)], False
        if action == "sos":
            return [crisis_message(lang, ())], False
        if action == "settings":
            return [await self._settings(contact, lang)], False
        if action == "toggle":
            prefs = await self.prefs.get(contact.user_id)
            if arg == "surveys":
                await self.prefs.set_survey_invites(contact.user_id, not prefs.survey_invites)
            else:
                await self.prefs.set_muted(contact.user_id, not prefs.muted)
            return [await self._settings(contact, lang)], False
        if action == "topic":
            prefs = await self.prefs.get(contact.user_id)
            await self.prefs.set_topic(contact.user_id, arg, arg not in prefs.topics)
            return [await self._settings(contact, lang)], False
        if action == "privacy":
            return [self._privacy(lang)], False
        if action == "surveys" and self.surveys is not None:
            return [await self.surveys.list_screen(contact, lang, self._options)], False
        if action == "survey" and self.surveys is not None:
            return [await self.surveys.pick(contact, int(arg), lang, self._options)], False
        if action == "survey_agree" and self.surveys is not None:
            return [await self.surveys.agree(contact, lang, self._options)], False
        if action == "lang_screen":
            return [self._language_screen(contact, back=True)], False
        if action == "delete":
            await self.erasure.erase(contact.user_id)
            log.info("signal person erased")
            return [Styled().add(t(tx.DELETED, lang))], True
        return [self._menu(contact, lang)], False

    # ------------------------------------------------------------ screens
    @staticmethod
    def _options(out: Styled, contact: Person, options: list[tuple[str, list]]) -> None:
        """Numbered lines; their actions become the screen's options."""
        actions = []
        for i, (label, action) in enumerate(options[:MAX_OPTIONS], 1):
            out.line(f"{i}. {label}")
            actions.append(action)
        contact.screen["options"] = actions

    def _footer(self, out: Styled, lang: str) -> None:
        out.line(f"0. {t(tx.HOME, lang)}")
        out.line()
        out.line(t(tx.MENU_HINT, lang), "ITALIC")

    def _menu_options(self, roots: list[Node], lang: str) -> list[tuple[str, list]]:
        options = [(_label(node, lang), ["node", node.slug]) for node in roots]
        options += [(t(tx.EMERGENCY, lang), ["sos"]), (t(tx.WRITE_TO_US, lang), ["write", None])]
        if self._menu_survey:
            options.append((t(SURVEYS, lang), ["surveys"]))
        options += [(t(tx.SETTINGS, lang), ["settings"]), (t(tx.PRIVACY, lang), ["privacy"])]
        return options

    def _menu(self, contact: Person, lang: str, heading: Styled | None = None) -> Styled:
        """The main menu, under `heading` (by default its title)."""
        catalog = self.content.catalog
        contact.screen = {"name": "menu"}
        out = heading if heading is not None else Styled().add(t(tx.MAIN_MENU, lang), "BOLD")
        out.line()
        self._options(out, contact, self._menu_options(catalog.roots, lang))
        self._footer(out, lang)
        return out

    def _header(self, node: Node, lang: str) -> Styled:
        crumbs, parent = [], node.parent
        while parent is not None:
            crumbs.append(parent.title(lang).text)
            parent = parent.parent
        out = Styled()
        if crumbs:
            out.line(" › ".join(reversed(crumbs)), "ITALIC")
        out.line(_label(node, lang), "BOLD")
        shown = node.body(lang) if node.is_answer else node.title(lang)
        if shown is not None and shown.fallback:
            out.line("ℹ️ " + t(tx.FALLBACK, lang, language=tx.LANGUAGE_NAMES.get(shown.lang, shown.lang)))
        return out

    def _node(self, contact: Person, node: Node, lang: str) -> Styled:
        if node.is_answer:
            return self._answer(contact, node, lang)
        contact.screen = {"name": "node", "slug": node.slug, "back": node.slug}
        out = self._header(node, lang)
        out.line()
        options = [(_label(child, lang), ["node", child.slug]) for child in node.children]
        back = ["node", node.parent.slug] if node.parent else ["home"]
        options.append((t(tx.BACK, lang), back))
        self._options(out, contact, options)
        self._footer(out, lang)
        return out

    def _answer(self, contact: Person, node: Node, lang: str) -> Styled:
        contact.screen = {"name": "answer", "slug": node.slug, "back": node.slug}
        out = self._header(node, lang)
        out.line()
        body = node.body(lang)
        if body is not None:
            out.line()
            out.extend(from_html(body.text.strip()))
        out.line()
        if node.sources:
            out.line("📎 " + t(tx.SOURCE, lang) + " " + ", ".join(node.sources))
        if node.reviewed:
            out.line("🗓 " + t(tx.CHECKED_ON, lang, date=_date(node.reviewed)))
        if node.review_status == "check":
            out.line("⚠️ " + t(tx.RECHECK, lang))
        out.line()
        back = ["node", node.parent.slug] if node.parent else ["home"]
        more = [(t(tx.MORE, lang), ["more", node.slug])] if node.more(lang) else []
        self._options(out, contact, [*more,
            (t(tx.HELPFUL, lang), ["rate", "+"]), (t(tx.NOT_HELPFUL, lang), ["rate", "-"]),
            (t(tx.SHARE, lang), ["share"]), (t(tx.WRITE_TO_US, lang), ["write", node.slug]),
            (t(tx.BACK, lang), back)])
        self._footer(out, lang)
        return out

    def _details(self, contact: Person, node: Node, lang: str) -> Styled:
        """The answer's details (the Telegram "More" button's screen); Back shows the answer."""
        details = node.more(lang)
        if details is None:  # an old "More" whose answer no longer has details
            return self._answer(contact, node, lang)
        contact.screen = {"name": "details", "slug": node.slug, "back": node.slug}
        out = self._header(node, lang)
        out.line()
        out.line()
        out.extend(from_html(details.text.strip()))
        out.line()
        self._options(out, contact, [(t(tx.BACK, lang), ["node", node.slug])])
        self._footer(out, lang)
        return out

    async def _rate(self, contact: Person, sign: str, lang: str) -> Styled:
        slug = contact.screen.get("slug")
        if slug and slug not in (contact.screen.get("rated") or []):
            if await self.content.record_rating(slug, 1 if sign == "+" else -1):
                contact.screen.setdefault("rated", []).append(slug)
        return Styled().add(t(tx.THANKS_RATING, lang))

    async def _reaction(self, contact: Person, incoming: Incoming, lang: str | None) -> list[Styled]:
        """👍/👎 as a Signal reaction on an answer counts as the rating buttons would."""
        if lang is None or incoming.removed or contact.screen.get("name") != "answer":
            return []
        if incoming.emoji.startswith("👍"):
            return [await self._rate(contact, "+", lang)]
        if incoming.emoji.startswith("👎"):
            return [await self._rate(contact, "-", lang)]
        return []

    def _share(self, contact: Person, lang: str) -> Styled:
        node = self.content.catalog.get(contact.screen.get("slug"))
        if node is None:
            return self._menu(contact, lang)
        account = self.settings.account or ""
        link = f"https://signal.me/#p/{account}" if account.startswith("+") else "https://signal.org"
        return Styled().add(t(tx.SHARE_TEXT, lang, title=node.title(lang).text, code=node.slug,
                              link=link))

    async def _search(self, contact: Person, text: str, lang: str,
                      signal: CrisisSignal) -> list[Styled]:
        catalog = await self.content.current()
        exact = catalog.get(text.strip().lower())
        if exact is not None:  # a shared answer's code
            return [self._node(contact, exact, lang)]
        hits = await self.content.search(text, lang, limit=7)
        shown_query = text if len(text) <= 60 else text[:59] + "…"
        if not hits:
            if not signal:
                await self.content.record_gap(text, lang)
            contact.screen = {"name": "menu"}
            out = Styled().add(t(tx.NOTHING_FOUND, lang, query=shown_query))
            out.line()
            self._options(out, contact, self._menu_options(catalog.roots, lang))
            self._footer(out, lang)
            return [out]
        contact.screen = {"name": "results"}
        out = Styled().add(t(tx.RESULTS, lang, query=shown_query), "BOLD")
        out.line()
        options = []
        for hit in hits:
            node = catalog.get(hit.slug)
            if node is not None:
                options.append((_label(node, lang), ["node", node.slug]))
        self._options(out, contact, options)
        self._footer(out, lang)
        return [out]

    # ------------------------------------------------------------ privacy and settings
    def _privacy(self, lang: str) -> Styled:
        return Styled().add(t(tx.PRIVACY_TEXT, lang, months=self.settings.retention_months,
                              ticket_months=self.settings.ticket_months))

    async def _mydata(self, contact: Person, lang: str) -> Styled:
        info = await self.users.describe(contact.user_id)
        if info is None:
            return Styled().add(t(tx.NOTHING_HELD, lang))
        prefs = await self.prefs.get(contact.user_id)
        on_off = {True: t(tx.ON, lang), False: t(tx.OFF, lang)}
        out = Styled().add(t(tx.MYDATA_TITLE, lang), "BOLD")
        out.line(t(tx.LANGUAGE_LINE, lang, language=tx.LANGUAGE_NAMES.get(info.language or "", "-")))
        out.line(t(tx.FIRST_MESSAGE, lang, date=_date(info.first_contact)))
        out.line(t(tx.LAST_MESSAGE, lang, date=_date(info.last_contact)))
        out.line(t(tx.SURVEY_INVITES, lang, state=on_off[prefs.survey_invites]))
        out.line(t(tx.MUTED, lang, state=on_off[prefs.muted]))
        for number, status in await self.tickets.for_user(contact.user_id):
            state = t(tx.TICKET_STATES.get(status, status), lang)
            out.line(t(tx.TICKET_LINE, lang, number=number, state=state))
        out.line()
        out.line("/delete: " + t(tx.DELETE_MY_DATA, lang))
        return out

    def _delete_screen(self, contact: Person, lang: str) -> Styled:
        contact.screen = {"name": "delete"}
        out = Styled().add(t(tx.DELETE_CONFIRM, lang))
        out.line()
        self._options(out, contact, [(t(tx.YES_DELETE, lang), ["delete"]),
                                     (t(tx.CANCEL, lang), ["home"])])
        return out

    async def _settings(self, contact: Person, lang: str) -> Styled:
        prefs = await self.prefs.get(contact.user_id)
        on_off = {True: t(tx.ON, lang), False: t(tx.OFF, lang)}
        contact.screen = {"name": "settings"}
        out = Styled().add(t(tx.SETTINGS_TITLE, lang), "BOLD")
        out.line()
        # News per topic, as in the Telegram settings: pushes are opt-in, so without these a
        # person on Signal could get no news at all.
        catalog = await self.content.current()
        topics = [(GENERAL, t(tx.GENERAL_NEWS, lang))] + [
            (root.slug, _label(root, lang)) for root in catalog.roots]
        self._options(out, contact, [
            (t(tx.SURVEYS_TOGGLE, lang, state=on_off[prefs.survey_invites]), ["toggle", "surveys"]),
            *((f"📰 {title}: {on_off[slug in prefs.topics]}", ["topic", slug])
              for slug, title in topics),
            (t(tx.MUTE_TOGGLE, lang, state=on_off[prefs.muted]), ["toggle", "mute"]),
            (t(tx.CHANGE_LANGUAGE, lang), ["lang_screen"]),
        ])
        self._footer(out, lang)
        return out

