"""/settings, /mydata and /delete through the whole bot over real HTTP (sandbox Bot API)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.db.models import Ticket, TicketMessage, TopicSubscription, User
from tests.people import by_telegram
from tests.test_bot_e2e import flat, last_text, topic_label
from tests.test_feedback_bot import SEND, WRITE, sandbox_wait_for


async def user_row(bot, tg_id: int) -> User | None:
    async with bot.app.sessions() as session:
        return await session.scalar(by_telegram(tg_id))


async def topics_of(bot, tg_id: int) -> set[str]:
    async with bot.app.sessions() as session:
        rows = await session.scalars(by_telegram(tg_id, TopicSubscription.topic).join(
            TopicSubscription, TopicSubscription.user_id == User.id))
        return set(rows.all())


async def test_settings_toggles_persist_across_restart_and_show_in_mydata(bot, sandbox):
    user = sandbox.user(5001, language_code="en")
    await user.send_command("start")
    await user.send_command("settings")
    labels = flat(user.chat.buttons())
    assert "📊 Survey invitations: off ▫️" in labels and "🔕 Mute all" in labels
    assert "▫️ General news" in labels and f"▫️ {topic_label('housing', 'en')}" in labels

    await user.press("📊 Survey invitations: off ▫️")
    await user.press("▫️ General news")
    await user.press(f"▫️ {topic_label('housing', 'en')}")
    labels = flat(user.chat.buttons())
    assert "📊 Survey invitations: on ✅" in labels
    assert "✅ General news" in labels and f"✅ {topic_label('housing', 'en')}" in labels
    row = await user_row(bot, 5001)
    assert row.survey_pushes and not row.pushes_muted
    assert await topics_of(bot, 5001) == {"general", "housing"}

    await user.press(f"✅ {topic_label('housing', 'en')}")  # off again
    await user.press("🔕 Mute all")
    assert "All notifications are muted" in last_text(user)

    await bot.restart()
    await user.send_command("settings")
    labels = flat(user.chat.buttons())
    assert "📊 Survey invitations: on ✅" in labels and "🔔 Unmute" in labels
    assert "✅ General news" in labels and f"▫️ {topic_label('housing', 'en')}" in labels
    assert await topics_of(bot, 5001) == {"general"}
    assert (await user_row(bot, 5001)).pushes_muted

    # /surveys shows the same survey-invitation flag.
    await user.send_command("surveys")
    assert "🔔 Survey invitations: on (tap to turn off)" in flat(user.chat.buttons())

    await user.send_command("mydata")
    text = last_text(user)
    assert "Survey invitations: on" in text
    assert "News by topic: General news" in text
    assert "All notifications muted: yes" in text


async def test_settings_in_ukrainian(bot, sandbox):
    user = sandbox.user(5002, language_code="uk")
    await user.send_command("start")
    await user.send_command("settings")
    labels = flat(user.chat.buttons())
    assert "▫️ Загальні новини" in labels and f"▫️ {topic_label('work', 'uk')}" in labels
    await user.press(f"▫️ {topic_label('work', 'uk')}")
    await user.send_command("mydata")
    assert f"Новини за темами: {topic_label('work', 'uk')}" in last_text(user)


async def test_settings_is_in_the_command_list_and_help(bot, sandbox):
    def key(lang: str) -> tuple[str, str]:
        return json.dumps({"type": "default"}), lang

    # The bot registers its command lists while it starts handling updates.
    await sandbox_wait_for(sandbox, lambda: all(key(lang) in sandbox.commands
                                                for lang in ("pl", "uk", "en")))
    for lang, word in (("pl", "Powiadomienia"), ("uk", "Сповіщення"), ("en", "Notifications")):
        listed = sandbox.commands[key(lang)]
        assert {"command": "settings", "description": word} in listed
    user = sandbox.user(5003, language_code="pl")
    await user.send_command("help")
    assert "/settings" in user.chat.bot_texts()[-1]


async def test_mydata_shows_tickets_and_delete_removes_them(bot, sandbox):
    user = sandbox.user(5004, language_code="en")
    await user.send_command("start")
    await user.press(WRITE["en"])
    await user.send_text("First question")
    await user.press(SEND["en"])
    await user.send_command("settings")
    await user.press("▫️ General news")
    async with bot.app.sessions() as session:
        number = await session.scalar(select(Ticket.id))
    await bot.app.tickets.reply(number, "An answer", "editor@example.org")
    await bot.app.courier.deliver_pending()

    await user.send_command("mydata")
    text = last_text(user)
    assert f"ticket #{number}: staff replied" in text
    assert "“Write to us”" in text

    row = await user_row(bot, 5004)
    assert row is not None
    await user.send_command("delete")
    assert "tickets" in last_text(user)
    await user.press("Yes, delete")
    assert await user_row(bot, 5004) is None
    async with bot.app.sessions() as session:
        for table in (Ticket, TicketMessage, TopicSubscription):
            assert await session.scalar(select(func.count()).select_from(table)) == 0
    assert await bot.app.tickets.for_user(row.id) == []
