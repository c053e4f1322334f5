"""Anonymous surveys on Signal: the same waves, consent and anonymous store
(bot/surveys/store.py), questions as numbered options.

Answers in progress are kept on the person's screen (as the Telegram dialog keeps them in its
state) and dropped the moment the survey is completed (then they live only in the anonymous
store) or stopped. A multiple-choice question takes several numbers in one message ("1 3").
Leaving a survey half-way (0, a command) stops it: nothing of it is kept.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from bot.channels.signal import texts as tx
from bot.channels.signal.formatting import Styled, from_html
from bot.surveys.definition import Question, Survey
from bot.surveys.store import SurveyError, SurveyService

if TYPE_CHECKING:
    from bot.channels.signal.contacts import Person

log = logging.getLogger(__name__)
t = tx.t
_NUMBERS = re.compile(r"^\s*\d{1,2}(\s*[ ,;]\s*\d{1,2})*\s*[.]?\s*$")

SURVEYS = "📊 Surveys"
SURVEYS_INTRO = ("📊 <b>Surveys</b>\n\nShort, anonymous surveys on how settled and welcome people "
                 "feel in Pomorskie. The region uses the results to improve its services.")
NO_SURVEY = "\nNo survey is open right now. Thank you for looking!"
AGREE = "✅ I agree, start"
NOT_NOW = "Not now"
SKIP = "⏭ Skip"
STOP = "⏹ Stop"
DONE = "✔️ Done"
THANKS = "🙏 <b>Thank you!</b> Your answers were saved anonymously."
STOPPED = "⏹ Survey stopped. Nothing of your answers was kept."
ALREADY = ("✅ You have already answered this survey in this round. Thank you! "
           "We will let you know when the next round opens, if you turned invitations on.")
CLOSED = "This survey is closed."
PROFILE_NOTE = "\n<i>Optional: helps us see whether groups feel differently.</i>"
CONSENT = tx._(
    "• {count} short questions, about two minutes. You can skip any question.\n"
    "• Your answers are anonymous: they are stored without your Signal number, name or the "
    "time you answered, and nobody, staff included, can link them to you.\n"
    "• The regional strategy team uses the combined results to evaluate and improve "
    "integration services. Small groups are never shown.\n"
    "• Stop at any time: nothing of a stopped survey is kept.\n"
    "• Invitations to new surveys come only if you turn them on in ⚙️ Settings; you can "
    "turn them off there at any time.\n\n"
    "Once you finish, your answers cannot be deleted, because nobody can tell which ones "
    "are yours.")
MULTI_NOTE = tx._("Type the numbers of all that apply in one message (for example: 1 3), "
                  "then the number of ✔️ Done.")
ANSWER_WITH_NUMBERS = tx._("Please answer with a number, or choose ⏹ Stop to end the survey.")


def _text(values: dict[str, str], lang: str) -> str:
    for candidate in (lang, "en", "pl", "uk"):
        if values.get(candidate):
            return values[candidate]
    return ""


def questions(survey: Survey) -> list[Question]:
    return [*survey.core(), *survey.profile()]


class SignalSurveys:
    def __init__(self, service: SurveyService) -> None:
        self.service = service

    async def running(self) -> bool:
        return any(w.survey in self.service.surveys for w in await self.service.open_waves())

    async def list_screen(self, contact: Person, lang: str, options) -> Styled:
        out = from_html(t(SURVEYS_INTRO, lang))
        waves = [w for w in await self.service.open_waves() if w.survey in self.service.surveys]
        if not waves:
            out.extend(from_html(t(NO_SURVEY, lang)))
        contact.screen = {"name": "surveys"}
        out.line()
        items = []
        for wave in waves:
            done = await self.service.completed(contact.user_id, wave.id)
            title = _text(self.service.surveys[wave.survey].title, lang)
            items.append((("✅ " if done else "📝 ") + title, ["survey", wave.id]))
        options(out, contact, items)
        return out

    async def pick(self, contact: Person, wave_id: int, lang: str, options) -> Styled:
        wave = await self.service.wave(wave_id)
        if wave is None or wave.closed or wave.survey not in self.service.surveys:
            return Styled().add(t(CLOSED, lang))
        if await self.service.completed(contact.user_id, wave.id):
            return Styled().add(t(ALREADY, lang))
        survey = self.service.surveys[wave.survey]
        contact.screen = {"name": "survey_consent", "wave": wave.id, "survey": wave.survey}
        out = Styled().add("📝 " + _text(survey.title, lang), "BOLD")
        out.line()
        out.line(_text(survey.intro, lang))
        out.line()
        out.line(t(CONSENT, lang, count=len(questions(survey))))
        out.line()
        options(out, contact, [(t(AGREE, lang), ["survey_agree"]), (t(NOT_NOW, lang), ["surveys"])])
        return out

    async def agree(self, contact: Person, lang: str, options) -> Styled:
        wave_id, slug = contact.screen.get("wave"), contact.screen.get("survey")
        if wave_id is None or slug not in self.service.surveys:
            return Styled().add(t(CLOSED, lang))
        if not await self.service.consent(contact.user_id, wave_id):
            return Styled().add(t(ALREADY, lang))
        contact.screen = {"name": "survey_q", "wave": wave_id, "survey": slug, "index": 0,
                          "answers": {}}
        return self.question(contact, lang, options)

    def question(self, contact: Person, lang: str, options) -> Styled:
        screen = contact.screen
        qs = questions(self.service.surveys[screen["survey"]])
        q = qs[screen["index"]]
        chosen = screen["answers"].get(q.id)
        picked = set(chosen) if isinstance(chosen, list) else ({chosen} if chosen else set())
        out = Styled().add(f"{screen['index'] + 1}/{len(qs)}  ")
        out.add(_text(q.text, lang), "BOLD")
        if q.kind == "multi":
            out.line(t(MULTI_NOTE, lang), "ITALIC")
        if q.profile:
            out.extend(from_html(t(PROFILE_NOTE, lang)))
        out.line()
        items = [(("✓ " if o.id in picked else "") + _text(o.label, lang), ["q", o.id])
                 for o in q.options]
        if q.kind == "multi":
            items.append((t(DONE, lang), ["q_done"]))
        if screen["index"] > 0:
            items.append((t(tx.BACK, lang), ["q_back"]))
        items += [(t(SKIP, lang), ["q_skip"]), (t(STOP, lang), ["q_stop"])]
        options(out, contact, items)
        return out

    async def answer(self, contact: Person, text: str, lang: str, options) -> Styled:
        """A typed reply on a question screen: one number, or several for a multi question."""
        screen = contact.screen
        if not _NUMBERS.match(text):
            return Styled().add(t(ANSWER_WITH_NUMBERS, lang))
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        actions = screen.get("options") or []
        picked = [actions[n - 1] for n in numbers if 1 <= n <= len(actions)]
        if not picked:
            return Styled().add(t(ANSWER_WITH_NUMBERS, lang))
        q = questions(self.service.surveys[screen["survey"]])[screen["index"]]
        option_ids = [a[1] for a in picked if a[0] == "q"]
        controls = [a[0] for a in picked if a[0] != "q"]
        if q.kind == "multi" and option_ids:
            current = list(screen["answers"].get(q.id) or [])
            for option_id in option_ids:
                if option_id in current:
                    current.remove(option_id)
                else:
                    current.append(option_id)
            screen["answers"][q.id] = current
            if "q_done" not in controls:
                return self.question(contact, lang, options)
            return await self._advance(contact, lang, options)
        action = controls[0] if controls else "q"
        if action == "q":
            screen["answers"][q.id] = option_ids[0]
            return await self._advance(contact, lang, options)
        if action == "q_done":
            return await self._advance(contact, lang, options)
        if action == "q_skip":
            screen["answers"].pop(q.id, None)
            return await self._advance(contact, lang, options)
        if action == "q_back":
            screen["index"] = max(0, screen["index"] - 1)
            return self.question(contact, lang, options)
        return await self.stop(contact, lang)

    async def _advance(self, contact: Person, lang: str, options) -> Styled:
        screen = contact.screen
        qs = questions(self.service.surveys[screen["survey"]])
        screen["index"] += 1
        if screen["index"] < len(qs):
            return self.question(contact, lang, options)
        by_id = {q.id: q for q in qs}
        answers = {by_id[qid].key: value for qid, value in screen["answers"].items()
                   if qid in by_id and value not in (None, [], "")}
        wave_id = screen["wave"]
        contact.screen = {"name": "menu"}  # the answers leave the person's screen now
        try:
            result = await self.service.complete(contact.user_id, wave_id, answers)
        except SurveyError:
            return Styled().add(t(CLOSED, lang))
        if not result.accepted:
            return Styled().add(t(ALREADY, lang))
        log.info("signal survey response completed: released=%d", result.released)
        return from_html(t(THANKS, lang))

    async def stop(self, contact: Person, lang: str) -> Styled:
        wave_id = contact.screen.get("wave")
        if wave_id is not None:
            await self.service.abandon(contact.user_id, wave_id)
        contact.screen = {"name": "menu"}
        return Styled().add(t(STOPPED, lang))
