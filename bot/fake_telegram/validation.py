"""Validation of message text, parse_mode and reply markup, with Telegram's error texts."""

from __future__ import annotations

from typing import Any

from .html_check import HtmlParseError, normalize_entities, parse_html, trim_text
from .models import ApiError

__all__ = ["check_markup", "format_text"]

_BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")


def format_text(
    text: Any, parse_mode: Any, entities: Any, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Parse text (or a caption) as Telegram does; return the plain text and its entities."""
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


def check_markup(rm: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Validate reply_markup; returns (inline_keyboard_markup, other_markup).

    An empty inline keyboard counts as none, as on Telegram."""
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
