"""/surveys: the list of open surveys, consent, one question per screen, thanks."""

from __future__ import annotations

import logging
from html import escape
from operator import itemgetter
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.i18n import gettext_ as t
from bot.surveys.definition import Question, Survey
from bot.surveys.store import SurveyError, SurveyService
from dialogs.common import home_button, search_inputs, sos_button
from dialogs.faq.open import open_menu
from dialogs.people import current_user_id
from dialogs.states import SurveySG
from dialogs.survey.data import SurveyRun
from dialogs.widgets import T

log = logging.getLogger(__name__)


def _text(values: dict[str, str], lang: str) -> str:
    for candidate in (lang, "en", "pl", "uk"):
        if values.get(candidate):
            return values[candidate]
    return ""


def _questions(survey: Survey) -> list[Question]:
    return [*survey.core(), *survey.profile()]


def _service(manager: DialogManager) -> SurveyService:
    return manager.middleware_data["surveys"]


MAX_ID = 2**63 - 1  # a BIGINT in PostgreSQL, an INTEGER in SQLite


def parse_wave_id(value: str) -> int | None:
    """A wave id from button data, which a client can forge: ASCII digits that fit a
    database integer, else None. (str.isdigit takes "²" and "٣"; 10**30 fits no column.)"""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


# ---------------------------------------------------------------- list

async def list_getter(dialog_manager: DialogManager, surveys: SurveyService, locale: str, **_: Any):
    user_id = current_user_id(dialog_manager)
    items = []
    for wave in await surveys.open_waves():
        survey = surveys.surveys[wave.survey]
        done = await surveys.completed(user_id, wave.id)
        items.append((str(wave.id), ("✅ " if done else "📝 ") + _text(survey.title, locale)))
    pushes = await surveys.pushes(user_id)
    return {"waves": items, "has_waves": bool(items), "no_waves": not items,
            "pushes_on": pushes, "pushes_off": not pushes}


async def on_pick_wave(callback: CallbackQuery, _w: Any, manager: DialogManager, wave_id: str):
    service = _service(manager)
    number = parse_wave_id(wave_id)
    wave = await service.wave(number) if number is not None else None
    if wave is None or wave.closed or wave.survey not in service.surveys:
        await callback.answer(t("This survey is closed.", manager.middleware_data["locale"]))
        return
    SurveyRun(wave_id=wave.id, survey=wave.survey).save(manager.dialog_data)
    if await service.completed(current_user_id(manager), wave.id):
        await manager.switch_to(SurveySG.already)
    else:
        await manager.switch_to(SurveySG.consent)


async def on_toggle_pushes(callback: CallbackQuery, _w: Any, manager: DialogManager):
    service = _service(manager)
    now = await service.pushes(current_user_id(manager))
    await service.set_pushes(current_user_id(manager), not now)


# ---------------------------------------------------------------- consent

async def consent_getter(dialog_manager: DialogManager, surveys: SurveyService, locale: str, **_):
    run = SurveyRun.load(dialog_manager.dialog_data)
    survey = surveys.surveys[run.survey]
    return {"title": escape(_text(survey.title, locale)), "intro": escape(_text(survey.intro, locale)),
            "count": len(_questions(survey))}


async def on_agree(callback: CallbackQuery, _w: Any, manager: DialogManager):
    run = SurveyRun.load(manager.dialog_data)
    if not await _service(manager).consent(current_user_id(manager), run.wave_id):
        await manager.switch_to(SurveySG.already)
        return
    run.index, run.answers = 0, {}
    run.save(manager.dialog_data)
    await manager.switch_to(SurveySG.question)


# ---------------------------------------------------------------- questions

async def question_getter(dialog_manager: DialogManager, surveys: SurveyService, locale: str, **_):
    run = SurveyRun.load(dialog_manager.dialog_data)
    questions = _questions(surveys.surveys[run.survey])
    run.index = max(0, min(run.index, len(questions) - 1))
    q = questions[run.index]
    chosen = run.answers.get(q.id)
    picked = set(chosen) if isinstance(chosen, list) else ({chosen} if chosen else set())
    step = str(run.index)
    options = [(f"{step}.{o.id}", ("✓ " if o.id in picked else "") + _text(o.label, locale))
               for o in q.options]
    return {
        "step": [step],
        "progress": f"{run.index + 1}/{len(questions)}",
        "question": escape(_text(q.text, locale)),
        "options": options,
        "is_multi": q.kind == "multi",
        "is_profile": q.profile,
        "can_back": run.index > 0,
    }


async def _advance(manager: DialogManager, run: SurveyRun) -> None:
    questions = _questions(_service(manager).surveys[run.survey])
    run.index += 1
    if run.index < len(questions):
        run.save(manager.dialog_data)
        return
    await _finish(manager, run, questions)


async def _finish(manager: DialogManager, run: SurveyRun, questions: list[Question]) -> None:
    service = _service(manager)
    survey = service.surveys[run.survey]
    by_id = {q.id: q for q in questions}
    answers = {by_id[qid].key: value for qid, value in run.answers.items()
               if qid in by_id and value not in (None, [], "")}
    user_id = current_user_id(manager)
    try:
        result = await service.complete(user_id, run.wave_id, answers)
    except SurveyError:  # the wave closed while this person was answering
        run.forget_answers(manager.dialog_data)
        await manager.event.answer(  # type: ignore[union-attr]
            t("This survey is closed.", manager.middleware_data["locale"]), show_alert=True)
        await manager.switch_to(SurveySG.list)
        return
    run.forget_answers(manager.dialog_data)  # the answers now live only in the anonymous store
    if not result.accepted:
        await manager.switch_to(SurveySG.already)
        return
    run.headline = await _headline(service, survey, run.wave_id, manager.middleware_data["locale"])
    run.save(manager.dialog_data)
    log.info("survey response completed: survey=%s released=%d", run.survey, result.released)
    await manager.switch_to(SurveySG.done)


async def _headline(service: SurveyService, survey: Survey, wave_id: int, lang: str) -> str | None:
    spec = getattr(survey, "headline", None)
    if not spec:
        return None
    question = survey.question(spec["question"])
    counts = await service.share_choosing(wave_id, question.key, {str(o) for o in spec["options"]})
    if counts is None:
        return None
    chosen, answered = counts
    return _text(spec["text"], lang).format(n=round(100 * chosen / answered), total=answered)


def _run_at(manager: DialogManager, step: str) -> SurveyRun | None:
    """The run, if the pressed button belongs to the question it is at.

    Every button of a question screen carries the question's index, because the screen the
    person sees and the stored run can disagree: a second tap while the bot is slow arrives
    after the first one moved on; a process killed after showing the next question but
    before storing the run restarts one question back. Taken for the current question, such
    a press would silently answer the wrong one (the Likert questions share their option
    ids). Ignored instead: the screen is drawn again and shows where the run really is."""
    run = SurveyRun.load(manager.dialog_data)
    if step != str(run.index):
        log.info("survey button of another question ignored")
        return None
    return run


async def on_option(callback: CallbackQuery, _w: Any, manager: DialogManager, item: str):
    step, _, option = item.partition(".")
    run = _run_at(manager, step)
    if run is None:
        return
    questions = _questions(_service(manager).surveys[run.survey])
    q = questions[run.index]
    if option not in {o.id for o in q.options}:
        await callback.answer()
        return
    if q.kind == "multi":
        current = list(run.answers.get(q.id) or [])
        if option in current:
            current.remove(option)
        else:
            current.append(option)
        run.answers[q.id] = current
        run.save(manager.dialog_data)
        return
    run.answers[q.id] = option
    await _advance(manager, run)


async def on_multi_done(callback: CallbackQuery, _w: Any, manager: DialogManager, step: str):
    run = _run_at(manager, step)
    if run is not None:
        await _advance(manager, run)


async def on_skip(callback: CallbackQuery, _w: Any, manager: DialogManager, step: str):
    run = _run_at(manager, step)
    if run is None:
        return
    q = _questions(_service(manager).surveys[run.survey])[run.index]
    run.answers.pop(q.id, None)
    await _advance(manager, run)


async def on_back(callback: CallbackQuery, _w: Any, manager: DialogManager, step: str):
    run = _run_at(manager, step)
    if run is None:
        return
    run.index = max(0, run.index - 1)
    run.save(manager.dialog_data)


async def on_stop(callback: CallbackQuery, _w: Any, manager: DialogManager):
    run = SurveyRun.load(manager.dialog_data)
    await _service(manager).abandon(current_user_id(manager), run.wave_id)
    run.forget_answers(manager.dialog_data)
    await manager.switch_to(SurveySG.stopped)


async def on_text_in_question(message: Message, _w: Any, manager: DialogManager):
    """Typed text mid-survey is not a search: that would drop the answers given so far."""
    await message.answer(t("Please answer with the buttons, or press ⏹ Stop to end the survey.",
                           manager.middleware_data["locale"]))
    manager.show_mode = ShowMode.SEND


async def done_getter(dialog_manager: DialogManager, **_: Any):
    run = SurveyRun.load(dialog_manager.dialog_data)
    return {"headline": escape(run.headline or ""), "has_headline": bool(run.headline)}


async def _home(_c: Any, _w: Any, manager: DialogManager):
    await open_menu(manager)


async def on_survey_start(start_data: Any, manager: DialogManager) -> None:
    """Started with a wave (the button in an invitation): go straight to its consent."""
    wave_id = start_data.get("wave_id") if isinstance(start_data, dict) else None
    if not wave_id:
        return
    service = _service(manager)
    wave = await service.wave(int(wave_id))
    if wave is None or wave.closed or wave.survey not in service.surveys:
        return  # the list says what is open now
    SurveyRun(wave_id=wave.id, survey=wave.survey).save(manager.dialog_data)
    user_id = current_user_id(manager)
    done = await service.completed(user_id, wave.id)
    await manager.switch_to(SurveySG.already if done else SurveySG.consent)


def build_survey_dialog() -> Dialog:
    return Dialog(
        Window(
            T("📊 <b>Surveys</b>\n\nShort, anonymous surveys on how settled and welcome people "
              "feel in Pomorskie. The region uses the results to improve its services.",),
            T("\nNo survey is open right now. Thank you for looking!", when="no_waves"),
            Group(Select(Format("{item[1]}"), id="w", item_id_getter=itemgetter(0), items="waves",
                         on_click=on_pick_wave), width=1, when="has_waves"),
            Button(T("🔔 Survey invitations: on (tap to turn off)"), id="push_off",
                   on_click=on_toggle_pushes, when="pushes_on"),
            Button(T("🔕 Survey invitations: off (tap to turn on)"), id="push_on",
                   on_click=on_toggle_pushes, when="pushes_off"),
            Row(home_button(), sos_button()),
            *search_inputs(),
            state=SurveySG.list,
            getter=list_getter,
        ),
        Window(
            Format("📝 <b>{title}</b>\n\n{intro}\n"),
            T("• {count} short questions, about two minutes. You can skip any question.\n"
              "• Your answers are anonymous: they are stored without your Telegram account, "
              "name or the time you answered, and nobody, staff included, can link them to you.\n"
              "• The regional strategy team uses the combined results to evaluate and improve "
              "integration services. Small groups are never shown.\n"
              "• Stop at any time: nothing of a stopped survey is kept.\n"
              "• Invitations to new surveys come only if you turn them on in /surveys; you can "
              "turn them off there at any time.\n\n"
              "Once you finish, your answers cannot be deleted, because nobody can tell which "
              "ones are yours."),
            Row(Button(T("✅ I agree, start"), id="agree", on_click=on_agree),
                SwitchTo(T("Not now"), id="later", state=SurveySG.list)),
            sos_button(),
            *search_inputs(),
            state=SurveySG.consent,
            getter=consent_getter,
        ),
        Window(
            Format("<b>{progress}</b>\n\n{question}"),
            T("\n<i>Choose all that apply, then press Done.</i>", when="is_multi"),
            T("\n<i>Optional: helps us see whether groups feel differently.</i>", when="is_profile"),
            Group(Select(Format("{item[1]}"), id="o", item_id_getter=itemgetter(0), items="options",
                         on_click=on_option), width=1),
            # One-item Selects: their callback data carries the question index (_run_at).
            Select(T("✔️ Done"), id="mdone", item_id_getter=str, items="step",
                   on_click=on_multi_done, when="is_multi"),
            Row(Select(T("⬅️ Back"), id="qback", item_id_getter=str, items="step",
                       on_click=on_back, when="can_back"),
                Select(T("⏭ Skip"), id="skip", item_id_getter=str, items="step",
                       on_click=on_skip),
                Button(T("⏹ Stop"), id="stop", on_click=on_stop)),
            sos_button(),
            MessageInput(on_text_in_question),
            state=SurveySG.question,
            getter=question_getter,
        ),
        Window(
            T("🙏 <b>Thank you!</b> Your answers were saved anonymously."),
            Format("\n📊 {headline}", when="has_headline"),
            Row(home_button(), sos_button()),
            *search_inputs(),
            state=SurveySG.done,
            getter=done_getter,
        ),
        Window(
            T("⏹ Survey stopped. Nothing of your answers was kept."),
            Row(Button(T("🏠 Home"), id="shome", on_click=_home), sos_button()),
            *search_inputs(),
            state=SurveySG.stopped,
        ),
        Window(
            T("✅ You have already answered this survey in this round. Thank you! "
              "We will let you know when the next round opens, if you turned invitations on."),
            SwitchTo(T("📊 Surveys"), id="back_list", state=SurveySG.list),
            Row(home_button(), sos_button()),
            *search_inputs(),
            state=SurveySG.already,
        ),
        on_start=on_survey_start,
    )


async def open_surveys(manager: DialogManager) -> None:
    from aiogram_dialog import StartMode

    await manager.start(SurveySG.list, mode=StartMode.RESET_STACK)


async def open_survey_wave(manager: DialogManager, wave_id: int,
                           show_mode: ShowMode | None = None) -> None:
    """One wave's consent screen (or "already answered", or the list if it closed)."""
    from aiogram_dialog import StartMode

    await manager.start(SurveySG.list, data={"wave_id": wave_id}, mode=StartMode.RESET_STACK,
                        show_mode=show_mode)
