"""Thousands of random updates through the webhook of ONE running bot.

Several people (client languages pl/uk/en/ru/ka/none and two more) press buttons, current,
stale, forged and other people's, type texts that break naive code, send media with odd
sizes, edit messages, send commands with junk; the staff group talks back; Telegram sends
update types the bot never asked for and bodies that are not updates at all. After every
example: the webhook answered no 5xx, nothing was logged at ERROR, every callback query got
exactly one answerCallbackQuery, and the sandbox accepted every Bot API call (HTML, lengths,
markup). At the end everyone still gets the menu on /start.

FUZZ_UPDATES sets how many updates (default 2,000); `pytest --hypothesis-seed=N` draws the
same updates again. The bot keeps its state across examples (one bot for the whole test),
so a failing example may not fail alone: the assertion message carries the last steps.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any, TypeVar

import aiohttp
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from bot.fake_telegram import BotApiSandbox, SimUser
from tests import fuzz_updates as fz
from tests.botenv import RunningBot, make_settings
from tests.test_feedback_group import STAFF, StaffGroup

UPDATES = int(os.environ.get("FUZZ_UPDATES", "2000"))
ROUNDS_PER_EXAMPLE = 10
PEOPLE = [(91001, "pl"), (91002, "uk"), (91003, "en"), (91004, "ru"), (91005, "ka"),
          (91006, None), (91007, "pt-br"), (91008, "he")]
GROUP = -1001234567890
T = TypeVar("T")
# A round has 1-4 people acting and half the time one more update: 2.8 on average.
EXAMPLES = max(round(UPDATES / (ROUNDS_PER_EXAMPLE * 2.8)), 1)


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def pick(items: Sequence[T], i: int) -> T:
    return items[i % len(items)]


class FuzzRun:
    """Plays the drawn rounds against the running bot and checks, after each example, what
    happened since the previous one."""

    def __init__(self, sandbox: BotApiSandbox, group: StaffGroup, http: aiohttp.ClientSession):
        self.sandbox, self.group, self.http = sandbox, group, http
        self.users = [sandbox.user(uid, first_name=f"P{uid}", language_code=lang)
                      for uid, lang in PEOPLE]
        self.sent = 0
        self.queries: dict[str, str] = {}  # id: what was pressed, for the report
        self.trace: deque[str] = deque(maxlen=40)
        self.failures: list[str] = []
        self._raw_ids = itertools.count(10**9)
        self._seen_calls = self._seen_deliveries = 0

    # ------------------------------------------------------------ one round
    async def play(self, people: list[tuple[int, tuple]], side: tuple | None) -> None:
        """Everyone in the round acts at once; the round ends when the bot handled it all."""
        steps = [self._user_step(self.users[who], action) for who, action in people]
        if side is not None:
            steps.append(self._side_step(side))
        results = await asyncio.gather(*steps, return_exceptions=True)
        self.failures += [f"{type(r).__name__}: {r}" for r in results
                          if isinstance(r, BaseException)]

    async def _user_step(self, user: SimUser, action: tuple) -> None:
        kind, *args = action
        self.trace.append(f"{user.id} {kind} {str(args)[:150]}")
        update = await getattr(self, f"_{kind}")(user, *args)
        self.sent += 1
        if "callback_query" in update:
            query = update["callback_query"]
            self.queries[query["id"]] = (f"{query.get('data')!r} on message "
                                         f"{query.get('message', {}).get('message_id')}")
        await self.sandbox.wait_for(update, settle=0.0, timeout=60)

    async def _side_step(self, action: tuple) -> None:
        kind, *args = action
        self.trace.append(f"{kind} {str(args)[:150]}")
        self.sent += 1
        if kind == "raw":
            raw, who, text, message_id = args
            body = fz.raw_update(raw, pick(self.users, who).api_dict(), text, message_id)
            await self._post({"update_id": next(self._raw_ids), **body}, expect=200)
        elif kind == "bad_body":
            await self._post(fz.BAD_BODIES[args[0]], expect=None)
        else:
            text, reply_index = args
            posts = self.group.posts()
            reply_to = pick(posts, reply_index) if posts and reply_index is not None else None
            msg = self.group.chat.add_message(from_bot=False, sender=STAFF, date=0,
                                              kind="text", text=text, reply_to=reply_to)
            update = self.sandbox._enqueue(self.group.id, "message", msg.to_api(), "staff")
            await self.sandbox.wait_for(update.update, settle=0.0, timeout=60)

    async def _post(self, body: dict[str, Any] | bytes, expect: int | None) -> None:
        """Straight to the webhook, as Telegram would: the sandbox queues only the update
        types the bot subscribed to."""
        payload = body if isinstance(body, bytes) else fz.json_bytes(body)
        webhook = self.sandbox._webhook
        assert webhook is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook.secret or "",
                   "Content-Type": "application/json"}
        async with self.http.post(webhook.url, data=payload, headers=headers) as resp:
            if resp.status >= 500 or (expect is not None and resp.status != expect) \
                    or (expect is None and not 400 <= resp.status < 500):
                self.failures.append(f"webhook answered {resp.status} to {payload[:200]!r}")

    # ------------------------------------------------------------ buttons
    async def _press(self, user: SimUser, i: int) -> dict[str, Any]:
        msg = user.chat.last_bot_message(with_buttons=True)
        buttons = callback_buttons(msg)
        if msg is None or not buttons:
            return await user.send_command("start", wait=False)
        return await user.press_data(pick(buttons, i), msg.message_id, wait=False)

    async def _stale(self, user: SimUser, i: int, j: int) -> dict[str, Any]:
        screens = [m for m in user.chat.messages if m.from_bot and callback_buttons(m)]
        if not screens:
            return await self._junk(user, "stale", i)
        msg = pick(screens, i)
        return await user.press_data(pick(callback_buttons(msg), j), msg.message_id,
                                     wait=False)

    async def _foreign(self, user: SimUser, i: int, j: int, k: int, target: int
                       ) -> dict[str, Any]:
        """Data of a button on another person's message, on one of mine or on no message."""
        others = [m for u in self.users if u is not user for m in u.chat.messages
                  if m.from_bot and callback_buttons(m)]
        if not others:
            return await self._junk(user, "foreign", target)
        theirs = pick(others, i)
        data = pick(callback_buttons(theirs), j)
        return await user.press_data(data, self._target(user, target, theirs.message_id + k % 2),
                                     wait=False)

    async def _junk(self, user: SimUser, data: str, target: int) -> dict[str, Any]:
        return await user.press_data(data, self._target(user, target), wait=False)

    async def _mutated(self, user: SimUser, i: int, how: int, junk: str, cut: int,
                       target: int) -> dict[str, Any]:
        valid = [b for u in self.users for m in u.chat.messages for b in callback_buttons(m)]
        if not valid:
            return await self._junk(user, junk, target)
        base = pick(valid, i)
        intent, _, item = base.rpartition("\x1d")
        data = [f"{intent}\x1d{junk}", f"{junk}\x1d{item}", base[: cut % (len(base) + 1)],
                base + junk[:8], f"{intent}\x1d{item.split(':')[0]}:{junk[:20]}"][how]
        return await user.press_data(data, self._target(user, target), wait=False)

    async def _inline_callback(self, user: SimUser, inline: bool, data: str | None
                               ) -> dict[str, Any]:
        """A callback without a message: from an inline-mode message, or a game button."""
        query_id = f"inline{fz.new_id()}"
        body: dict[str, Any] = {"id": query_id, "from": user.api_dict(), "chat_instance": "-42"}
        if inline:
            body["inline_message_id"] = "AAAAAgAAAA"
        if data is not None:
            body["data"] = data
        else:
            body["game_short_name"] = "quiz"
        self.sandbox._register_callback(query_id, user.chat, 0)
        return self.sandbox._enqueue(user.id, "callback_query", body, "inline").update

    def _target(self, user: SimUser, i: int, other: int | None = None) -> int:
        """The message a press comes from: one of the bot's in this chat, or one Telegram
        no longer shows (an InaccessibleMessage). Never the person's own message: Telegram
        only sends presses of the bot's buttons."""
        mine = [m.message_id for m in user.chat.messages if m.from_bot]
        choices = [10**6, 0, *mine[-3:]]
        if other is not None and (user.chat.get(other) is None or other in mine):
            choices.append(other)
        return pick(choices, i)

    # ------------------------------------------------------------ messages
    async def _text(self, user: SimUser, text: str) -> dict[str, Any]:
        return await user.send_text(text, wait=False)

    async def _command(self, user: SimUser, name: str, shape: str, junk: str) -> dict[str, Any]:
        if shape == "plain":
            return await user.send_command(name, wait=False)
        if shape == "args":
            return await user.send_command(name, junk, wait=False)
        bot = fz.BOT_USERNAME if shape == "mine" else "otherbot"
        return await user.send_text(f"/{name}@{bot} {junk[:50]}".rstrip(), wait=False)

    async def _edit(self, user: SimUser, i: int, text: str) -> dict[str, Any]:
        mine = [m.message_id for m in user.chat.messages if not m.from_bot and not m.deleted]
        if not mine:
            return await self._text(user, text)
        return await user.edit_message(pick(mine, i), text, wait=False)

    async def _entities(self, user: SimUser, text: str, specs: list[tuple]) -> dict[str, Any]:
        text = text or "x"
        return await self._send(user, "text", text=text, entities=fz.entities_for(text, specs))

    async def _forwarded(self, user: SimUser, text: str, name: str, reply: bool
                         ) -> dict[str, Any]:
        extra: dict[str, Any] = {"forward_origin": {"type": "hidden_user", "date": 0,
                                                    "sender_user_name": name}}
        bot_message = user.chat.last_bot_message()
        if reply and bot_message is not None:
            extra = {"reply_to_message": bot_message.to_api(shallow=True),
                     "quote": {"text": "x", "position": 0}}
        return await self._send(user, "text", text=text or "x", extra=extra)

    async def _photo(self, user: SimUser, sizes: list[tuple], caption: str | None,
                     spoiler: bool) -> dict[str, Any]:
        f = self.sandbox._store_file("photo", b"\x89PNG fuzz", "p.png", "image/png")
        photo = [{"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": w,
                  "height": h, **_size(size)} for w, h, size in sizes]
        extra = {"has_media_spoiler": True} if spoiler else {"media_group_id": "g1"}
        return await self._send(user, "photo", media=photo, text=caption, extra=extra)

    async def _document(self, user: SimUser, name: str | None, mime: str | None,
                        size: int | None, caption: str | None) -> dict[str, Any]:
        f = self.sandbox._store_file("document", b"%PDF fuzz", name, mime)
        doc = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, **_size(size)}
        if name is not None:
            doc["file_name"] = name
        if mime is not None:
            doc["mime_type"] = mime
        return await self._send(user, "document", media=doc, text=caption)

    async def _sticker(self, user: SimUser, kind: str, width: int, height: int, animated: bool,
                       video: bool, emoji: str) -> dict[str, Any]:
        f = self.sandbox._store_file("sticker", b"RIFF fuzz", "s.webp", "image/webp")
        sticker = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "type": kind,
                   "width": width, "height": height, "is_animated": animated,
                   "is_video": video, "emoji": emoji}
        return await self._send(user, "sticker", media=sticker)

    async def _voice(self, user: SimUser, duration: int, size: int | None,
                     caption: str | None) -> dict[str, Any]:
        f = self.sandbox._store_file("voice", b"OggS fuzz", "v.ogg", "audio/ogg")
        voice = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                 "duration": duration, **_size(size)}
        return await self._send(user, "voice", media=voice, text=caption)

    async def _video_note(self, user: SimUser, length: int, duration: int) -> dict[str, Any]:
        f = self.sandbox._store_file("video_note", b"mp4 fuzz", "n.mp4", "video/mp4")
        note = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "length": length,
                "duration": duration}
        return await self._send(user, "video_note", media=note)

    async def _location(self, user: SimUser, where: tuple[float, float], heading: int | None
                        ) -> dict[str, Any]:
        location: dict[str, Any] = {"latitude": where[0], "longitude": where[1]}
        if heading is not None:
            location.update(live_period=900, heading=heading)
        return await self._send(user, "location", media=location)

    async def _contact(self, user: SimUser, phone: str, name: str, owner: int,
                       vcard: str | None) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone or "+48", "first_name": name or "x"}
        owner_id = [user.id, self.users[0].id, None][owner]
        if owner_id is not None:
            contact["user_id"] = owner_id
        if vcard is not None:
            contact["vcard"] = vcard
        return await self._send(user, "contact", media=contact)

    async def _dice(self, user: SimUser, emoji: str, value: int) -> dict[str, Any]:
        return await self._send(user, "dice", media={"emoji": emoji, "value": value})

    async def _send(self, user: SimUser, kind: str, *, text: str | None = None,
                    media: Any = None, entities: list[dict[str, Any]] | None = None,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return await user._send(kind, kind, False, None, None, text=text, media=media,
                                entities=entities, extra=extra)

    # ------------------------------------------------------------ the checks
    def check(self, errors: ErrorLog) -> None:
        problems = list(self.failures)
        problems += [f"logged {r.name}: {r.getMessage()[:300]}\n{_exc_text(r)}"
                     for r in errors.records]
        deliveries = self.sandbox.webhook_deliveries[self._seen_deliveries:]
        problems += [f"webhook delivery of update {d.update_id}: {d.status} {d.error}"
                     for d in deliveries if d.status != 200]
        calls = self.sandbox.calls[self._seen_calls:]
        problems += [f"{c.method}({_short(c.params)}) refused: {c.error_code} {c.description}"
                     for c in calls if c.ok is False and not _benign(c)]
        answers = Counter(str(c.params.get("callback_query_id")) for c in self.sandbox.calls
                          if c.method == "answerCallbackQuery")
        problems += [f"callback query {q} ({pressed}) answered {answers[q]} times"
                     for q, pressed in self.queries.items() if answers[q] != 1]
        self._seen_deliveries += len(deliveries)
        self._seen_calls += len(calls)
        self.queries.clear()
        self.failures.clear()
        errors.records.clear()
        assert not problems, "\n".join(problems[:10]) + "\n\nlast steps:\n" + "\n".join(
            self.trace)


def callback_buttons(msg: Any) -> list[str]:
    if msg is None:
        return []
    return [b["callback_data"] for row in msg.button_objects() for b in row
            if "callback_data" in b]


def _benign(call: Any) -> bool:
    """aiogram-dialog edits a screen without knowing what Telegram shows (it compares its
    HTML with the plain text Telegram returned), and takes the keyboard off the previous
    message when it sends a new one; Telegram answers "not modified" when there was nothing
    to change, and aiogram-dialog expects that answer and goes on. Every other refusal is a
    request the bot should not have made."""
    return call.method in ("editMessageText", "editMessageReplyMarkup") \
        and "message is not modified" in (call.description or "")


def _size(value: int | None) -> dict[str, int]:
    return {} if value is None else {"file_size": value}


def _short(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={str(v)[:80]!r}" for k, v in params.items())


def _exc_text(record: logging.LogRecord) -> str:
    if record.exc_info:
        return logging.Formatter().formatException(record.exc_info)[-2000:]
    return ""


@pytest.fixture
async def sandbox():
    # No settle time: with handle_in_background=False an update is done when its POST
    # returns; the waits below settle once, at the end.
    async with BotApiSandbox(settle=0.0, timeout=60) as sb:
        yield sb


@pytest.fixture
async def fuzz_bot(sandbox, db_path):
    group = StaffGroup(sandbox, GROUP)
    running = RunningBot(sandbox, make_settings(db_path, sandbox, staff_chat_id=GROUP),
                         mode="webhook")
    await running.start()
    yield running, group
    await running.stop()


@pytest.fixture
def error_log():
    handler = ErrorLog()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


# aiogram warns of the update type from the future, as it should.
@pytest.mark.filterwarnings("ignore:Detected unknown update type:RuntimeWarning")
async def test_random_updates_never_break_the_bot(fuzz_bot, sandbox, error_log):
    _running, group = fuzz_bot
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:
        run = FuzzRun(sandbox, group, http)

        # Hypothesis runs the examples in a thread of its own; each is played on this loop,
        # where the bot and the sandbox run.
        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(rounds=fz.rounds(len(PEOPLE), ROUNDS_PER_EXAMPLE))
        def example(rounds: list[tuple]) -> None:
            asyncio.run_coroutine_threadsafe(play(run, rounds), loop).result(timeout=600)
            run.check(error_log)

        await asyncio.to_thread(example)
        await sandbox.wait_idle(settle=0.2, timeout=60)
        run.check(error_log)
        assert run.sent >= UPDATES * 0.7, f"only {run.sent} updates were sent"
        for user in run.users:
            await everyone_still_gets_the_menu(user)
        run.check(error_log)


async def play(run: FuzzRun, rounds: list[tuple]) -> None:
    for people, side in rounds:
        await run.play(people, side)
    await run.sandbox.wait_idle(settle=0.0, timeout=60)


async def everyone_still_gets_the_menu(user: SimUser) -> None:
    await user.send_command("start", settle=0.1)
    labels = [b for row in user.chat.buttons() for b in row]
    if "English" in labels:  # a client language the bot does not speak: asked first
        await user.press("English", settle=0.1)
        labels = [b for row in user.chat.buttons() for b in row]
    assert any(label.startswith("🆘") for label in labels), (user, labels)
