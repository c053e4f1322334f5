"""Received Signal envelopes (signal-cli's JSON) as the few facts the conversation needs.

Only one-to-one messages from people are read: group messages, receipts, typing
indicators, sync messages from the bot's own other devices and stories are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    """A file the person sent, as signal-cli lists it; its bytes come from `getAttachment`."""

    id: str
    content_type: str
    filename: str = ""
    size: int = 0


@dataclass(frozen=True)
class Incoming:
    address: str  # the ACI (UUID) when known, else the number: where replies go
    timestamp: int  # the sender's timestamp (ms): the message's id in Signal
    kind: str  # "text" | "reaction" | "attachment"
    text: str = ""
    emoji: str = ""
    target_timestamp: int | None = None  # a reaction's message
    removed: bool = False
    attachments: tuple[Attachment, ...] = ()  # with a text (its caption) or without
    sticker: bool = False
    # An edit: the timestamp of the version it replaces (the first message, or an earlier edit).
    edit_of: int | None = None

    @property
    def photos(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.content_type.startswith("image/"))


def parse(payload: dict) -> Incoming | None:
    envelope = payload.get("envelope")
    if not isinstance(envelope, dict):
        return None
    address = envelope.get("sourceUuid") or envelope.get("sourceNumber") or envelope.get("source")
    if not address or not isinstance(address, str):
        return None
    timestamp = int(envelope.get("timestamp") or 0)
    data = envelope.get("dataMessage")
    edit = envelope.get("editMessage")
    edit_of = None
    if data is None and isinstance(edit, dict):
        # A corrected message reads as a new one: the person fixed a typo in a question.
        data = edit.get("dataMessage")
        timestamp = int((data or {}).get("timestamp") or timestamp)
        edit_of = int(edit.get("targetSentTimestamp") or 0) or None
    if not isinstance(data, dict) or data.get("groupInfo") or data.get("groupV2"):
        return None
    reaction = data.get("reaction")
    if isinstance(reaction, dict):
        return Incoming(address, timestamp, "reaction", emoji=str(reaction.get("emoji") or ""),
                        target_timestamp=reaction.get("targetSentTimestamp"),
                        removed=bool(reaction.get("isRemove")))
    attachments = tuple(_attachments(data.get("attachments")))
    sticker = bool(data.get("sticker"))
    text = data.get("message")
    if isinstance(text, str) and text.strip():
        return Incoming(address, timestamp, "text", text=text, attachments=attachments,
                        edit_of=edit_of)
    if data.get("attachments") or sticker:
        return Incoming(address, timestamp, "attachment", attachments=attachments,
                        sticker=sticker, edit_of=edit_of)
    return None


def _attachments(raw) -> list[Attachment]:
    found = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.append(Attachment(item["id"], str(item.get("contentType") or ""),
                                    str(item.get("filename") or ""),
                                    int(item.get("size") or 0)))
    return found
