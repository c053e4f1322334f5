"""Bot API method implementations of the sandbox (mixed into ``BotApiSandbox``).

Each ``_m_<methodName>(params, files, token)`` returns the ``result`` of the call
or raises ``ApiError`` with Telegram's error code and description.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from typing import TYPE_CHECKING, Any

from .methods_info import InfoMethods
from .models import ApiError, CallbackAnswer, SimChat, SimMessage, StoredFile, UploadedFile
from .validation import check_markup, format_text

if TYPE_CHECKING:
    from .server import BotApiSandbox

__all__ = ["BotApiMethods"]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
DELETE_WINDOW = 48 * 3600  # seconds: how long a message can still be deleted
QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_MEDIA_KINDS = ("photo", "document", "video", "audio", "voice", "animation", "sticker",
                "video_note")
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)
_EXT = {"photo": ".jpg", "document": "", "video": ".mp4", "audio": ".mp3", "voice": ".oga",
        "animation": ".mp4", "sticker": ".webp", "video_note": ".mp4"}




class BotApiMethods(InfoMethods):
    """The Bot API surface; state lives on the ``BotApiSandbox`` instance."""

    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_profile: dict[str, Any] = {}
        self._callbacks: dict[str, tuple[SimChat, int | None]] = {}
        self._file_counter = itertools.count(1)
        self._method_table: dict[str, tuple[str, Any, bool]] = {}
        for attr in dir(type(self)):
            if attr.startswith("_m_"):
                func = getattr(self, attr)
                self._method_table[attr[3:].lower()] = (
                    attr[3:], func, asyncio.iscoroutinefunction(func)
                )

    # ================================================================ helpers
    def _chat_param(self: BotApiSandbox, p: dict[str, Any], key: str = "chat_id",
                    *, check_blocked: bool = True) -> SimChat:
        chat_id = p.get(key)
        if chat_id is None or chat_id == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
        chat = self._get_chat(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if check_blocked and chat.blocked:
            raise ApiError(403, BLOCKED)
        return chat

    def _reply_target(self, chat: SimChat, p: dict[str, Any]) -> SimMessage | None:
        rp = p.get("reply_parameters")
        allow = bool(p.get("allow_sending_without_reply"))
        mid = None
        if isinstance(rp, dict):
            mid = rp.get("message_id")
            allow = bool(rp.get("allow_sending_without_reply", allow))
        elif p.get("reply_to_message_id"):
            mid = p["reply_to_message_id"]
        if mid is None:
            return None
        target = chat.get(int(mid))
        if target is None or target.deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return target

    def _new_bot_message(
        self: BotApiSandbox, chat: SimChat, kind: str, text: str | None,
        entities: list[dict[str, Any]], inline: dict[str, Any] | None,
        keyboard: dict[str, Any] | None, *, media: Any = None,
        extra: dict[str, Any] | None = None, reply_to: SimMessage | None = None,
    ) -> SimMessage:
        msg = chat.add_message(
            from_bot=True, sender=self.bot_user(), date=int(time.time()), kind=kind,
            text=text or None, entities=entities, reply_markup=inline, keyboard=keyboard,
            media=media, extra=extra or {}, reply_to=reply_to,
        )
        if keyboard is not None:
            if "keyboard" in keyboard:
                chat.reply_keyboard = keyboard
            elif keyboard.get("remove_keyboard"):
                chat.reply_keyboard = None
        self._emit("sent", chat, msg)
        return msg

    def _message_param(self, chat: SimChat, p: dict[str, Any], missing: str) -> SimMessage:
        if p.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        mid = p.get("message_id")
        if mid is None or mid == "":
            raise ApiError(400, "Bad Request: message identifier is not specified")
        msg = chat.get(int(mid))
        if msg is None or msg.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        return msg

    def _editable(self: BotApiSandbox, p: dict[str, Any]) -> SimMessage:
        chat = self._chat_param(p)
        msg = self._message_param(chat, p, "message to edit not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    def _apply_edit(self: BotApiSandbox, msg: SimMessage) -> dict[str, Any]:
        msg.edit_count += 1
        msg.edit_date = int(time.time())
        self._emit("edited", msg.chat, msg)
        return msg.to_api()

    def _store_file(self, kind: str, data: bytes | None, file_name: str | None = None,
                    mime_type: str | None = None, file_id: str | None = None) -> StoredFile:
        n = next(self._file_counter)
        f = StoredFile(
            file_id=file_id or f"SBX{kind[:2].upper()}-{n:06d}-sandbox",
            file_unique_id=f"sbx{n:06d}",
            kind=kind, data=data, file_name=file_name, mime_type=mime_type,
            file_path=f"{kind}s/file_{n}{_EXT.get(kind, '')}",
        )
        self.files[f.file_id] = f
        return f

    def _input_file(self, kind: str, value: Any, files: dict[str, UploadedFile]) -> StoredFile:
        if value is None:
            up = files.get(kind)
            if up is None:
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            return self._store_file(kind, up.data, up.filename, up.content_type)
        if isinstance(value, str) and value.startswith("attach://"):
            up = files.get(value[9:])
            if up is None:
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            return self._store_file(kind, up.data, up.filename, up.content_type)
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return self._store_file(kind, None, value.rsplit("/", 1)[-1] or None)
        known = self.files.get(value)
        if known is not None:
            return known
        if getattr(self, "strict_file_ids", True):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return self._store_file(kind, None, file_id=value)

    @staticmethod
    def _media_object(kind: str, f: StoredFile, p: dict[str, Any]) -> Any:
        base: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.size:
            base["file_size"] = f.size
        duration = int(p.get("duration") or 5)
        if kind == "photo":
            return [dict(base, width=1280, height=720)]
        if kind == "document":
            return dict(base, file_name=f.file_name or "document",
                        mime_type=f.mime_type or "application/octet-stream")
        if kind in ("video", "animation"):
            return dict(base, width=int(p.get("width") or 640), height=int(p.get("height") or 360),
                        duration=duration)
        if kind == "audio":
            return dict(base, duration=duration, mime_type=f.mime_type or "audio/mpeg")
        if kind == "voice":
            return dict(base, duration=duration, mime_type="audio/ogg")
        if kind == "sticker":
            return dict(base, type="regular", width=512, height=512, is_animated=False,
                        is_video=False)
        return dict(base, length=240, duration=duration)  # video_note

    def _register_callback(self, query_id: str, chat: SimChat, message_id: int | None) -> None:
        self._callbacks[query_id] = (chat, message_id)

    # ================================================================ sending
    def _m_sendMessage(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p)
        text, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        inline, keyboard = check_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        msg = self._new_bot_message(chat, "text", text, entities, inline, keyboard,
                                    reply_to=reply_to)
        return msg.to_api()

    def _send_media(self: BotApiSandbox, kind: str, p: dict[str, Any],
                    files: dict[str, UploadedFile]) -> Any:
        chat = self._chat_param(p)
        f = self._input_file(kind, p.get(kind), files)
        if kind == "sticker":
            caption, entities = "", []
        else:
            caption, entities = format_text(p.get("caption"), p.get("parse_mode"),
                                              p.get("caption_entities"), caption=True)
        inline, keyboard = check_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        msg = self._new_bot_message(chat, kind, caption, entities, inline, keyboard,
                                    media=self._media_object(kind, f, p), reply_to=reply_to)
        return msg.to_api()

    def _m_sendPhoto(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("photo", p, files)

    def _m_sendDocument(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("document", p, files)

    def _m_sendVideo(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("video", p, files)

    def _m_sendAudio(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("audio", p, files)

    def _m_sendVoice(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("voice", p, files)

    def _m_sendAnimation(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("animation", p, files)

    def _m_sendSticker(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("sticker", p, files)

    def _m_sendVideoNote(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._send_media("video_note", p, files)

    def _m_sendLocation(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p)
        if p.get("latitude") is None or p.get("longitude") is None:
            raise ApiError(400, "Bad Request: there is no location in the request")
        inline, keyboard = check_markup(p.get("reply_markup"))
        loc = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])}
        msg = self._new_bot_message(chat, "location", None, [], inline, keyboard, media=loc,
                                    reply_to=self._reply_target(chat, p))
        return msg.to_api()

    def _m_sendChatAction(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p)
        action = p.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat.chat_actions.append(action)
        self._emit("chat_action", chat, None, action)
        return True

    def _source_message(self: BotApiSandbox, p: dict[str, Any], what: str) -> SimMessage:
        src_chat = self._chat_param(p, "from_chat_id", check_blocked=False)
        return self._message_param(src_chat, p, f"message to {what} not found")

    def _m_copyMessage(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p)
        src = self._source_message(p, "copy")
        text, entities = src.text, list(src.entities)
        if src.kind != "text" and p.get("caption") is not None:
            text, entities = format_text(p.get("caption"), p.get("parse_mode"),
                                          p.get("caption_entities"), caption=True)
        inline, keyboard = check_markup(p.get("reply_markup"))
        msg = self._new_bot_message(chat, src.kind, text, entities, inline, keyboard,
                                    media=copy.deepcopy(src.media), extra=dict(src.extra),
                                    reply_to=self._reply_target(chat, p))
        return {"message_id": msg.message_id}

    def _m_forwardMessage(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p)
        src = self._source_message(p, "forward")
        extra = dict(src.extra)
        extra["forward_origin"] = {"type": "user", "sender_user": src.sender, "date": src.date}
        msg = self._new_bot_message(chat, src.kind, src.text, list(src.entities), None, None,
                                    media=copy.deepcopy(src.media), extra=extra)
        return msg.to_api()

    # ================================================================ editing
    def _m_editMessageText(self: BotApiSandbox, p: dict[str, Any], files: Any,
                           token: str) -> Any:
        msg = self._editable(p)
        if msg.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        inline, _ = check_markup(p.get("reply_markup"))
        if text == msg.text and entities == msg.entities and inline == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append(msg.text)
        msg.text, msg.entities, msg.reply_markup = text, entities, inline
        return self._apply_edit(msg)

    def _m_editMessageCaption(self: BotApiSandbox, p: dict[str, Any], files: Any,
                              token: str) -> Any:
        msg = self._editable(p)
        if msg.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        text, entities = format_text(p.get("caption"), p.get("parse_mode"),
                                      p.get("caption_entities"), caption=True)
        inline, _ = check_markup(p.get("reply_markup"))
        if (text or None) == msg.text and entities == msg.entities \
                and inline == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append(msg.text)
        msg.text, msg.entities, msg.reply_markup = text or None, entities, inline
        return self._apply_edit(msg)

    def _m_editMessageMedia(self: BotApiSandbox, p: dict[str, Any], files: Any,
                            token: str) -> Any:
        msg = self._editable(p)
        if msg.kind == "text":
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        media = p.get("media")
        if not isinstance(media, dict) or media.get("type") not in _MEDIA_KINDS:
            raise ApiError(400, "Bad Request: can't parse InputMedia JSON object")
        kind = media["type"]
        f = self._input_file(kind, media.get("media"), files)
        text, entities = format_text(media.get("caption"), media.get("parse_mode"),
                                      media.get("caption_entities"), caption=True)
        inline, _ = check_markup(p.get("reply_markup"))
        new_media = self._media_object(kind, f, media)
        old_id = (msg.media[-1] if isinstance(msg.media, list) else msg.media or {}).get("file_id")
        if (old_id == f.file_id and kind == msg.kind and (text or None) == msg.text
                and entities == msg.entities and inline == msg.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append(msg.text)
        msg.kind, msg.media, msg.text, msg.entities, msg.reply_markup = (
            kind, new_media, text or None, entities, inline)
        return self._apply_edit(msg)

    def _m_editMessageReplyMarkup(self: BotApiSandbox, p: dict[str, Any], files: Any,
                                  token: str) -> Any:
        msg = self._editable(p)
        inline, _ = check_markup(p.get("reply_markup"))
        if inline == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append(msg.text)
        msg.reply_markup = inline
        return self._apply_edit(msg)

    def _m_deleteMessage(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        msg = self._message_param(chat, p, "message to delete not found")
        # As Telegram: only in the first 48 hours, and in a group only the bot's own messages
        # unless the bot is an admin there (a chat's `bot_is_admin`).
        too_old = msg.date < time.time() - DELETE_WINDOW
        not_its_own = chat.id < 0 and not msg.from_bot and not getattr(chat, "bot_is_admin", False)
        if too_old or not_its_own:
            raise ApiError(400, "Bad Request: message can't be deleted")
        msg.deleted = True
        self._emit("deleted", chat, msg)
        return True

    def _m_deleteMessages(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        found = False
        for mid in ids:
            msg = chat.get(int(mid))
            if msg is not None and not msg.deleted:
                msg.deleted = True
                found = True
                self._emit("deleted", chat, msg)
        if not found:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    # ================================================================ callbacks
    def _m_answerCallbackQuery(self: BotApiSandbox, p: dict[str, Any], files: Any,
                               token: str) -> Any:
        query_id = str(p.get("callback_query_id") or "")
        info = self._callbacks.pop(query_id, None)
        if info is None:
            raise ApiError(400, QUERY_INVALID)
        chat, message_id = info
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        answer = CallbackAnswer(query_id, text, bool(p.get("show_alert")), p.get("url"),
                                message_id)
        chat.callback_answers.append(answer)
        self._emit("callback_answer", chat, chat.get(message_id) if message_id else None, answer)
        return True
