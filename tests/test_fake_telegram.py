"""Tests of the local Bot API sandbox (bot/fake_telegram) with a real aiogram Bot + Dispatcher.

Polling runs with ``dp.start_polling(bot, handle_as_tasks=False)``: aiogram then
confirms an update (the next getUpdates carries offset > update_id) only after
its handler finished, which is what ``SimUser`` actions wait for.  Webhook mode
uses ``SimpleRequestHandler(..., handle_in_background=False)`` for the same
reason: the POST returns when the handler is done.
"""

from __future__ import annotations

import asyncio
import html
import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.filters import Command
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.fake_telegram import (
    BotApiSandbox,
    ButtonNotFound,
    SandboxTimeoutError,
    WebhookDeliveryError,
    parse_html,
    run_terminal_chat,
)
from tests.botenv import SLOW_MACHINE

TOKEN = "123456:TEST-token_abc"
SECRET = "s3cret-token"


# ---------------------------------------------------------------------------- fixtures
def make_bot(sb: BotApiSandbox) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="Yes", callback_data="yes"),
         InlineKeyboardButton(text="No", callback_data="no")],
        [InlineKeyboardButton(text="Site", url="https://example.com")],
    ])


def make_dispatcher(events: list[str] | None = None) -> Dispatcher:
    router = Router()
    seen = events if events is not None else []

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer("Welcome to <b>Belong</b>!")

    @router.message(Command("kb"))
    async def reply_keyboard(message: Message) -> None:
        await message.answer("Choose", reply_markup=ReplyKeyboardMarkup(keyboard=[
            [KeyboardButton(text="Plain"), KeyboardButton(text="Share phone",
                                                         request_contact=True)]]))

    @router.message(Command("ping"))
    async def ping(message: Message) -> SendMessage:
        # Returned methods are sent in the webhook response body.
        return message.answer("pong")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"<b>Echo:</b> {html.escape(message.text or '')}", reply_markup=keyboard()
        )

    @router.message()
    async def other(message: Message) -> None:
        await message.answer(f"Got a {message.content_type.value}")

    @router.callback_query()
    async def on_button(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"You chose <i>{query.data}</i>")
        await query.answer("Saved")

    @router.my_chat_member()
    async def member(update: ChatMemberUpdated) -> None:
        seen.append(update.new_chat_member.status)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@pytest.fixture
async def sb() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox() as sandbox:
        yield sandbox


async def _start_polling(sb: BotApiSandbox, handle_as_tasks: bool = False,
                         events: list[str] | None = None):
    bot = make_bot(sb)
    dp = make_dispatcher(events)
    task = asyncio.create_task(
        dp.start_polling(bot, handle_as_tasks=handle_as_tasks, handle_signals=False)
    )
    return bot, dp, task


async def _stop_polling(dp: Dispatcher, task: asyncio.Task) -> None:
    await dp.stop_polling()
    await asyncio.wait_for(task, SLOW_MACHINE)


@pytest.fixture
async def polling(sb: BotApiSandbox) -> AsyncIterator[tuple[Bot, list[str]]]:
    events: list[str] = []
    bot, dp, task = await _start_polling(sb, events=events)
    yield bot, events
    await _stop_polling(dp, task)


@pytest.fixture
async def api_bot(sb: BotApiSandbox) -> AsyncIterator[Bot]:
    """A Bot that only makes calls (no dispatcher)."""
    bot = make_bot(sb)
    yield bot
    await bot.session.close()


# ---------------------------------------------------------------------------- basics
async def test_get_me_token_check_and_unknown_method(sb: BotApiSandbox, api_bot: Bot) -> None:
    me = await api_bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "belong_sandbox_bot")
    assert me.first_name == "Belong (sandbox)"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sb.base_url}/botnot-a-token/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{sb.base_url}/bot{TOKEN}/fooBar") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False, "error_code": 404, "description": "Not Found"}
        # JSON body with a nested object, and method names are case-insensitive
        user = sb.user(77)
        body = {"chat_id": 77, "text": "<b>hi</b>", "parse_mode": "HTML",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}}
        async with http.post(f"{sb.base_url}/bot{TOKEN}/SENDMESSAGE", json=body) as resp:
            data = await resp.json()
        assert data["ok"] and data["result"]["entities"] == [
            {"type": "bold", "offset": 0, "length": 2}]
        # query string parameters
        async with http.get(f"{sb.base_url}/bot{TOKEN}/sendMessage",
                            params={"chat_id": "77", "text": "q"}) as resp:
            assert (await resp.json())["result"]["text"] == "q"
    assert user.chat.bot_texts() == ["hi", "q"]
    assert sb.calls[-2].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"


def test_parse_html_entities_and_errors() -> None:
    text, entities = parse_html('😀 <b>Hi</b> &lt;3 <a href="https://ex.com/x">link</a>')
    assert text == "😀 Hi <3 link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 2},  # the emoji is 2 UTF-16 units
        {"type": "text_link", "offset": 9, "length": 4, "url": "https://ex.com/x"},
    ]
    for bad, message in [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            parse_html(bad)


# ---------------------------------------------------------------------------- polling
@pytest.mark.parametrize("handle_as_tasks", [False, True])
async def test_polling_roundtrip(sb: BotApiSandbox, handle_as_tasks: bool) -> None:
    _bot, dp, task = await _start_polling(sb, handle_as_tasks=handle_as_tasks)
    try:
        user = sb.user(1001, first_name="Olena", language_code="uk")
        update = await user.send_command("start")
        assert update["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": 6}]
        assert user.chat.bot_texts() == ["Welcome to Belong!"]

        await user.send_text("hello <world>")
        last = user.chat.last_bot_message()
        assert last is not None and last.text == "Echo: hello <world>"
        assert last.entities == [{"type": "bold", "offset": 0, "length": 5}]
        assert user.chat.buttons() == [["Yes", "No"], ["Site"]]

        await user.press("Yes")
        assert last.text == "You chose yes" and last.edit_count == 1
        assert last.reply_markup is None  # editMessageText without markup drops the keyboard
        assert user.chat.callback_answers[-1].text == "Saved"
        methods = [c.method for c in sb.calls]
        assert methods[-2:] == ["editMessageText", "answerCallbackQuery"]
        assert all(c.ok for c in sb.calls)
        assert sb.poll_count >= 3
    finally:
        await _stop_polling(dp, task)


async def test_press_variants_and_errors(sb: BotApiSandbox, polling) -> None:
    user = sb.user(1002)
    with pytest.raises(ButtonNotFound):
        await user.press("Yes")  # no bot message yet
    await user.send_text("one")
    first = user.chat.last_bot_message()
    await user.send_text("two")
    with pytest.raises(ButtonNotFound, match="Maybe"):
        await user.press("Maybe")
    with pytest.raises(ButtonNotFound, match="url button"):
        await user.press("Site")
    await user.press((0, 1), message=first)
    assert first.text == "You chose no"
    await user.press(0)  # flat index on the latest message with buttons
    assert user.chat.last_bot_message().text == "You chose yes"
    # a stale button on a message that no longer has a keyboard still produces a query
    await user.press_data("yes", first.message_id)
    assert first.text == "You chose yes" and first.edit_count == 2
    # the same choice again: Telegram refuses the identical edit
    answers = len(user.chat.callback_answers)
    await user.press_data("yes", first.message_id)
    errors = [c for c in sb.calls if not c.ok]
    assert errors[-1].method == "editMessageText"
    assert "message is not modified" in errors[-1].description
    assert len(user.chat.callback_answers) == answers  # the handler failed before answering


async def test_other_message_kinds(sb: BotApiSandbox, polling) -> None:
    user = sb.user(1003)
    await user.send_sticker()
    await user.send_photo(caption="look")
    await user.send_voice()
    await user.send_location(54.35, 18.65)
    await user.send_document()
    await user.send_contact()
    assert user.chat.bot_texts() == [
        "Got a sticker", "Got a photo", "Got a voice", "Got a location", "Got a document",
        "Got a contact"]
    await user.send_command("kb")
    assert user.chat.reply_keyboard is not None
    assert user.chat.last_bot_message().reply_markup is None  # only inline markup is returned
    await user.press_keyboard("Plain")
    await user.press_keyboard("Share phone")
    assert user.chat.bot_texts()[-2:] == ["Echo: Plain", "Got a contact"]
    with pytest.raises(ButtonNotFound, match="Missing"):
        await user.press_keyboard("Missing")
    sent = await user.send_text("original")
    await user.edit_message(sent["message"]["message_id"], "changed")
    assert user.chat.get(sent["message"]["message_id"]).text == "changed"


async def test_wait_reports_missing_bot(sb: BotApiSandbox) -> None:
    user = sb.user(1004)
    with pytest.raises(SandboxTimeoutError, match="no getUpdates call"):
        await user.send_text("anyone?", timeout=0.2)


async def test_wait_idle_after_unwaited_updates(sb: BotApiSandbox, polling) -> None:
    users = [sb.user(2000 + i) for i in range(5)]
    for u in users:
        await u.send_text(f"hi {u.id}", wait=False)
    await sb.wait_idle()
    assert all(u.chat.bot_texts() == [f"Echo: hi {u.id}"] for u in users)


async def test_get_updates_queue_semantics(sb: BotApiSandbox, api_bot: Bot) -> None:
    user = sb.user(1005)
    queued = [await user.send_text(f"m{i}", wait=False) for i in range(3)]
    ids = [u["update_id"] for u in queued]
    first = await api_bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    again = await api_bot.get_updates()  # nothing confirmed yet: redelivered
    assert [u.update_id for u in again] == ids
    assert (await api_bot.get_webhook_info()).pending_update_count == 3
    rest = await api_bot.get_updates(offset=ids[1] + 1)  # confirms the first two
    assert [u.update_id for u in rest] == ids[2:]
    await sb.wait_for(queued[0], settle=0)
    # updates of types the bot did not ask for are never created
    await api_bot.get_updates(offset=ids[2] + 1, allowed_updates=["message"])
    await user.block(timeout=0.5)  # my_chat_member is not allowed: returns at once
    assert await api_bot.get_updates(timeout=0) == []
    await user.unblock()
    await user.send_text("dropped", wait=False)
    assert await api_bot.delete_webhook(drop_pending_updates=True)
    assert await api_bot.get_updates() == []


# ---------------------------------------------------------------------------- webhook
@pytest.fixture
async def webhook(sb: BotApiSandbox) -> AsyncIterator[tuple[Bot, str, list[str]]]:
    events: list[str] = []
    bot = make_bot(sb)
    dp = make_dispatcher(events)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=SECRET).register(
        app, path="/webhook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/webhook"
    yield bot, url, events
    await runner.cleanup()


async def test_webhook_mode(sb: BotApiSandbox, webhook) -> None:
    bot, url, events = webhook
    assert await bot.set_webhook(url, secret_token=SECRET, drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0

    user = sb.user(3001)
    await user.send_text("via webhook")
    assert user.chat.bot_texts() == ["Echo: via webhook"]
    await user.press("No")
    assert user.chat.last_bot_message().text == "You chose no"
    # a method returned by the handler travels in the webhook response body
    await user.send_command("ping")
    assert user.chat.bot_texts()[-1] == "pong"
    assert sb.calls[-1].via == "webhook_reply"
    assert [d.status for d in sb.webhook_deliveries] == [200, 200, 200]

    await user.block()
    assert events == ["kicked"]

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()

    # a wrong secret is rejected by aiogram with 401, and the sandbox reports it
    await bot.set_webhook(url, secret_token="wrong-secret")
    other = sb.user(3002)
    with pytest.raises(WebhookDeliveryError, match="401"):
        await other.send_text("hello")
    assert sb.webhook_deliveries[-1].status == 401
    info = await bot.get_webhook_info()
    assert "401" in (info.last_error_message or "")
    assert await bot.delete_webhook()


async def test_webhook_keeps_per_chat_order(sb: BotApiSandbox, webhook) -> None:
    bot, url, _ = webhook
    await bot.set_webhook(url, secret_token=SECRET)
    a, b = sb.user(4001), sb.user(4002)
    for i in range(5):
        await a.send_text(f"a{i}", wait=False)
        await b.send_text(f"b{i}", wait=False)
    await sb.wait_idle()
    assert a.chat.bot_texts() == [f"Echo: a{i}" for i in range(5)]
    assert b.chat.bot_texts() == [f"Echo: b{i}" for i in range(5)]


# ---------------------------------------------------------------------------- validation
async def test_html_and_text_validation(sb: BotApiSandbox, api_bot: Bot) -> None:
    sb.user(5001)
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await api_bot.send_message(5001, "<div>hi</div>")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag corresponding"):
        await api_bot.send_message(5001, "<b>open")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await api_bot.send_message(5001, "")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await api_bot.send_message(5001, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await api_bot.send_message(5001, "x" * 4097)
    # the limit applies after entity parsing
    msg = await api_bot.send_message(5001, "<b>" + "x" * 4096 + "</b>")
    assert len(msg.text) == 4096
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await api_bot.send_message(999, "nobody")
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await api_bot.send_message(5001, "x", parse_mode="XML")


async def test_edit_delete_callback_errors(sb: BotApiSandbox, api_bot: Bot) -> None:
    user = sb.user(5002)
    msg = await api_bot.send_message(5002, "<b>Same</b>", reply_markup=keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await api_bot.edit_message_text("<strong>Same</strong>", chat_id=5002,
                                         message_id=msg.message_id, reply_markup=keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api_bot.edit_message_reply_markup(chat_id=5002, message_id=msg.message_id,
                                                reply_markup=keyboard())
    edited = await api_bot.edit_message_text("Other", chat_id=5002, message_id=msg.message_id)
    assert edited.text == "Other" and edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await api_bot.edit_message_text("x", chat_id=5002, message_id=999)
    assert await api_bot.delete_message(5002, msg.message_id)
    assert user.chat.messages[0].deleted and user.chat.last_bot_message() is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await api_bot.delete_message(5002, msg.message_id)
    old = await api_bot.send_message(5002, "Sent two days ago")
    user.chat.get(old.message_id).date -= 49 * 3600
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await api_bot.delete_message(5002, old.message_id)
    assert (await api_bot.edit_message_text("Still editable", chat_id=5002,
                                            message_id=old.message_id)).text == "Still editable"
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout"):
        await api_bot.answer_callback_query("12345")
    long_data = "x" * 65
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await api_bot.send_message(5002, "k", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data=long_data)]]))
    # 64 bytes is fine, but multi-byte characters count in bytes
    await api_bot.send_message(5002, "k", reply_markup=InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="x" * 64)]]))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await api_bot.send_message(5002, "k", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="ї" * 33)]]))


async def test_block_gives_403_and_member_update(sb: BotApiSandbox, polling) -> None:
    bot, events = polling
    user = sb.user(6001)
    update = await user.block()
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert events == ["kicked"]
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(6001, "are you there?")
    await user.unblock()
    assert events == ["kicked", "member"]
    await bot.send_message(6001, "welcome back")
    assert user.chat.bot_texts() == ["welcome back"]


# ---------------------------------------------------------------------------- faults
async def test_injected_errors_and_latency(sb: BotApiSandbox, api_bot: Bot) -> None:
    user = sb.user(7001)
    sb.user(7002)
    sb.inject("sendMessage", 429, retry_after=3, chat_id=7001)
    await api_bot.send_message(7002, "other chat is not affected")
    with pytest.raises(TelegramRetryAfter) as info:
        await api_bot.send_message(7001, "flood")
    assert info.value.retry_after == 3
    assert sb.calls[-1].error_code == 429
    await api_bot.send_message(7001, "after the pause")
    assert user.chat.bot_texts() == ["after the pause"]

    sb.inject("sendMessage", 403, times=2)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError):
            await api_bot.send_message(7001, "x")

    sb.fail_network("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await api_bot.send_message(7001, "lost")
    sb.fail_network("sendMessage", after=True)
    with pytest.raises(TelegramNetworkError):
        await api_bot.send_message(7001, "delivered but unanswered")
    assert user.chat.bot_texts()[-1] == "delivered but unanswered"

    sb.latency = 0.05
    loop = asyncio.get_running_loop()
    started = loop.time()
    await api_bot.send_message(7001, "slow")
    assert loop.time() - started >= 0.05


# ---------------------------------------------------------------------------- other methods
async def test_commands_media_copy_and_chat(sb: BotApiSandbox, api_bot: Bot) -> None:
    user = sb.user(8001, first_name="Taras", username="taras")
    await api_bot.set_my_commands([BotCommand(command="start", description="Start")])
    await api_bot.set_my_commands([BotCommand(command="help", description="Допомога")],
                                  scope=BotCommandScopeChat(chat_id=8001), language_code="uk")
    assert [c.command for c in await api_bot.get_my_commands()] == ["start"]
    scoped = await api_bot.get_my_commands(scope=BotCommandScopeChat(chat_id=8001),
                                           language_code="uk")
    assert [c.command for c in scoped] == ["help"]
    assert sb.get_commands({"type": "chat", "chat_id": 8001}, "uk")[0]["command"] == "help"
    await api_bot.delete_my_commands()
    assert await api_bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await api_bot.set_my_commands([BotCommand(command="Bad Command", description="x")])

    photo = await api_bot.send_photo(8001, BufferedInputFile(b"\x89PNG...", "a.png"),
                                     caption="<i>pic</i>")
    assert photo.caption == "pic" and photo.photo
    again = await api_bot.send_photo(8001, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    doc = await api_bot.send_document(8001, BufferedInputFile(b"data", "report.txt"))
    assert doc.document.file_name == "report.txt"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await api_bot.send_document(8001, "AgACAgIAAxkBAAIBunknown")
    file = await api_bot.get_file(doc.document.file_id)
    assert file.file_path
    downloaded = await api_bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"data"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api_bot.edit_message_caption(chat_id=8001, message_id=photo.message_id,
                                           caption="<i>pic</i>")
    edited = await api_bot.edit_message_caption(chat_id=8001, message_id=photo.message_id,
                                                caption="new caption")
    assert edited.caption == "new caption"
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await api_bot.edit_message_text("x", chat_id=8001, message_id=photo.message_id)
    assert await api_bot.send_chat_action(8001, "typing")
    assert user.chat.chat_actions == ["typing"]

    chat = await api_bot.get_chat(8001)
    assert (chat.id, chat.type, chat.first_name, chat.username) == (8001, "private", "Taras",
                                                                    "taras")
    copied = await api_bot.copy_message(8001, 8001, photo.message_id)
    assert user.chat.get(copied.message_id).kind == "photo"
    forwarded = await api_bot.forward_message(8001, 8001, doc.message_id)
    assert forwarded.forward_origin is not None
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await api_bot.copy_message(8001, 8001, 999)
    assert await api_bot.log_out()
    assert await api_bot.close()


# ---------------------------------------------------------------------------- terminal chat
async def test_terminal_chat(sb: BotApiSandbox, polling) -> None:
    user = sb.user(9001)

    async def lines() -> AsyncIterator[str]:
        for line in ["hello", "1", "9", "\\5", "9", ":sticker", "/start", ":quit",
                     "never sent"]:
            yield line + "\n"

    out = io.StringIO()
    await run_terminal_chat(sb, user, lines=lines(), out=out, color=False)
    text = out.getvalue()
    assert text.splitlines()[0].startswith("Type a message")
    assert "bot: Echo: hello\n     [1] Yes  [2] No\n     [3] Site <https://example.com>" in text
    assert "bot (edited): You chose yes" in text
    assert "(notice: Saved)" in text
    assert "(no buttons to press; use \\9 to send the number as text)" in text
    assert "(no button 9; the latest buttons are 1..3)" in text
    assert "bot: Echo: 5" in text
    assert "bot: Got a sticker" in text
    assert "bot: Welcome to Belong!" in text
    assert "never sent" not in text
    assert user.chat.bot_texts()[-1] == "Welcome to Belong!"

    colored = io.StringIO()

    async def one() -> AsyncIterator[str]:
        yield "/start"

    await run_terminal_chat(sb, user, lines=one(), out=colored, color=True)
    assert "\x1b[1mBelong\x1b[0m" in colored.getvalue()
