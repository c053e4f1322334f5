"""The optional staff Telegram group (STAFF_CHAT_ID), over real HTTP against the sandbox:
new tickets are posted there, a staff reply to a post goes back to the person, and nothing
else said in the group reaches the bot's user dialogs or its user table."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import StaffPostRemoval, Ticket, TicketMessage, User
from bot.fake_telegram.models import SimChat, SimMessage
from bot.fake_telegram.users import _TINY_PNG
from tests.botenv import RunningBot, make_settings
from tests.people import by_telegram
from tests.test_feedback_bot import SEND, WRITE, last_text, tickets_of

GROUP = -1001234567890
STAFF = {"id": 777001, "is_bot": False, "first_name": "Magda", "last_name": "Nowak",
         "username": "magda_urzad"}


class GroupChat(SimChat):
    def api_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": "supergroup", "title": "Belong staff"}


class StaffGroup:
    """A supergroup with the bot in it. The sandbox models private chats only, so the group
    stands in its chat table under its (negative) id; updates are queued like a user's."""

    def __init__(self, sandbox, chat_id: int = GROUP) -> None:
        self.sandbox, self.id = sandbox, chat_id
        self.first_name, self.last_name, self.username = "Belong staff", None, None
        self.chat = GroupChat(self)  # type: ignore[arg-type]
        sandbox._users[chat_id] = self

    def posts(self) -> list[SimMessage]:
        return self.chat.bot_messages()

    async def say(self, text: str, reply_to: SimMessage | None = None,
                  sender: dict[str, Any] | None = STAFF) -> None:
        """`sender=None`: an anonymous admin, who posts as the group and names no user."""
        extra = {} if sender else {"sender_chat": self.chat.api_dict()}
        msg = self.chat.add_message(from_bot=False, sender=sender, date=int(time.time()),
                                    kind="text", text=text, reply_to=reply_to, extra=extra)
        body = msg.to_api()
        if sender is None:
            del body["from"]
        ticket = self.sandbox._enqueue(self.id, "message", body, f"group {text!r}")
        await self.sandbox._wait_ticket(ticket, None, None)

    async def send_photo(self, reply_to: SimMessage, caption: str | None = None) -> str:
        """A staff member's photo (with or without caption) as a reply; returns its file id."""
        f = self.sandbox._store_file("photo", _TINY_PNG, file_name="photo.png",
                                     mime_type="image/png")
        sizes = [{"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": 1,
                  "height": 1, "file_size": f.size}]
        msg = self.chat.add_message(from_bot=False, sender=STAFF, date=int(time.time()),
                                    kind="photo", text=caption, media=sizes, reply_to=reply_to)
        ticket = self.sandbox._enqueue(self.id, "message", msg.to_api(), "group photo")
        await self.sandbox._wait_ticket(ticket, None, None)
        return f.file_id


@pytest.fixture
async def group_bot(sandbox, db_path):
    group = StaffGroup(sandbox)
    running = RunningBot(sandbox, make_settings(db_path, sandbox, staff_chat_id=GROUP))
    await running.start()
    yield running, group
    await running.stop()


async def write_ticket(user, lang: str, text: str | None = None, photo: bool = False) -> None:
    await user.send_command("start")
    await user.press(WRITE[lang])
    if photo:
        await user.send_photo(caption=text)
    else:
        await user.send_text(text or "")
    await user.press(SEND[lang])


async def test_ticket_posted_to_the_group_and_reply_relayed_back(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4001, language_code="uk", first_name="Oksana", username="oksana_k")
    await write_ticket(user, "uk", "Як отримати PESEL?")
    [ticket] = await tickets_of(bot, 4001)
    [post] = group.posts()
    assert f"Zgłoszenie #{ticket.id} · uk" in post.text
    assert "Як отримати PESEL?" in post.text and "Aby odpowiedzieć tej osobie" in post.text
    for secret in ("4001", "Oksana", "oksana_k"):
        assert secret not in post.text
    async with bot.app.sessions() as session:
        first = await session.scalar(select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id))
        assert first.staff_chat_message_id == post.message_id

    await group.say("Zapraszamy do urzędu miasta, pokój 12.", reply_to=post)
    reply = last_text(user)
    assert f"Відповідь на ваше звернення №{ticket.id}" in reply
    assert "Zapraszamy do urzędu miasta, pokój 12." in reply
    assert group.posts()[-1].text == f"✅ Odpowiedź na zgłoszenie #{ticket.id} została doręczona."

    async with bot.app.sessions() as session:
        staff_row = await session.scalar(select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.author == "staff"))
        assert staff_row.staff_email == "telegram-group" and staff_row.delivery == "sent"
        assert (await session.get(Ticket, ticket.id)).status == "answered"
        # The staff member is not a user of the bot: no row, no name, no id anywhere.
        assert await session.scalar(by_telegram(STAFF["id"])) is None
        texts = " ".join(m.text + (m.staff_email or "") for m in
                         (await session.scalars(select(TicketMessage))).all())
        assert "Magda" not in texts and "magda_urzad" not in texts


async def test_photo_ticket_is_posted_as_a_photo(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4002, language_code="pl")
    await write_ticket(user, "pl", "Co znaczy to pismo?", photo=True)
    [ticket] = await tickets_of(bot, 4002)
    [post] = group.posts()
    assert post.kind == "photo"
    assert post.media[0]["file_id"] == ticket.messages[0].photo_file_id
    assert f"Zgłoszenie #{ticket.id} · pl" in post.text and "Co znaczy to pismo?" in post.text
    await group.say("To wezwanie do urzędu.", reply_to=post)
    assert f"Odpowiedź na zgłoszenie nr {ticket.id}" in last_text(user)


async def test_staff_photo_reply_reaches_the_person(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4010, language_code="uk")
    await write_ticket(user, "uk", "Де знаходиться ужонд?")
    [ticket] = await tickets_of(bot, 4010)
    [post] = group.posts()

    file_id = await group.send_photo(post, caption="Tu jest wejście, pokój 12.")
    received = user.chat.bot_messages()[-1]
    assert received.kind == "photo" and received.media[0]["file_id"] == file_id
    assert f"Відповідь на ваше звернення №{ticket.id}" in received.text
    assert "Tu jest wejście, pokój 12." in received.text
    assert group.posts()[-1].text == f"✅ Odpowiedź na zgłoszenie #{ticket.id} została doręczona."

    file_id = await group.send_photo(post)  # no caption: the photo alone still goes
    received = user.chat.bot_messages()[-1]
    assert received.kind == "photo" and received.media[0]["file_id"] == file_id
    assert f"Відповідь на ваше звернення №{ticket.id}" in received.text
    async with bot.app.sessions() as session:
        replies = (await session.scalars(select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.author == "staff")
            .order_by(TicketMessage.id))).all()
    assert [(r.text, r.photo_file_id, r.delivery) for r in replies] == [
        ("Tu jest wejście, pokój 12.", replies[0].photo_file_id, "sent"),
        ("", replies[1].photo_file_id, "sent")]
    assert all(r.photo_file_id for r in replies)


async def test_long_text_with_photo_reply_to_either_post(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4003, language_code="en")
    await write_ticket(user, "en", "word " * 400, photo=True)
    [ticket] = await tickets_of(bot, 4003)
    photo, text = group.posts()
    assert photo.kind == "photo" and f"Zgłoszenie #{ticket.id}" in photo.text
    assert text.kind == "text" and "word word" in text.text
    await group.say("Reply to the photo", reply_to=photo)
    assert "Reply to the photo" in last_text(user)


async def test_anonymous_admin_reply_is_relayed(group_bot, sandbox):
    """An anonymous admin's message names no user: aiogram-dialog failed on it before the
    chat gate sent the group's updates straight to its router (found by the webhook fuzz)."""
    _bot, group = group_bot
    user = sandbox.user(4009, language_code="en")
    await write_ticket(user, "en", "Where is the office?")
    [post] = group.posts()
    await group.say("Room 12, second floor.", reply_to=post, sender=None)
    assert "Room 12, second floor." in last_text(user)
    assert "została doręczona" in group.posts()[-1].text
    await group.say("Good morning!", sender=None)
    assert all(c.ok for c in sandbox.calls)


async def test_other_group_messages_are_ignored(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4004, language_code="en")
    await write_ticket(user, "en", "A question")
    user_messages = len(user.chat.messages)
    posts = len(group.posts())
    await group.say("Good morning, everyone!")
    await group.say("/start")
    await group.say("/menu")
    chatter = group.chat.messages[-1]
    await group.say("Agreed", reply_to=chatter)  # a reply, but not to a ticket post
    assert len(group.posts()) == posts  # the bot said nothing in the group
    assert len(user.chat.messages) == user_messages
    async with bot.app.sessions() as session:
        assert await session.scalar(by_telegram(STAFF["id"], func.count(User.id))) == 0
        assert await session.scalar(select(func.count()).select_from(TicketMessage).where(
            TicketMessage.author == "staff")) == 0


async def test_panel_reply_is_delivered_without_the_group(group_bot, sandbox):
    bot, _group = group_bot
    user = sandbox.user(4005, language_code="en")
    await write_ticket(user, "en", "A question")
    [ticket] = await tickets_of(bot, 4005)
    await bot.app.tickets.reply(ticket.id, "From the panel", "editor@example.org")
    await bot.app.courier.deliver_pending()
    assert f"Reply to your ticket #{ticket.id}" in last_text(user)


async def _queued_removals(bot) -> int:
    async with bot.app.sessions() as session:
        return await session.scalar(select(func.count()).select_from(StaffPostRemoval))


async def _removals_done(bot, within: float = 10.0) -> None:
    """Wait for the courier's round that removes queued staff-group copies."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while await _queued_removals(bot):
        assert loop.time() < deadline, "staff-group removals are still queued"
        await asyncio.sleep(0.05)


def _age(message: SimMessage, hours: float) -> None:
    """Let the sandbox believe the post went out `hours` ago."""
    message.date = int(time.time() - hours * 3600)


async def test_deleting_my_data_removes_my_tickets_from_the_group(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4006, language_code="uk", first_name="Iryna")
    await write_ticket(user, "uk", "Моє приватне питання про прописку")
    await write_ticket(user, "uk", "Фото мого паспорта", photo=True)
    await write_ticket(user, "uk", "довге пояснення " * 100, photo=True)
    fresh, photo, long_photo, long_text = group.posts()
    await group.say("Прийдіть у вівторок.", reply_to=fresh)  # a staff member's own message
    staff_reply = group.chat.messages[-2]
    assert staff_reply.text == "Прийдіть у вівторок." and not staff_reply.from_bot
    for post in (photo, long_photo, long_text):
        _age(post, 49)  # beyond the 48 hours in which Telegram lets a bot delete
    other = sandbox.user(4007, language_code="en")
    await write_ticket(other, "en", "Someone else's question")
    others_post = group.posts()[-1]
    original_photo = photo.media[0]["file_id"]

    await user.send_command("delete")
    await user.press("Так, видалити")
    assert "видалено" in last_text(user)
    await _removals_done(bot)

    assert fresh.deleted  # within 48 hours: gone
    for post in (photo, long_photo):  # older: the photo is blanked, the caption replaced
        assert not post.deleted and post.kind == "photo"
        assert post.media[-1]["file_id"] != original_photo
        assert "usunięto (osoba usunęła swoje dane" in post.text
        assert "паспорта" not in post.text and "пояснення" not in post.text
    assert long_text.text.startswith("🗑 Zgłoszenie #") and "пояснення" not in long_text.text
    # The bot is not an admin of this group, so a staff member's message stays theirs to delete.
    assert not staff_reply.deleted
    assert not others_post.deleted and "Someone else's question" in others_post.text
    async with bot.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_a_removal_that_fails_for_now_is_retried(group_bot, sandbox):
    bot, group = group_bot
    user = sandbox.user(4008, language_code="en")
    await write_ticket(user, "en", "Please forget me")
    [post] = group.posts()
    sandbox.inject("deleteMessage", 500, "Internal Server Error", times=2)
    await user.send_command("delete")
    await user.press("Yes, delete")
    await _removals_done(bot, within=20)
    assert post.deleted
