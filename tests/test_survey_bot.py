"""The belonging survey through the bot, over the sandbox Bot API: consent, answers, skip,
back, stop, restart, one response per wave, release in shuffled batches, and anonymity."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select, text

from bot.config import PROJECT_ROOT
from bot.db.models import (
    FsmRecord,
    SurveyAnswer,
    SurveyHolding,
    SurveyParticipation,
    SurveyWave,
)
from bot.surveys.definition import load_survey
from tests.people import telegram_user

SURVEY = load_survey(PROJECT_ROOT / "content" / "surveys" / "belonging.yaml")
QUESTIONS = [*SURVEY.core(), *SURVEY.profile()]
AGREE = {"pl": "✅ Zgadzam się, zaczynam", "uk": "✅ Погоджуюся, почати", "en": "✅ I agree, start"}
THANKS = {"pl": "Dziękujemy", "uk": "Дякуємо", "en": "Thank you"}
SKIP = {"pl": "⏭ Pomiń", "uk": "⏭ Пропустити", "en": "⏭ Skip"}
BACK = {"pl": "⬅️ Wstecz", "uk": "⬅️ Назад", "en": "⬅️ Back"}
STOP = {"pl": "⏹ Zakończ", "uk": "⏹ Зупинити", "en": "⏹ Stop"}
DONE = {"pl": "✔️ Gotowe", "uk": "✔️ Готово", "en": "✔️ Done"}


def label(option, lang: str) -> str:
    return option.label[lang]


async def open_survey(user, lang: str) -> None:
    await user.send_command("surveys")
    survey_button = next(b for row in user.chat.buttons() for b in row if b.startswith("📝"))
    await user.press(survey_button)
    assert SURVEY.title[lang] in user.chat.last_bot_message().text
    await user.press(AGREE[lang])


async def answer_all(user, lang: str, choose=lambda q: q.options[0]) -> dict[str, object]:
    given: dict[str, object] = {}
    for i, q in enumerate(QUESTIONS):
        text = user.chat.last_bot_message().text
        assert f"{i + 1}/{len(QUESTIONS)}" in text and q.text[lang] in text
        option = choose(q)
        if option is None:
            await user.press(SKIP[lang])
            continue
        await user.press(label(option, lang))
        if q.kind == "multi":
            await user.press(DONE[lang])
            given[q.key] = [option.id]
        else:
            given[q.key] = option.id
    return given


async def rows(bot, model):
    async with bot.app.sessions() as session:
        return list((await session.scalars(select(model))).all())


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
async def test_consent_and_complete_in_each_language(bot, sandbox, lang):
    user = sandbox.user(4000, language_code=lang)
    await user.send_command("start")
    await open_survey(user, lang)
    assert await rows(bot, SurveyHolding) == []  # nothing stored before the end
    given = await answer_all(user, lang)
    assert THANKS[lang] in user.chat.last_bot_message().text
    held = await rows(bot, SurveyHolding)
    assert [h.answers for h in held] == [given]
    (part,) = await rows(bot, SurveyParticipation)
    assert part.completed is True


async def test_skip_back_and_change(bot, sandbox):
    user = sandbox.user(4001, language_code="en")
    await user.send_command("start")
    await open_survey(user, "en")
    first, second = QUESTIONS[0], QUESTIONS[1]
    await user.press(label(first.options[0], "en"))
    await user.press(BACK["en"])
    assert "✓ " + label(first.options[0], "en") in [b for r in user.chat.buttons() for b in r]
    await user.press(label(first.options[4], "en"))
    await user.press(SKIP["en"])  # the second question
    assert "3/" in user.chat.last_bot_message().text
    await answer_rest(user, start=2)
    (held,) = await rows(bot, SurveyHolding)
    assert held.answers[first.key] == first.options[4].id
    assert second.key not in held.answers


async def answer_rest(user, start: int) -> None:
    for _ in QUESTIONS[start:]:
        await user.press(SKIP["en"])


async def test_stop_keeps_nothing(bot, sandbox):
    user = sandbox.user(4002, language_code="uk")
    await user.send_command("start")
    await open_survey(user, "uk")
    await user.press(label(QUESTIONS[0].options[1], "uk"))
    await user.press(label(QUESTIONS[1].options[1], "uk"))
    assert await rows(bot, SurveyParticipation)  # started
    await user.press(STOP["uk"])
    assert "нічого" in user.chat.last_bot_message().text.lower()
    assert await rows(bot, SurveyParticipation) == []
    assert await rows(bot, SurveyHolding) == [] and await rows(bot, SurveyAnswer) == []
    assert not _answers_in_fsm(await rows(bot, FsmRecord))


def _answers_in_fsm(records) -> bool:
    for record in records:
        run = json.dumps(record.data or {})
        if '"answers": {"' in run or '"answers":{"' in run:
            return True
    return False


async def test_survey_resumes_after_restart(bot, sandbox):
    user = sandbox.user(4003, language_code="en")
    await user.send_command("start")
    await open_survey(user, "en")
    await user.press(label(QUESTIONS[0].options[3], "en"))
    await user.press(label(QUESTIONS[1].options[3], "en"))
    screen = user.chat.last_bot_message(with_buttons=True)
    await bot.restart()
    await user.press(label(QUESTIONS[2].options[0], "en"), screen)
    assert f"4/{len(QUESTIONS)}" in user.chat.last_bot_message().text
    await answer_rest(user, start=3)
    (held,) = await rows(bot, SurveyHolding)
    assert held.answers[QUESTIONS[0].key] == QUESTIONS[0].options[3].id
    assert held.answers[QUESTIONS[2].key] == QUESTIONS[2].options[0].id


async def test_second_attempt_in_same_wave_refused_kindly(bot, sandbox):
    user = sandbox.user(4004, language_code="pl")
    await user.send_command("start")
    await open_survey(user, "pl")
    await answer_all(user, "pl", choose=lambda q: None)
    await user.send_command("surveys")
    button = next(b for row in user.chat.buttons() for b in row if b.startswith("✅"))
    await user.press(button)
    assert "już" in user.chat.last_bot_message().text
    assert len(await rows(bot, SurveyHolding)) == 1


async def test_typed_text_mid_survey_keeps_answers(bot, sandbox):
    user = sandbox.user(4005, language_code="en")
    await user.send_command("start")
    await open_survey(user, "en")
    await user.press(label(QUESTIONS[0].options[2], "en"))
    await user.send_text("hello?")
    assert "buttons" in user.chat.bot_texts()[-2] + user.chat.last_bot_message().text
    await user.press(label(QUESTIONS[1].options[2], "en"))
    assert f"3/{len(QUESTIONS)}" in user.chat.last_bot_message().text


async def test_release_in_shuffled_batches_and_anonymity(bot, sandbox):
    k = 10
    holding_keys: set[str] = set()
    for i in range(k):
        user = sandbox.user(4100 + i, language_code="en")
        await user.send_command("start")
        await open_survey(user, "en")
        await answer_all(user, "en", choose=lambda q, i=i: q.options[i % len(q.options)])
        if i < k - 1:
            holding_keys |= {h.holding_key for h in await rows(bot, SurveyHolding)}
            assert await rows(bot, SurveyAnswer) == []
    assert await rows(bot, SurveyHolding) == []
    answers = await rows(bot, SurveyAnswer)
    assert len(answers) == k
    # Fresh random keys, only the ISO week as time, no user reference anywhere.
    assert not {a.answer_key for a in answers} & holding_keys
    assert all(len(a.answer_key) == 32 for a in answers)
    assert all(len(a.week) == 8 and a.week[4:6] == "-W" for a in answers)
    async with bot.app.engine.connect() as conn:
        columns = await conn.run_sync(lambda c: {
            t: {col["name"] for col in inspect(c).get_columns(t)}
            for t in ("survey_answers", "survey_holding", "survey_participation", "users",
                      "survey_codes")})
        # WITHOUT ROWID: no hidden insertion counter on SQLite.
        with pytest.raises(Exception, match="rowid"):
            await conn.execute(text("SELECT rowid FROM survey_answers"))
        with pytest.raises(Exception, match="rowid"):
            await conn.execute(text("SELECT rowid FROM survey_holding"))
    assert columns["survey_answers"] == {"answer_key", "wave_id", "week", "answers", "answer_codes"}
    assert columns["survey_holding"] == {"holding_key", "wave_id", "week", "answers"}
    # The codebook numbers (question, answer) pairs: nothing of a person, a response or a time.
    assert columns["survey_codes"] == {"code", "question_key", "value"}
    per_user = columns["users"] | columns["survey_participation"]
    assert columns["survey_answers"] & per_user == {"wave_id"}
    assert not columns["survey_codes"] & per_user
    assert "answers" not in columns["survey_participation"]
    # The stored order is not the completion order: a shuffle keeps it with p = 32/10! ~ 1e-5
    # (each first answer occurs twice), a plain insert always would.
    first_choice = [a.answers.get(QUESTIONS[0].key) for a in answers]
    completion_order = [QUESTIONS[0].options[i % len(QUESTIONS[0].options)].id for i in range(k)]
    assert sorted(first_choice) == sorted(completion_order)
    assert first_choice != completion_order
    # The last person to complete saw the headline, now that K answers are released.
    assert "📊" in sandbox.chat(4100 + k - 1).last_bot_message().text


async def test_delete_erases_participation_but_not_released_answers(bot, sandbox):
    user = sandbox.user(4200, language_code="en")
    await user.send_command("start")
    await open_survey(user, "en")
    await answer_all(user, "en")
    async with bot.app.sessions() as session:
        wave = await session.scalar(select(SurveyWave))
    await bot.app.surveys.close_wave("belonging", wave.code)  # releases what is waiting
    await user.send_command("delete")
    await user.press("Yes, delete")
    assert await rows(bot, SurveyParticipation) == []
    assert len(await rows(bot, SurveyAnswer)) == 1
    assert await telegram_user(bot.app.sessions, 4200) is None


async def test_push_opt_in_toggle(bot, sandbox):
    user = sandbox.user(4300, language_code="en")
    await user.send_command("surveys")
    await user.press("🔕 Survey invitations: off (tap to turn on)")
    assert "🔔 Survey invitations: on (tap to turn off)" in [b for r in user.chat.buttons() for b in r]
    row = await telegram_user(bot.app.sessions, 4300)
    assert row.survey_pushes is True


async def test_wave_closed_mid_survey_is_explained_and_stores_nothing(bot, sandbox):
    user = sandbox.user(4400, language_code="en")
    await user.send_command("start")
    await open_survey(user, "en")
    for _ in QUESTIONS[:-1]:
        await user.press(SKIP["en"])
    await bot.app.surveys.close_wave("belonging")
    await user.press(SKIP["en"])  # the last question: completing a closed wave
    answers = [a.text for a in user.chat.callback_answers if a.text]
    assert "This survey is closed." in answers
    assert await rows(bot, SurveyHolding) == []
    assert not any(p.completed for p in await rows(bot, SurveyParticipation))
