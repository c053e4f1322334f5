"""The whole bot over real HTTP against the sandbox Bot API: what a user sees."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.content.yaml_io import load_dir
from bot.db.models import ContentGap, FsmRecord, User
from tests.people import by_telegram

ROOTS = ["work", "housing", "health", "language", "education", "legal-stay", "social-help",
         "emergency"]
ROOT_NODES = {r.slug: r for r in load_dir(PROJECT_ROOT / "content")[0]}
SOURCE = {"pl": "Źródło:", "uk": "Джерело:", "en": "Source:"}
HOME = {"pl": "🏠 Start", "uk": "🏠 Головна", "en": "🏠 Home"}
BACK = {"pl": "⬅️ Wstecz", "uk": "⬅️ Назад", "en": "⬅️ Back"}
# The help-lines button that every screen carries (dialogs/common.py).
SOS = {"pl": "🆘 Telefony pomocowe", "uk": "🆘 Лінії допомоги", "en": "🆘 Help lines"}


def flat(buttons: list[list[str]]) -> list[str]:
    return [b for row in buttons for b in row]


def topic_label(slug: str, lang: str) -> str:
    node = ROOT_NODES[slug]
    return f"{node.icon} {node.titles[lang]}" if node.icon else node.titles[lang]


def last_text(user) -> str:
    return user.chat.last_bot_message().text


async def users_row(bot, tg_id: int) -> User | None:
    async with bot.app.sessions() as session:
        return await session.scalar(by_telegram(tg_id))


# ---------------------------------------------------------------- language on first contact

@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
async def test_start_greets_in_client_language(bot, sandbox, lang):
    user = sandbox.user(1000, language_code=lang)
    await user.send_command("start")
    labels = flat(user.chat.buttons())
    assert topic_label("work", lang) in labels
    assert all(topic_label(slug, lang) in labels for slug in ROOTS)
    assert (await users_row(bot, 1000)).language == lang


@pytest.mark.parametrize("client", ["ru", "be", "ka", None])
async def test_other_client_language_is_asked_and_stored(bot, sandbox, client):
    user = sandbox.user(1001, language_code=client)
    await user.send_command("start")
    assert set(flat(user.chat.buttons())) == {"polski", "українська", "English"}
    await user.press("українська")
    assert topic_label("housing", "uk") in flat(user.chat.buttons())
    assert (await users_row(bot, 1001)).language == "uk"
    await user.send_command("start")  # not asked again
    assert topic_label("housing", "uk") in flat(user.chat.buttons())


async def test_question_before_choosing_language_is_answered_after(bot, sandbox):
    user = sandbox.user(1002, language_code="ru")
    await user.send_text("как найти работу")
    assert "polski" in flat(user.chat.buttons())
    await user.press("українська")
    assert "🔎" in last_text(user)


# ---------------------------------------------------------------- navigation

async def _open_first_answer(user, lang: str, root: str) -> str:
    await user.press(topic_label(root, lang))
    for _ in range(5):
        text = last_text(user)
        if SOURCE[lang] in text:
            return text
        await user.press(0)  # the first child: a section or an answer
    raise AssertionError(f"no answer reached under {root} in {lang}: {text!r}")


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
async def test_every_root_topic_reachable(bot, sandbox, lang):
    user = sandbox.user(1010, language_code=lang)
    await user.send_command("start")
    for root in ROOTS:
        text = await _open_first_answer(user, lang, root)
        assert "🗓" in text  # checked-on date
        assert "<a href" not in text  # HTML was rendered by Telegram, not shown raw
        await user.press(HOME[lang])
        assert topic_label(root, lang) in flat(user.chat.buttons())


async def test_back_goes_one_step_and_emergency_is_one_tap(bot, sandbox):
    user = sandbox.user(1011, language_code="en")
    await user.send_command("start")
    await user.press("🆘 Emergency numbers")
    assert "112" in last_text(user)
    await user.press(BACK["en"])
    # Back from the emergency card goes up to its topic.
    assert "Emergency" in last_text(user)


async def test_long_lists_page(bot, sandbox):
    # The biggest section still fits one page or pages with navigation buttons.
    user = sandbox.user(1012, language_code="en")
    await user.send_command("start")
    await user.press(topic_label("education", "en"))
    labels = flat(user.chat.buttons())
    assert BACK["en"] in labels and HOME["en"] in labels


async def test_deep_link_opens_answer(bot, sandbox):
    slug = ROOT_NODES["housing"].answers()[0].slug
    user = sandbox.user(1020, language_code="pl")
    await user.send_command("start", slug)
    text = last_text(user)
    assert ROOT_NODES["housing"].answers()[0].titles["pl"] in text
    assert SOURCE["pl"] in text
    share = [b for row in user.chat.last_bot_message().button_objects() for b in row
             if b.get("url")]
    assert share and f"start%3D{slug}" in share[0]["url"]


async def test_unknown_deep_link_opens_menu(bot, sandbox):
    user = sandbox.user(1021, language_code="en")
    await user.send_command("start", "no-such-answer")
    assert topic_label("work", "en") in flat(user.chat.buttons())


# ---------------------------------------------------------------- search

@pytest.mark.parametrize(("lang", "query", "root"), [
    ("pl", "zameldowanie", "housing"),
    ("pl", "swiadczenie 800 plus", "social-help"),  # no diacritics
    ("pl", "zamledowanie", "housing"),  # misspelt
    ("uk", "лікар вночі", None),
    ("uk", "robota bez dozvolu", "work"),  # Ukrainian in Latin letters
    ("uk", "работа", "work"),  # Russian
    ("uk", "курсы польского", "language"),  # Russian
    ("en", "school enrolment", "education"),
    ("en", "residnce permit", "legal-stay"),  # misspelt
])
async def test_search_in_users_language(bot, sandbox, lang, query, root):
    user = sandbox.user(1030, language_code=lang)
    await user.send_command("start")
    await user.send_text(query)
    assert "🔎" in last_text(user)
    hits = [b for b in flat(user.chat.buttons()) if b not in (HOME[lang], SOS[lang])]
    assert 1 <= len(hits) <= 5
    if root is not None:
        await user.press(hits[0])
        text = last_text(user)
        assert SOURCE[lang] in text
        crumbs = ROOT_NODES[root].titles[lang]
        assert crumbs in text.split("\n")[0]


async def test_nothing_found_offers_menu_and_records_gap_without_user(bot, sandbox):
    user = sandbox.user(1031, language_code="en")
    await user.send_command("start")
    await user.send_text("qwzx vbnm")
    assert "nothing" in last_text(user)
    assert topic_label("work", "en") in flat(user.chat.buttons())
    await sandbox.user(1032, language_code="en").send_text("Qwzx   VBNM")
    async with bot.app.sessions() as session:
        gaps = (await session.scalars(select(ContentGap))).all()
    assert [(g.lang, g.query, g.count) for g in gaps] == [("en", "qwzx vbnm", 2)]
    assert not {"user_id", "tg_user_id", "chat_id"} & set(ContentGap.__table__.columns.keys())


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document", "contact"])
async def test_non_text_gets_a_hint(bot, sandbox, kind):
    user = sandbox.user(1040, language_code="uk")
    await user.send_command("start")
    before = len(user.chat.bot_messages())
    send = getattr(user, f"send_{kind}")
    await (send(50.0, 18.0) if kind == "location" else send())
    texts = user.chat.bot_texts()
    assert len(texts) > before
    assert any(w in " ".join(texts[before:]) for w in ("текст", "словами"))
    # The menu is still usable afterwards.
    await user.press(topic_label("work", "uk"), user.chat.last_bot_message(with_buttons=True))
    assert "Робота" in last_text(user)


async def test_non_text_without_any_dialog(bot, sandbox):
    user = sandbox.user(1041, language_code="en")
    await user.send_sticker()
    assert "sticker" in last_text(user).lower()


async def test_unknown_command_huge_and_blank_text(bot, sandbox):
    user = sandbox.user(1042, language_code="en")
    await user.send_command("start")
    await user.send_command("frobnicate")
    assert "don't know this command" in user.chat.bot_texts()[-2] + last_text(user)
    await user.send_text("work permit " * 500)
    text = last_text(user)
    assert "🔎" in text and "beginning" in text
    await user.send_text("   ")
    assert flat(user.chat.buttons())  # still a screen with buttons, no crash


async def test_edited_message_is_ignored_on_purpose(bot, sandbox):
    user = sandbox.user(1043, language_code="en")
    await user.send_command("start")
    await user.send_text("school")
    sent = len(user.chat.bot_messages())
    mine = [m for m in user.chat.messages if not m.from_bot][-1]
    await user.edit_message(mine.message_id, "housing")
    assert len(user.chat.bot_messages()) == sent


async def test_blocked_user_is_marked_and_unblocked_on_return(bot, sandbox):
    user = sandbox.user(1044, language_code="en")
    await user.send_command("start")
    await user.block()
    assert (await users_row(bot, 1044)).blocked is True
    await user.unblock()
    await user.send_command("start")
    assert (await users_row(bot, 1044)).blocked is False


async def test_other_groups_and_channels_get_nothing(bot, sandbox):
    """Someone added the bot to a group: nothing said there reaches the dialogs, and
    removing the bot from the group is not blocking it (found by the webhook fuzz: an
    anonymous admin's message failed in aiogram-dialog, the kick marked the person blocked)."""
    user = sandbox.user(1045, language_code="en")
    await user.send_command("start")
    group = {"id": -1009876543210, "type": "supergroup", "title": "Migrants in Gdańsk"}
    channel = {"id": -1005550001111, "type": "channel", "title": "News"}
    bot_member = {"id": 123456789, "is_bot": True, "first_name": "Belong"}
    updates = [
        ("message", {"message_id": 1, "date": 0, "chat": group, "from": user.api_dict(),
                     "text": "/start@belong_sandbox_bot",
                     "entities": [{"type": "bot_command", "offset": 0, "length": 25}]}),
        ("message", {"message_id": 2, "date": 0, "chat": group, "sender_chat": group,
                     "text": "from an anonymous admin"}),
        ("channel_post", {"message_id": 3, "date": 0, "chat": channel, "text": "news"}),
        ("my_chat_member", {"chat": group, "from": user.api_dict(), "date": 0,
                            "old_chat_member": {"status": "member", "user": bot_member},
                            "new_chat_member": {"status": "kicked", "user": bot_member,
                                                "until_date": 0}}),
    ]
    calls = len(sandbox.calls)
    for kind, body in updates:
        await sandbox.wait_for(sandbox._enqueue(user.id, kind, body, kind).update)
    assert sandbox.calls[calls:] == []
    assert (await users_row(bot, 1045)).blocked is False


# ---------------------------------------------------------------- stale buttons

async def test_dialog_survives_restart(bot, sandbox):
    user = sandbox.user(1050, language_code="en")
    await user.send_command("start")
    await user.press(topic_label("health", "en"))
    screen = user.chat.last_bot_message(with_buttons=True)
    await bot.restart()
    await user.press(0, screen)
    assert "Health" in last_text(user)
    await user.press(BACK["en"])
    assert topic_label("health", "en").split(" ", 1)[1] in last_text(user)


async def test_button_on_old_message_opens_current_node(bot, sandbox):
    user = sandbox.user(1051, language_code="en")
    await user.send_command("start")
    old_menu = user.chat.last_bot_message(with_buttons=True)
    _, button = user.find_button(topic_label("housing", "en"), old_menu)
    await user.send_command("start")  # a new dialog: the old menu's intent is gone
    await user.press_data(button["callback_data"], old_menu.message_id)
    assert "Housing" in last_text(user)
    assert SOURCE["en"] not in last_text(user)


async def test_forged_or_removed_button_opens_menu(bot, sandbox):
    user = sandbox.user(1052, language_code="en")
    await user.send_command("start")
    msg = user.chat.last_bot_message(with_buttons=True)
    await user.press_data("zzzz\x1dn:removed-answer", msg.message_id)
    assert topic_label("work", "en") in flat(user.chat.buttons())
    await user.press_data("garbage", msg.message_id)
    assert topic_label("work", "en") in flat(user.chat.buttons())


@pytest.mark.parametrize("data", ["garbage", "push:faq:work", None])
async def test_button_without_a_chat_is_answered(bot, sandbox, data):
    """A callback from an inline-mode message or a game names no chat: aiogram-dialog has no
    manager for it. Found by tests/test_fuzz_webhook.py: it ended in a TypeError."""
    user = sandbox.user(1054, language_code="en")
    body = {"id": "no-chat-1", "from": user.api_dict(), "chat_instance": "-42",
            "inline_message_id": "AAAAAgAAAA"}
    body.update({"data": data} if data is not None else {"game_short_name": "quiz"})
    sandbox._register_callback("no-chat-1", user.chat, 0)
    await sandbox.wait_for(sandbox._enqueue(user.id, "callback_query", body, "no chat").update)
    assert [a.callback_query_id for a in user.chat.callback_answers] == ["no-chat-1"]
    assert all(c.ok for c in sandbox.calls)


@pytest.mark.parametrize("wave", ["99999999999999999999", "²", "0"])
async def test_forged_survey_ids_are_refused_gently(bot, sandbox, wave):
    """Found by the webhook fuzz: "²" passed str.isdigit and failed int(), and an id past
    2**63 failed in SQLite, both as unhandled errors."""
    user = sandbox.user(1055, language_code="en")
    await user.send_command("surveys")
    screen = user.chat.last_bot_message(with_buttons=True)
    [pick] = [b["callback_data"] for row in screen.button_objects() for b in row
              if "\x1dw:" in b.get("callback_data", "")][:1]
    await user.press_data(pick.rsplit(":", 1)[0] + ":" + wave, screen.message_id)
    assert user.chat.callback_answers[-1].text == "This survey is closed."
    await user.press_data(f"push:survey:{wave}", screen.message_id)
    assert topic_label("work", "en") in flat(user.chat.buttons())


async def test_a_press_is_answered_once_with_its_toast(bot, sandbox):
    """aiogram-dialog answers every press after the handler; a handler that shows a toast
    answers first, and Telegram refused the second answer (found by the webhook fuzz)."""
    user = sandbox.user(1056, language_code="en")
    await user.send_command("start")
    await _open_first_answer(user, "en", "work")
    screen, helpful = user.find_button("👍 Helpful")
    await user.press("👍 Helpful")
    assert user.chat.callback_answers[-1].text.startswith("Thank you")
    # Pressed again (from a second device, where the button is still shown): a silent answer.
    await user.press_data(helpful["callback_data"], screen.message_id)
    answers = [c for c in sandbox.calls if c.method == "answerCallbackQuery"]
    assert all(c.ok for c in answers)
    assert len({c.params["callback_query_id"] for c in answers}) == len(answers)


async def test_a_press_is_answered_after_its_dialog_state_is_stored(bot, sandbox, db_path):
    """The answer to a press ends the client's spinner: it must come after what the press did
    is stored. aiogram-dialog answered inside its handler and stored the dialog state after
    it; a bot killed in between (tests/test_faults.py, under load) thanked the person for a
    rating, then offered the rating buttons again after its restart."""
    user = sandbox.user(1058, language_code="en")
    await user.send_command("start")
    await _open_first_answer(user, "en", "work")

    def rated_stored() -> bool:  # what a restarted bot would read (another connection)
        with contextlib.closing(sqlite3.connect(db_path)) as con:
            rows = [json.loads(data) for (data,) in con.execute(
                "SELECT data FROM fsm_records WHERE data IS NOT NULL")]
        return any(row.get("dialog_data", {}).get("view", {}).get("rated") for row in rows)

    seen_at_answer: list[bool] = []

    def on_event(event) -> None:
        if event.kind == "callback_answer":
            seen_at_answer.append(rated_stored())

    assert not rated_stored()
    sandbox.add_listener(on_event)
    try:
        await user.press("👍 Helpful")
    finally:
        sandbox.remove_listener(on_event)
    assert user.chat.callback_answers[-1].text.startswith("Thank you")
    assert seen_at_answer == [True]


async def test_content_change_reaches_running_bot_and_stale_node(bot, sandbox, tmp_path):
    user = sandbox.user(1053, language_code="uk")
    await user.send_command("start")
    answer = ROOT_NODES["emergency"].answers()[0]
    await user.press("🆘 Екстрені номери")
    screen = user.chat.last_bot_message(with_buttons=True)
    # Another process edits the content: the Ukrainian text changes, an answer is retired.
    src = tmp_path / "content"
    src.mkdir()
    for f in (PROJECT_ROOT / "content").glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        if f.stem == "emergency":
            text = text.replace("uk: |", "uk: |\n        НОВИЙ ТЕКСТ.", 1)
        (src / f.name).write_text(text, encoding="utf-8")
    from bot.content.service import ContentStore

    other = ContentStore(bot.app.sessions)
    await other.import_dir(src)
    await user.press(HOME["uk"], screen)
    await user.press("🆘 Екстрені номери")
    assert "НОВИЙ ТЕКСТ" in last_text(user) or answer.slug != ROOT_NODES["emergency"].answers()[0].slug


async def test_an_answer_at_the_length_limits_is_still_sent(bot, sandbox):
    """Each part of an answer passes the panel's checks (a first screen of 600 visible
    characters, details of 3,000 characters, any number of sources), but the screen was
    longer than a message and Telegram refused it: the answer never showed. Found by
    tests/test_fuzz_panel.py."""
    from bot.content.editor import ContentEditor, NodeInput, TextInput
    from bot.content.yaml_io import MAX_FIRST_SCREEN
    from bot.fake_telegram.html_check import utf16_len

    slug = ROOT_NODES["housing"].answers()[0].slug
    node = bot.app.content.catalog.get(slug)
    editor = ContentEditor(bot.app.sessions, bot.app.content)
    await editor.save_texts("test", slug, {"pl": TextInput(
        title=node.titles["pl"], body="<b>Ważne:</b> " + "ż" * (MAX_FIRST_SCREEN - 7),
        details="<b>Szczegóły:</b> " + "ż" * 2980, confirmed=True)})
    await editor.save_node("test", slug, NodeInput(
        sources=[f"https://urzad-{i}.gdansk.gov.pl/meldunek" for i in range(60)],
        reviewed=node.reviewed, review_every_days=180, review_status="check",
        review_note="new rules", icon=None, source_lang="pl"))
    user = sandbox.user(1063, language_code="pl")
    await user.send_command("start", slug)
    text = last_text(user)
    assert text.startswith("Mieszkanie") and "Ważne: żżż" in text and "…" not in text
    assert SOURCE["pl"] in text
    await user.press("ℹ️ Więcej")
    text = last_text(user)
    assert text.startswith("Mieszkanie") and "Szczegóły: żżż" in text and "…" in text
    assert utf16_len(text) <= 4096 and SOURCE["pl"] in text
    assert all(c.ok for c in sandbox.calls)


# ---------------------------------------------------------------- language change, privacy

async def test_language_change_rerenders_screen(bot, sandbox):
    user = sandbox.user(1060, language_code="uk")
    await user.send_command("start")
    await user.press(topic_label("work", "uk"))
    await user.send_command("language")
    await user.press("English")
    assert "Work" in last_text(user)
    assert (await users_row(bot, 1060)).language == "en"


async def test_commands_registered_per_language(bot, sandbox):
    calls = [c for c in sandbox.calls if c.method == "setMyCommands"]
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert {"pl", "uk", "en", None} <= set(by_lang)
    uk = {c["command"]: c["description"] for c in by_lang["uk"]}
    assert {"menu", "help", "language", "privacy"} <= set(uk)
    assert uk["language"] == "Змінити мову"


async def test_help_privacy_mydata(bot, sandbox):
    user = sandbox.user(1061, language_code="pl")
    await user.send_command("help")
    assert "/menu" in " ".join(user.chat.bot_texts())
    await user.send_command("privacy")
    text = last_text(user)
    assert "prywatność" in text.lower() and "Język: polski" in text


async def test_delete_erases_user_and_dialog_state(bot, sandbox):
    user = sandbox.user(1062, language_code="en")
    await user.send_command("start")
    await user.press(topic_label("work", "en"))
    await user.send_command("delete")
    await user.press("Yes, delete")
    assert "deleted" in last_text(user)
    assert await users_row(bot, 1062) is None
    async with bot.app.sessions() as session:
        left = await session.scalar(select(func.count()).select_from(FsmRecord).where(
            FsmRecord.key.like("%:1062:%")))
    assert left == 0


# ---------------------------------------------------------------- webhook mode

async def test_webhook_mode_end_to_end(webhook_bot, sandbox):
    user = sandbox.user(1070, language_code="en")
    await user.send_command("start")
    await user.press(topic_label("legal-stay", "en"))
    assert "Legal stay" in last_text(user)
    assert sandbox.webhook_deliveries and all(d.status == 200 for d in sandbox.webhook_deliveries)


async def test_webhook_rejects_wrong_secret(webhook_bot, sandbox):
    url = webhook_bot.settings.webhook_url
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0,
              "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False,
              "first_name": "X"}, "text": "/start"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 401
        async with http.get(url.replace("/webhook", "/healthz")) as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "ok"
    assert await users_row(webhook_bot, 5) is None


async def test_info_logs_carry_no_ids_texts_or_names(bot, sandbox, caplog):
    import logging

    caplog.set_level(logging.INFO)
    user = sandbox.user(987654321, first_name="Oksana", language_code="uk")
    await user.send_command("start")
    await user.send_text("секретне питання про житло")
    await user.send_text("zzqx nothing matches this")
    await user.send_sticker()
    await user.block()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "search: lang=uk" in logged  # the logs do say what happened...
    for secret in ("987654321", "Oksana", "секретне", "zzqx"):
        assert secret not in logged  # ...but not who, nor what they wrote
