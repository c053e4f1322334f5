"""Random Telegram input for the webhook fuzz test (tests/test_fuzz_webhook.py).

Strategies for the text people really send (emoji, right-to-left scripts, zero-width and
combining characters, 5,000+ characters, nothing at all), media with odd sizes, and Bot API
update objects of every type, including those the bot never asked for. Telegram objects are
built from the named constants below, as in the other whole-bot tests.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import strategies as st

from bot.fake_telegram.html_check import utf16_len

BOT_USERNAME = "belong_sandbox_bot"  # the sandbox's getMe
OTHER_GROUP = {"id": -1009876543210, "type": "supergroup", "title": "Migrants in Gdańsk"}
CHANNEL = {"id": -1005550001111, "type": "channel", "title": "Belong news"}
COMMANDS = ["start", "menu", "help", "language", "surveys", "settings", "privacy", "mydata",
            "delete", "cancel", "frobnicate", "START", "start_", "a" * 64]

EMOJI = ["👍", "🇵🇱", "🇺🇦", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🔥", "🫶🏽", "🧑🏿‍🔬", "1️⃣", "©", "😀"]
RTL = ["مرحبا، كيف أسجل عنواني؟", "שלום, איך מקבלים PESEL?", "سلام", "ای ۱۲۳"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a",
              "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
COMBINING = ["\u0301", "\u0308", "\u0327", "\u20dd", "\u0489", "Z\u0351\u0364\u036b\u0346"]
MARKUP_LOOKALIKES = ["<b>", "</i>", "&amp;", "&", "<", ">", "<a href='x'>", "<tg-spoiler>",
                     "{name}", "%s", "%(x)s", "\\", "`", "*", "_", "[x](y)", "'; DROP TABLE--"]
WORDS = ["praca", "PESEL", "мельдунек", "житло", "karta pobytu", "work permit", "лікар",
         "school", "zus", "112", "🆘", "a", "?", "..."]
PIECES = EMOJI + RTL + ZERO_WIDTH + COMBINING + MARKUP_LOOKALIKES + WORDS + [
    " ", "\n", "\t", "\r\n", "\x00", "\x7f", "\ud7ff", "\U0010fffd", "ß", "İ", "ﬁ"]

LONG_LENGTHS = [4096, 4097, 5000, 9000]


def repeat_to(unit: str, length: int) -> str:
    unit = unit or "x"
    return (unit * (length // len(unit) + 1))[:length]


short_texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=12
).map("".join)
long_texts = st.builds(repeat_to, short_texts, st.sampled_from(LONG_LENGTHS))
texts = st.one_of(
    short_texts, short_texts, short_texts,
    st.sampled_from(["", " ", "\n\n", "\u200b", "/", "/ ", "//start", "@" + BOT_USERNAME]),
    long_texts,
)
junk_args = st.one_of(short_texts, st.sampled_from(["work", "../../etc", "w:housing", "t:x"]),
                      long_texts)
# Push buttons carry "push:<action>:<value>" (bot/channels/telegram/transport.py).
push_junk = st.builds(
    lambda action, value: f"push:{action}:{value}",
    st.sampled_from(["survey", "faq", "", "x"]),
    st.one_of(st.integers(-(10**30), 10**30).map(str), st.text(max_size=20),
              st.sampled_from(["²", "٣", "0", "00", "1" * 40, "work", "-1"])),
)
callback_junk = st.one_of(
    st.text(max_size=64), push_junk,
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["", "\x1d", "x\x1d", "\x1dn:", "n:", "t:work", "w:", "write", "home",
                     "back", "0" * 64, "🆘" * 16, "zzzz\x1dn:removed-answer"]),
)
sizes = st.sampled_from([0, 1, 90, 1280, 10_000, 2**31 - 1])
file_sizes = st.one_of(st.none(), st.sampled_from([0, 1, 2**31, 2**40]))
file_names = st.one_of(st.none(), short_texts, long_texts.map(lambda t: t[:300]),
                       st.sampled_from(["../../etc/passwd", "CON", ".", "a.pdf.exe", "😀.pdf"]))
mime_types = st.one_of(st.none(), st.sampled_from(
    ["application/pdf", "image/png", "text/html", "application/x-msdownload", "", "x/y;z"]))
coordinates = st.tuples(st.floats(-90, 90), st.floats(-180, 180))

_ids = itertools.count(1)


def new_id() -> int:
    return next(_ids)


# ------------------------------------------------------------------ actions
# An action is a tuple (kind, *arguments) drawn without looking at the bot: indexes into
# what exists when it is played (buttons, messages, people) are taken modulo its length,
# so what Hypothesis draws never depends on the state of the running bot.
index = st.integers(0, 10_000)
captions = st.one_of(st.none(), texts.map(lambda t: t[:1100]))
ENTITY_TYPES = ["bold", "italic", "code", "pre", "text_link", "mention", "url", "spoiler",
                "custom_emoji", "blockquote", "text_mention", "hashtag"]
URLS = ["https://gov.pl", "tg://user?id=1", "https://example.com/<b>?a=1&b=2"]
entity_specs = st.lists(st.tuples(index, index, st.sampled_from(ENTITY_TYPES),
                                  st.sampled_from(URLS)), max_size=3)
COMMAND_SHAPES = ["plain", "args", "mine", "other"]
STICKER_TYPES = ["regular", "mask", "custom_emoji"]
DICE = ["🎲", "🎯", "🏀", "⚽", "🎳", "🎰"]


def _action(kind: str, *arguments: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple]:
    return st.tuples(st.just(kind), *arguments)


_press = _action("press", index)
_text = _action("text", texts)
_command = _action("command", st.sampled_from(COMMANDS), st.sampled_from(COMMAND_SHAPES),
                   junk_args)
# Repeated to weigh them: buttons most, so the walk gets deep into every dialog.
user_actions = st.one_of(
    _press, _press, _press, _press, _press, _press, _text, _text, _text, _command, _command,
    _action("stale", index, index), _action("stale", index, index),
    _action("foreign", index, index, index, index),
    _action("junk", callback_junk, index),
    _action("mutated", index, st.integers(0, 4), callback_junk, index, index),
    _action("inline_callback", st.booleans(), st.one_of(st.none(), callback_junk)),
    _action("edit", index, texts),
    _action("entities", short_texts, entity_specs),
    _action("forwarded", texts, texts, st.booleans()),
    _action("photo", st.lists(st.tuples(sizes, sizes, file_sizes), min_size=1, max_size=4),
            captions, st.booleans()),
    _action("document", file_names, mime_types, file_sizes, captions),
    _action("sticker", st.sampled_from(STICKER_TYPES), sizes, sizes, st.booleans(),
            st.booleans(), st.sampled_from(EMOJI)),
    _action("voice", st.sampled_from([0, 1, 86_400]), file_sizes, captions),
    _action("video_note", sizes, st.sampled_from([0, 60])),
    _action("location", coordinates, st.one_of(st.none(), st.integers(1, 360))),
    _action("contact", short_texts, texts, st.integers(0, 2), st.one_of(st.none(), texts)),
    _action("dice", st.sampled_from(DICE), st.integers(1, 64)),
)


def side_actions() -> st.SearchStrategy[tuple]:
    raw = _action("raw", st.sampled_from(RAW_KINDS), index, short_texts, st.integers(0, 50))
    staff = _action("staff", texts, st.one_of(st.none(), index))
    return st.one_of(raw, raw, raw, staff, staff, _action("bad_body", st.sampled_from(sorted(BAD_BODIES))))


def rounds(people: int, count: int) -> st.SearchStrategy[list]:
    """`count` rounds; in each, up to four people act at once, and maybe Telegram or the
    staff group does something besides."""
    one = st.tuples(
        st.lists(st.tuples(st.integers(0, people - 1), user_actions), min_size=1, max_size=4,
                 unique_by=lambda a: a[0]),
        st.one_of(st.none(), side_actions()),
    )
    return st.lists(one, min_size=count, max_size=count)


def entities_for(text: str, specs: list[tuple]) -> list[dict[str, Any]]:
    """Entities a Telegram client may attach: any type, on whole characters of the text."""
    if not text:
        return []
    out: list[dict[str, Any]] = []
    for start, size, kind, url in specs:
        first = start % len(text)
        last = first + 1 + size % (len(text) - first)
        offset = utf16_len(text[:first])
        entity: dict[str, Any] = {"type": kind, "offset": offset,
                                  "length": utf16_len(text[first:last])}
        if kind == "text_link":
            entity["url"] = url
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = "5368324170671202286"
        elif kind == "text_mention":
            entity["user"] = {"id": 42, "is_bot": False, "first_name": "Anna"}
        elif kind == "pre":
            entity["language"] = "<script>"
        out.append(entity)
    return out


# ------------------------------------------------------------------ update bodies

def user_dict(user_id: int, first_name: str = "Anna", language_code: str | None = None,
              is_bot: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if language_code:
        d["language_code"] = language_code
    return d


def private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Anna"}


def chat_member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    d: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        d["until_date"] = 0
    return d


def raw_update(kind: str, user: dict[str, Any], text: str, message_id: int) -> dict[str, Any]:
    """One update the sandbox's users cannot send: types the bot never subscribed to, events
    in other chats, and shapes Telegram uses rarely."""
    chat = private_chat(user["id"])
    n = new_id()
    group_message = {"message_id": n, "date": 0, "chat": OTHER_GROUP, "from": user,
                     "text": text or "hi"}
    bodies: dict[str, tuple[str, Any]] = {
        "poll": ("poll", {
            "id": f"poll{n}", "question": text or "?", "total_voter_count": 1,
            "options": [{"text": "tak", "voter_count": 1, "persistent_id": "a"},
                        {"text": text or "nie", "voter_count": 0, "persistent_id": "b"}],
            "is_closed": False, "is_anonymous": True, "type": "regular",
            "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False}),
        "poll_answer": ("poll_answer", {"poll_id": f"poll{n}", "user": user,
                                        "option_ids": [0], "option_persistent_ids": ["a"]}),
        "chat_member": ("chat_member", {
            "chat": OTHER_GROUP, "from": user, "date": 0,
            "old_chat_member": chat_member("member", user),
            "new_chat_member": chat_member("left", user)}),
        "my_chat_member_group": ("my_chat_member", {
            "chat": OTHER_GROUP, "from": user, "date": 0,
            "old_chat_member": chat_member("left", user_dict(1, "Belong", is_bot=True)),
            "new_chat_member": chat_member("member", user_dict(1, "Belong", is_bot=True))}),
        "my_chat_member_left": ("my_chat_member", {
            "chat": chat, "from": user, "date": 0,
            "old_chat_member": chat_member("member", user_dict(1, "Belong", is_bot=True)),
            "new_chat_member": chat_member("left", user_dict(1, "Belong", is_bot=True))}),
        "message_reaction": ("message_reaction", {
            "chat": chat, "message_id": message_id, "date": 0, "user": user,
            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}),
        "message_reaction_count": ("message_reaction_count", {
            "chat": OTHER_GROUP, "message_id": message_id, "date": 0,
            "reactions": [{"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 3}]}),
        "chat_join_request": ("chat_join_request", {
            "chat": OTHER_GROUP, "from": user, "user_chat_id": user["id"], "date": 0}),
        "inline_query": ("inline_query", {"id": f"iq{n}", "from": user, "query": text,
                                          "offset": ""}),
        "chosen_inline_result": ("chosen_inline_result", {
            "result_id": f"r{n}", "from": user, "query": text}),
        "pre_checkout_query": ("pre_checkout_query", {
            "id": f"pc{n}", "from": user, "currency": "PLN", "total_amount": 100,
            "invoice_payload": text or "p"}),
        "shipping_query": ("shipping_query", {
            "id": f"sq{n}", "from": user, "invoice_payload": "p", "shipping_address": {
                "country_code": "PL", "state": "", "city": "Gdańsk", "street_line1": text,
                "street_line2": "", "post_code": "80-001"}}),
        "channel_post": ("channel_post", {"message_id": n, "date": 0, "chat": CHANNEL,
                                          "text": text or "news"}),
        "edited_channel_post": ("edited_channel_post", {
            "message_id": n, "date": 0, "edit_date": 1, "chat": CHANNEL, "text": text or "x"}),
        "group_message": ("message", group_message),
        "group_command": ("message", dict(group_message, text=f"/start@{BOT_USERNAME}",
                                          entities=[{"type": "bot_command", "offset": 0,
                                                     "length": 25}])),
        "anonymous_admin": ("message", {"message_id": n, "date": 0, "chat": OTHER_GROUP,
                                        "sender_chat": OTHER_GROUP, "text": text or "x"}),
        "business_message": ("business_message", {
            "message_id": n, "date": 0, "chat": chat, "from": user, "text": text or "x",
            "business_connection_id": "bc1"}),
        "deleted_business_messages": ("deleted_business_messages", {
            "business_connection_id": "bc1", "chat": chat, "message_ids": [message_id]}),
        "chat_boost": ("chat_boost", {"chat": CHANNEL, "boost": {
            "boost_id": f"b{n}", "add_date": 0, "expiration_date": 1,
            "source": {"source": "premium", "user": user}}}),
        "purchased_paid_media": ("purchased_paid_media", {"from": user,
                                                          "paid_media_payload": text}),
        "from_future": ("a_type_telegram_adds_next_year", {"id": n, "text": text}),
        "empty": ("", None),
    }
    key, body = bodies[kind]
    return {key: body} if key else {}


RAW_KINDS = ["poll", "poll_answer", "chat_member", "my_chat_member_group",
             "my_chat_member_left", "message_reaction", "message_reaction_count",
             "chat_join_request", "inline_query", "chosen_inline_result", "pre_checkout_query",
             "shipping_query", "channel_post", "edited_channel_post", "group_message",
             "group_command", "anonymous_admin", "business_message",
             "deleted_business_messages", "chat_boost", "purchased_paid_media", "from_future",
             "empty"]
# Bodies the webhook must refuse with a 4xx, never a 5xx; drawn by name, so that a failing
# example prints short.
BAD_BODIES = {
    "empty": b"", "not json": b"not json", "list": b"[]", "null": b"null", "object": b"{}",
    "text id": b'{"update_id": "x"}', "no chat": b'{"update_id": 1, "message": {"text": "x"}}',
    "binary": b"\xff\xfe\x00", "number message": b'{"update_id": 1, "message": 5}',
    "open braces": b"{" * 10_000, "deep list": b"[" * 100_000,
    "deep object": b'{"update_id": 1, "message": ' * 5_000, "1 MB": b" " * 1_000_001,
}


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()
