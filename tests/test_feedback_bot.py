""""Write to us" through the whole bot over real HTTP against the sandbox Bot API: tickets
stored with language and answer, hints that lose nothing, staff replies delivered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Ticket, TicketMessage, User
from tests.people import by_telegram
from tests.test_bot_e2e import ROOT_NODES, SOURCE, flat, last_text, topic_label

WRITE = {"pl": "✍️ Napisz do nas", "uk": "✍️ Напишіть нам", "en": "✍️ Write to us"}
SEND = {"pl": "✅ Wyślij", "uk": "✅ Надіслати", "en": "✅ Send"}
NUMBER = {"pl": "nr {n}", "uk": "№{n}", "en": "#{n}"}
REPLY_HEAD = {"pl": "Odpowiedź na Twoje zgłoszenie nr {n}", "uk": "Відповідь на ваше звернення №{n}",
              "en": "Reply to your ticket #{n}"}


async def open_answer(user, lang: str, root: str = "housing") -> str:
    """Open the first answer under a root topic; returns its slug."""
    await user.send_command("start")
    await user.press(topic_label(root, lang))
    node = ROOT_NODES[root]
    while not node.is_answer:
        await user.press(0)
        node = node.children[0]
    assert SOURCE[lang] in last_text(user)
    return node.slug


async def tickets_of(bot, tg_id: int) -> list[Ticket]:
    async with bot.app.sessions() as session:
        rows = await session.scalars(by_telegram(tg_id, Ticket)
                                     .join(Ticket, Ticket.user_id == User.id).order_by(Ticket.id))
        return list(rows.all())


@pytest.mark.parametrize("lang", ["uk", "pl"])
async def test_write_from_an_answer_with_text(bot, sandbox, lang):
    user = sandbox.user(3001, language_code=lang, first_name="Oksana", username="oksana_k")
    slug = await open_answer(user, lang)
    await user.press(WRITE[lang])
    await user.send_text("Where do I register my address if my landlord refuses?")
    assert "Where do I register" in last_text(user)  # the draft is shown to confirm
    await user.press(SEND[lang])
    [ticket] = await tickets_of(bot, 3001)
    assert NUMBER[lang].format(n=ticket.id) in last_text(user)
    assert ticket.lang == lang and ticket.faq_slug == slug and ticket.status == "new"
    assert ticket.messages[0].text == "Where do I register my address if my landlord refuses?"

    # The staff listing shows the number and language, never who wrote.
    tickets = bot.app.tickets
    [summary] = await tickets.inbox(status="new")
    view = await tickets.get(ticket.id)
    shown = repr(summary) + repr(view)
    for secret in ("3001", "Oksana", "oksana_k"):
        assert secret not in shown
    assert summary.number == ticket.id and summary.lang == lang

    # Back leads to the answer it was written under.
    await user.press(flat(user.chat.buttons())[0])
    assert SOURCE[lang] in last_text(user)


async def test_write_with_a_photo_and_caption(bot, sandbox):
    user = sandbox.user(3002, language_code="en")
    slug = await open_answer(user, "en", "work")
    await user.press(WRITE["en"])
    await user.send_photo(caption="What does this letter from the office mean?")
    assert "photo" in last_text(user).lower()
    await user.press(SEND["en"])
    [ticket] = await tickets_of(bot, 3002)
    message = ticket.messages[0]
    assert message.photo_file_id and message.photo_file_id in sandbox.files
    assert message.text == "What does this letter from the office mean?"
    assert ticket.faq_slug == slug


async def test_write_from_the_menu_photo_without_caption(bot, sandbox):
    user = sandbox.user(3003, language_code="uk")
    await user.send_command("start")
    await user.press(WRITE["uk"])
    await user.send_photo()
    await user.press(SEND["uk"])
    [ticket] = await tickets_of(bot, 3003)
    assert ticket.faq_slug is None and ticket.messages[0].text == ""
    assert ticket.messages[0].photo_file_id


async def test_sticker_voice_document_and_long_text_get_hints_and_keep_the_draft(bot, sandbox):
    user = sandbox.user(3004, language_code="en")
    await user.send_command("start")
    await user.press(WRITE["en"])
    await user.send_sticker()
    assert "Stickers" in user.chat.bot_texts()[-2]
    await user.send_text("My question about the residence card")
    await user.send_voice()
    assert "Voice" in user.chat.bot_texts()[-2]
    await user.send_document()
    assert "Files" in user.chat.bot_texts()[-2]
    await user.send_text("x" * 3001)
    assert "3001" in user.chat.bot_texts()[-2] and "3000" in user.chat.bot_texts()[-2]
    await user.send_text("   ")
    assert "empty" in user.chat.bot_texts()[-2]
    # After all that the draft is still there and is what gets sent.
    assert "My question about the residence card" in last_text(user)
    await user.press(SEND["en"])
    [ticket] = await tickets_of(bot, 3004)
    assert ticket.messages[0].text == "My question about the residence card"


async def test_cancel_sends_nothing(bot, sandbox):
    user = sandbox.user(3005, language_code="en")
    await user.send_command("start")
    await user.press(WRITE["en"])
    await user.send_text("Hello")
    await user.press("✖️ Cancel")
    assert topic_label("work", "en") in flat(user.chat.buttons())
    await user.press(WRITE["en"])
    await user.send_command("cancel")
    assert topic_label("work", "en") in flat(user.chat.buttons())
    assert await tickets_of(bot, 3005) == []


async def test_write_button_still_works_after_restart(bot, sandbox):
    user = sandbox.user(3006, language_code="pl")
    slug = await open_answer(user, "pl")
    answer_message = user.chat.last_bot_message(with_buttons=True)
    await bot.restart()
    await user.press(WRITE["pl"], answer_message)
    await user.send_text("Pytanie po restarcie")
    await user.press(SEND["pl"])
    [ticket] = await tickets_of(bot, 3006)
    assert ticket.faq_slug == slug and ticket.lang == "pl"


async def test_stale_write_button_of_a_closed_dialog_opens_write_to_us(bot, sandbox):
    user = sandbox.user(3007, language_code="en")
    slug = await open_answer(user, "en")
    _msg, button = user.find_button(WRITE["en"])
    stale = button["callback_data"].replace(button["callback_data"].split("\x1d")[0], "zzzzzz")
    await user.press_data(stale, _msg.message_id)
    assert "Write to us" in last_text(user)
    await user.send_text("From an old button")
    await user.press(SEND["en"])
    [ticket] = await tickets_of(bot, 3007)
    assert ticket.faq_slug == slug


@pytest.mark.parametrize("lang", ["uk", "pl", "en"])
async def test_staff_reply_reaches_the_user_in_their_language(bot, sandbox, lang):
    user = sandbox.user(3010, language_code=lang)
    await user.send_command("start")
    await user.press(WRITE[lang])
    await user.send_text("Do I need a PESEL number to work?")
    await user.press(SEND[lang])
    [ticket] = await tickets_of(bot, 3010)
    await bot.app.tickets.reply(ticket.id, "Yes, your employer will <help> you get one.",
                                "editor@example.org")
    assert await bot.app.courier.deliver_pending() == 1
    text = last_text(user)
    assert REPLY_HEAD[lang].format(n=ticket.id) in text
    assert "Yes, your employer will <help> you get one." in text
    async with bot.app.sessions() as session:
        reply = await session.scalar(select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.author == "staff"))
        assert reply.delivery == "sent" and reply.staff_email == "editor@example.org"
        assert (await session.get(Ticket, ticket.id)).status == "answered"


async def test_reply_saved_elsewhere_is_delivered_by_the_background_courier(bot, sandbox):
    user = sandbox.user(3011, language_code="en")
    await user.send_command("start")
    await user.press(WRITE["en"])
    await user.send_text("Question")
    await user.press(SEND["en"])
    [ticket] = await tickets_of(bot, 3011)
    # Another process (a second worker, the CLI) saves the reply: only the database changes.
    from bot.feedback.service import TicketService

    await TicketService(bot.app.sessions).reply(ticket.id, "Answer from elsewhere", "cli")
    bot.app.courier.kick()
    await sandbox_wait_for(sandbox, lambda: "Answer from elsewhere" in last_text(user))


async def test_reply_to_a_user_who_blocked_the_bot_fails_and_marks_them(bot, sandbox):
    user = sandbox.user(3012, language_code="en")
    await user.send_command("start")
    await user.press(WRITE["en"])
    await user.send_text("Question")
    await user.press(SEND["en"])
    [ticket] = await tickets_of(bot, 3012)
    await user.block()
    await bot.app.tickets.reply(ticket.id, "Answer", "editor@example.org")
    assert await bot.app.courier.deliver_pending() == 0
    view = await bot.app.tickets.get(ticket.id)
    assert view.messages[-1].delivery == "failed"
    async with bot.app.sessions() as session:
        row = await session.scalar(by_telegram(3012))
        assert row.blocked


async def sandbox_wait_for(sandbox, condition, attempts: int = 400) -> None:
    """Wait (by polling the condition, not by a deadline on timing) for a background send."""
    import asyncio

    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the background delivery did not arrive")


async def test_write_and_reply_in_webhook_mode(webhook_bot, sandbox):
    user = sandbox.user(3020, language_code="pl")
    slug = await open_answer(user, "pl", "health")
    await user.press(WRITE["pl"])
    await user.send_photo(caption="Czy to skierowanie jest ważne?")
    await user.press(SEND["pl"])
    [ticket] = await tickets_of(webhook_bot, 3020)
    assert ticket.faq_slug == slug and ticket.messages[0].photo_file_id
    await webhook_bot.app.tickets.reply(ticket.id, "Tak, jest ważne.", "editor@example.org")
    await webhook_bot.app.courier.deliver_pending()
    assert REPLY_HEAD["pl"].format(n=ticket.id) in last_text(user)
