"""Bot API method implementations of the sandbox (mixed into ``BotApiSandbox``).

Each ``_m_<methodName>(params, files, token)`` returns the ``result`` of the call
or raises ``ApiError`` with Telegram's error code and description.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from typing import TYPE_CHECKING, Any

from .html_check import HtmlParseError, normalize_entities, parse_html, trim_text
from .models import ApiError, CallbackAnswer, SimChat, SimMessage, StoredFile, UploadedFile

if TYPE_CHECKING:
    from .server import BotApiSandbox

__all__ = ["DEFAULT_ALLOWED_UPDATES", "BotApiMethods", "Described"]

DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result",
        "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
        "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost",
    }
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
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
_BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_EXT = {"photo": ".jpg", "document": "", "video": ".mp4", "audio": ".mp3", "voice": ".oga",
        "animation": ".mp4", "sticker": ".webp", "video_note": ".mp4"}


class Described:
    """A result that carries a ``description`` too (setWebhook, deleteWebhook)."""

    __slots__ = ("description", "result")

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


class BotApiMethods:
    """The Bot API surface; state lives on the ``BotApiSandbox`` instance."""

    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_profile: dict[str, Any] = {}
        self._callbacks: dict[str, tuple[SimChat, int]] = {}
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

    @staticmethod
    def _format(text: Any, parse_mode: Any, entities: Any, *, caption: bool = False
                ) -> tuple[str, list[dict[str, Any]]]:
        if text is None or text == "":
            if caption:
                return "", []
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(text)
        try:
            if parse_mode:
                mode = str(parse_mode).lower()
                if mode == "html":
                    text, ents = parse_html(text)
                elif mode in ("markdown", "markdownv2"):
                    ents = []  # not parsed by the sandbox
                else:
                    raise ApiError(400, "Bad Request: unsupported parse_mode")
            elif entities:
                ents = normalize_entities(entities)
            else:
                ents = []
        except HtmlParseError as e:
            raise ApiError(400, f"Bad Request: can't parse entities: {e}") from None
        text, ents = trim_text(text, ents)
        if not text:
            if caption:
                return "", []
            raise ApiError(400, "Bad Request: message text is empty")
        if caption and len(text) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return text, ents

    @staticmethod
    def _markup(rm: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Validate reply_markup; returns (inline_keyboard_markup, other_markup)."""
        if rm is None or rm == "":
            return None, None
        if not isinstance(rm, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in rm:
            rows = rm["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: Field "
                                    "\"inline_keyboard\" of the InlineKeyboardMarkup should "
                                    "be an Array of Arrays")
            out = []
            for row in rows:
                new_row = []
                for b in row:
                    if not isinstance(b, dict):
                        raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                            "InlineKeyboardButton should be an Object")
                    if not isinstance(b.get("text"), str):
                        raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                            "Field \"text\" must be of type String")
                    if "callback_data" in b:
                        data = b["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    elif not any(k in b for k in _BUTTON_ACTIONS):
                        raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                            "Text buttons are unallowed in the inline keyboard")
                    if "url" in b:
                        url = b["url"]
                        if not isinstance(url, str) or not url.strip() or " " in url.strip():
                            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                    new_row.append({k: v for k, v in b.items() if v is not None})
                if new_row:
                    out.append(new_row)
            return ({"inline_keyboard": out} if out else None), None
        if "keyboard" in rm:
            rows = rm["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
            for row in rows:
                for b in row:
                    text = b if isinstance(b, str) else b.get("text") if isinstance(b, dict) \
                        else None
                    if not isinstance(text, str) or not text:
                        raise ApiError(400, "Bad Request: can't parse keyboard button: Field "
                                            "\"text\" must be of type String")
            return None, rm
        if rm.get("remove_keyboard") or rm.get("force_reply"):
            return None, rm
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

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

    def _register_callback(self, query_id: str, chat: SimChat, message_id: int) -> None:
        self._callbacks[query_id] = (chat, message_id)

    # ================================================================ bot & updates
    def _m_getMe(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        return dict(self.bot_user(), can_join_groups=True, can_read_all_group_messages=False,
                    supports_inline_queries=False, can_connect_to_business=False,
                    has_main_web_app=False)

    async def _m_getUpdates(self: BotApiSandbox, p: dict[str, Any], files: Any,
                            token: str) -> Any:
        return await self._get_updates(p)

    def _m_setWebhook(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        url = p.get("url") or ""
        if not url:
            return self._m_deleteWebhook(p, files, token)
        if not re.match(r"^https?://[^/\s]+", str(url)):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                                "for webhook")
        secret = p.get("secret_token") or None
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        max_connections = int(p.get("max_connections") or 40)
        if not 1 <= max_connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be between "
                                "1 and 100")
        if p.get("drop_pending_updates"):
            self._drop_pending()
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        old = self._webhook
        same = old is not None and old.url == url and old.secret == secret
        self._set_webhook(str(url), secret, max_connections, token)
        return Described(True, "Webhook is already set" if same else "Webhook was set")

    def _m_deleteWebhook(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        if p.get("drop_pending_updates"):
            self._drop_pending()
        if self._webhook is None:
            return Described(True, "Webhook is already deleted")
        self._delete_webhook()
        return Described(True, "Webhook was deleted")

    def _m_getWebhookInfo(self: BotApiSandbox, p: dict[str, Any], files: Any,
                          token: str) -> Any:
        pending = len(self._poll_queue) + sum(len(q) for q in self._chat_queues.values())
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False,
                                "pending_update_count": pending}
        wh = self._webhook
        if wh is not None:
            info.update(url=wh.url, ip_address="127.0.0.1", max_connections=wh.max_connections)
            if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if wh.last_error_date is not None:
                info["last_error_date"] = wh.last_error_date
                info["last_error_message"] = wh.last_error_message
        return info

    def _m_close(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return True

    def _m_logOut(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return True

    # ================================================================ sending
    def _m_sendMessage(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p)
        text, entities = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"))
        inline, keyboard = self._markup(p.get("reply_markup"))
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
            caption, entities = self._format(p.get("caption"), p.get("parse_mode"),
                                              p.get("caption_entities"), caption=True)
        inline, keyboard = self._markup(p.get("reply_markup"))
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
        inline, keyboard = self._markup(p.get("reply_markup"))
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
            text, entities = self._format(p.get("caption"), p.get("parse_mode"),
                                          p.get("caption_entities"), caption=True)
        inline, keyboard = self._markup(p.get("reply_markup"))
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
        text, entities = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"))
        inline, _ = self._markup(p.get("reply_markup"))
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
        text, entities = self._format(p.get("caption"), p.get("parse_mode"),
                                      p.get("caption_entities"), caption=True)
        inline, _ = self._markup(p.get("reply_markup"))
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
        text, entities = self._format(media.get("caption"), media.get("parse_mode"),
                                      media.get("caption_entities"), caption=True)
        inline, _ = self._markup(p.get("reply_markup"))
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
        inline, _ = self._markup(p.get("reply_markup"))
        if inline == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append(msg.text)
        msg.reply_markup = inline
        return self._apply_edit(msg)

    def _m_deleteMessage(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        msg = self._message_param(chat, p, "message to delete not found")
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
        self._emit("callback_answer", chat, chat.get(message_id), answer)
        return True

    # ================================================================ commands & profile
    @staticmethod
    def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            scope = dict(scope)
            try:
                scope["chat_id"] = int(scope["chat_id"])
            except (TypeError, ValueError):
                pass
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _m_setMyCommands(self, p: dict[str, Any], files: Any, token: str) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        clean = []
        for c in commands:
            if not isinstance(c, dict) or not _COMMAND_RE.match(str(c.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            desc = c.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": c["command"], "description": desc})
        key = self._commands_key(p)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def _m_getMyCommands(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return list(self.commands.get(self._commands_key(p), []))

    def _m_deleteMyCommands(self, p: dict[str, Any], files: Any, token: str) -> Any:
        self.commands.pop(self._commands_key(p), None)
        return True

    def get_commands(self, scope: dict[str, Any] | None = None,
                     language_code: str = "") -> list[dict[str, Any]]:
        """Commands set for exactly this scope and language (no fallback, like getMyCommands)."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        return list(self.commands.get(key, []))

    def _profile_set(self, field: str, p: dict[str, Any], limit: int) -> Any:
        value = p.get(field) or ""
        if len(str(value)) > limit:
            raise ApiError(400, f"Bad Request: {field} is too long")
        self.bot_profile[(field, str(p.get("language_code") or ""))] = value
        return True

    def _profile_get(self, field: str, p: dict[str, Any]) -> Any:
        return {field: self.bot_profile.get((field, str(p.get("language_code") or "")), "")}

    def _m_setMyDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_set("description", p, 512)

    def _m_getMyDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_get("description", p)

    def _m_setMyShortDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_set("short_description", p, 120)

    def _m_getMyShortDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_get("short_description", p)

    def _m_setMyName(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_set("name", p, 64)

    def _m_getMyName(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_get("name", p)

    def _m_setChatMenuButton(self, p: dict[str, Any], files: Any, token: str) -> Any:
        self.bot_profile[("menu_button", str(p.get("chat_id") or ""))] = (
            p.get("menu_button") or {"type": "default"})
        return True

    def _m_getChatMenuButton(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self.bot_profile.get(("menu_button", str(p.get("chat_id") or "")),
                                    {"type": "commands"})

    # ================================================================ chats & files
    def _m_getChat(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        return dict(
            chat.api_dict(), accent_color_id=0, max_reaction_count=11,
            accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False,
                                 "unique_gifts": False, "premium_subscription": False,
                                 "gifts_from_channels": False},
        )

    def _m_getChatMember(self: BotApiSandbox, p: dict[str, Any], files: Any,
                         token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        user_id = p.get("user_id")
        bot = self.bot_user()
        if user_id == bot["id"]:
            if chat.blocked:
                return {"status": "kicked", "user": bot, "until_date": 0}
            return {"status": "member", "user": bot}
        if user_id == chat.user.id:
            return {"status": "member", "user": chat.user.api_dict()}
        raise ApiError(400, "Bad Request: PARTICIPANT_ID_INVALID")

    def _m_getFile(self, p: dict[str, Any], files: Any, token: str) -> Any:
        f = self.files.get(str(p.get("file_id") or ""))
        if f is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        out: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.size:
            out["file_size"] = f.size
        if f.data is not None:
            out["file_path"] = f.file_path
        return out
