"""signal-cli envelopes (the shapes of signal-cli-jsonrpc(5)) as what the conversation reads."""

from __future__ import annotations

from bot.channels.signal.envelope import parse
from bot.channels.signal.rpc import SseEvent, decode_event

UUID = "7ccae375-cd51-4c82-8b1e-7be3280aa485"
BASE = {"source": "+48601234567", "sourceNumber": "+48601234567", "sourceUuid": UUID,
        "sourceName": "Olena", "sourceDevice": 1, "timestamp": 1745372297238}


def test_text_message_is_addressed_by_uuid():
    got = parse({"envelope": {**BASE, "dataMessage": {"timestamp": 1745372297238,
                                                        "message": "karta pobytu"}}})
    assert got is not None and got.address == UUID and got.kind == "text"
    assert got.text == "karta pobytu" and got.timestamp == 1745372297238


def test_number_only_sender_is_addressed_by_number():
    envelope = {**BASE, "sourceUuid": None, "dataMessage": {"message": "hi"}}
    assert parse({"envelope": envelope}).address == "+48601234567"


def test_edited_message_reads_as_its_new_text():
    envelope = {**BASE, "editMessage": {"targetSentTimestamp": 1745372297238,
                                        "dataMessage": {"timestamp": 1745372299999,
                                                        "message": "karta pobytu czasowego"}}}
    got = parse({"envelope": envelope})
    assert got.text == "karta pobytu czasowego" and got.timestamp == 1745372299999
    assert got.edit_of == 1745372297238  # the version it replaces
    assert parse({"envelope": {**BASE, "dataMessage": {"message": "hi"}}}).edit_of is None


def test_reaction():
    envelope = {**BASE, "dataMessage": {"reaction": {"emoji": "👍", "targetAuthor": "+48500000000",
                                                     "targetSentTimestamp": 1, "isRemove": False}}}
    got = parse({"envelope": envelope})
    assert got.kind == "reaction" and got.emoji == "👍" and got.target_timestamp == 1


def test_what_is_not_read():
    assert parse({"envelope": {**BASE, "typingMessage": {"action": "STARTED"}}}) is None
    assert parse({"envelope": {**BASE, "receiptMessage": {"when": 1, "isRead": True}}}) is None
    assert parse({"envelope": {**BASE, "syncMessage": {"sentMessage": {"message": "x"}}}}) is None
    group = {"message": "hi all", "groupInfo": {"groupId": "abc=", "type": "DELIVER"}}
    assert parse({"envelope": {**BASE, "dataMessage": group}}) is None
    photo = {"message": None, "attachments": [{"contentType": "image/jpeg"}]}
    assert parse({"envelope": {**BASE, "dataMessage": photo}}).kind == "attachment"


def test_decode_event_takes_params_or_subscription_wrappers():
    inner = {"envelope": BASE, "account": "+48500000000"}
    import json

    for data in (inner, {"jsonrpc": "2.0", "method": "receive", "params": inner},
                 {"jsonrpc": "2.0", "method": "receive",
                  "params": {"subscription": 0, "result": inner}}):
        assert decode_event(SseEvent("1", "receive", json.dumps(data))) == inner
    assert decode_event(SseEvent("2", "receive", "not json")) is None


def test_a_photo_with_a_caption_and_a_sticker():
    photo = {"contentType": "image/jpeg", "filename": "letter.jpg", "id": "AbC123.jpg",
             "size": 48213, "width": 1200, "height": 1600, "caption": None,
             "uploadTimestamp": 1745372297000}
    got = parse({"envelope": {**BASE, "dataMessage": {"message": "What is this?",
                                                        "attachments": [photo]}}})
    assert got.kind == "text" and got.text == "What is this?"
    [attached] = got.photos
    assert (attached.id, attached.content_type, attached.size) == ("AbC123.jpg", "image/jpeg",
                                                                   48213)
    voice = {"contentType": "audio/aac", "id": "v1.aac", "size": 900, "voiceNote": True}
    got = parse({"envelope": {**BASE, "dataMessage": {"message": None, "attachments": [voice]}}})
    assert got.kind == "attachment" and got.photos == () and len(got.attachments) == 1
    sticker = {"packId": "p", "packKey": "k", "stickerId": 3}
    got = parse({"envelope": {**BASE, "dataMessage": {"message": None, "sticker": sticker}}})
    assert got.kind == "attachment" and got.sticker and got.attachments == ()
