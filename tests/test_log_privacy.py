"""What the logs say about a person: nothing. A whole conversation through the bot over the
sandbox, with every log record at INFO and above captured, and none of them may carry the
person's Telegram id, name, username or anything they wrote."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from tests.botenv import RunningBot, make_settings
from tests.test_bot_e2e import last_text, topic_label
from tests.test_feedback_bot import SEND, WRITE, tickets_of
from tests.test_feedback_group import GROUP, STAFF, StaffGroup
from tests.test_survey_bot import THANKS, answer_all, open_survey

TG_ID = 731904586
FIRST, LAST, USERNAME = "Zhannetta", "Kvitoslavska", "zh_kvitka_77"
FOUND = "як оформити карту побиту"
NOT_FOUND = "xqzvlt blorptank 600700800"
TICKET = "Пишу вам про документи, мій номер 731904586, Zhannetta"
STAFF_REPLY = "Prosimy przyjść z paszportem, pokój trzynaście"
SECRETS = [str(TG_ID), FIRST, LAST, USERNAME, "оформити карту", "xqzvlt", "blorptank",
           "600700800", "Пишу вам", "паспорт", "paszportem", STAFF["first_name"],
           STAFF["last_name"], STAFF["username"], str(STAFF["id"])]


class Records(logging.Handler):
    """Every record that reaches the root logger, as formatted text, args and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{self.format(record)}\nargs={record.args!r}\n"
                          f"extra={ {k: v for k, v in record.__dict__.items() if k not in _STD}!r}")


_STD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@pytest.fixture
def all_logs():
    root = logging.getLogger()
    handler = Records()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Loggers given a level of their own (the CLI quiets aiogram.event) log at INFO here too;
    # not SQLAlchemy's, whose level is its `echo` switch (off: SQL is never logged).
    quieted = {name: lg.level for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger) and lg.level > logging.INFO
               and not name.startswith("sqlalchemy")}
    for name in quieted:
        logging.getLogger(name).setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
    for name, old in quieted.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
async def group_bot(sandbox, db_path):
    group = StaffGroup(sandbox)
    running = RunningBot(sandbox, make_settings(db_path, sandbox, staff_chat_id=GROUP,
                                                log_level="INFO"))
    await running.start()
    yield running, group
    await running.stop()


async def test_a_whole_conversation_leaves_nothing_personal_in_the_logs(group_bot, sandbox,
                                                                        all_logs):
    bot, group = group_bot
    user = sandbox.user(TG_ID, first_name=FIRST, last_name=LAST, username=USERNAME,
                        language_code="ru")
    # Start and language: a Russian client is asked, picks Ukrainian, later switches to English.
    await user.send_command("start")
    await user.press("українська")
    # Browse, search (found and not found).
    await user.press(topic_label("legal-stay", "uk"))
    await user.press(0)
    await user.send_text(FOUND)
    assert "🔎" in last_text(user)
    await user.send_text(NOT_FOUND)
    # A ticket, posted to the staff group; a staff member replies there.
    await user.send_command("start")
    await user.press(WRITE["uk"])
    await user.send_text(TICKET)
    await user.press(SEND["uk"])
    [ticket] = await tickets_of(bot, TG_ID)
    [post] = group.posts()
    await group.say(STAFF_REPLY, reply_to=post)
    assert STAFF_REPLY in last_text(user)
    # Another reply from the panel, delivered by the courier.
    await bot.app.tickets.reply(ticket.id, STAFF_REPLY + ", 10:00", "editor@example.org")
    assert await bot.app.courier.deliver_pending() == 1
    # The language changes; a survey from consent to the end.
    await user.send_command("language")
    await user.press("English")
    await open_survey(user, "en")
    await answer_all(user, "en")
    assert THANKS["en"] in last_text(user)
    # A sticker, a stale button, a block and a return, and /delete.
    await user.send_sticker()
    await user.press_data("zzzz\x1dn:removed-answer", user.chat.last_bot_message(
        with_buttons=True).message_id)
    await user.block()
    await user.unblock()
    await user.send_command("delete")
    await user.press("Yes, delete")
    assert "deleted" in last_text(user)

    logged = "\n".join(all_logs.texts)
    # The logs do say what happened...
    for event in ("search: lang=uk", f"ticket #{ticket.id} opened", "survey response completed",
                  "a user blocked the bot"):
        assert event in logged, event
    # ...but not who, nor what they or staff wrote.
    leaks = {secret: [t for t in all_logs.texts if secret in t][:2] for secret in SECRETS}
    assert not {s: t for s, t in leaks.items() if t}


async def test_a_failing_update_is_answered_and_logs_no_personal_data(bot, sandbox, all_logs):
    """A handler that fails on a database error: the person is told and the button stops
    spinning; the log names the error but holds none of the values the statement carried."""
    user = sandbox.user(TG_ID, first_name=FIRST, last_name=LAST, username=USERNAME,
                        language_code="uk")
    await user.send_command("start")
    await user.press(WRITE["uk"])
    await user.send_text(TICKET)
    async with bot.app.engine.begin() as conn:
        await conn.execute(text("CREATE TRIGGER fail_tickets BEFORE INSERT ON ticket_messages "
                                "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"))
    answers = len(user.chat.callback_answers)
    await user.press(SEND["uk"])
    assert await tickets_of(bot, TG_ID) == []
    [answer] = user.chat.callback_answers[answers:]
    assert answer.text and answer.text.startswith("⚠️ Щось пішло не так")
    async with bot.app.engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER fail_tickets"))

    logged = "\n".join(all_logs.texts)
    assert "IntegrityError" in logged  # what failed, and where, is still there
    leaks = {secret: [t for t in all_logs.texts if secret in t][:2] for secret in SECRETS}
    assert not {s: t for s, t in leaks.items() if t}
