"""Received Signal envelopes (signal-cli's JSON) as the few facts the conversation needs.

Only one-to-one messages from people are read: group messages, receipts, typing
indicators, sync messages from the bot's own other devices and stories are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Incoming:
    address: str  # the ACI (UUID) when known, else the number: where replies go
    timestamp: int  # the sender's timestamp (ms): the message's id in Signal
    kind: str  # "text" | "reaction" | "attachment"
    text: str = ""
    emoji: str = ""
    target_timestamp: int | None = None  # a reaction's message
    removed: bool = False


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
    if data is None and isinstance(edit, dict):
        # A corrected message reads as a new one: the person fixed a typo in a question.
        data = edit.get("dataMessage")
        timestamp = int((data or {}).get("timestamp") or timestamp)
    if not isinstance(data, dict) or data.get("groupInfo") or data.get("groupV2"):
        return None
    reaction = data.get("reaction")
    if isinstance(reaction, dict):
        return Incoming(address, timestamp, "reaction", emoji=str(reaction.get("emoji") or ""),
                        target_timestamp=reaction.get("targetSentTimestamp"),
                        removed=bool(reaction.get("isRemove")))
    text = data.get("message")
    if isinstance(text, str) and text.strip():
        return Incoming(address, timestamp, "text", text=text)
    if data.get("attachments") or data.get("sticker"):
        return Incoming(address, timestamp, "attachment")
    return None
