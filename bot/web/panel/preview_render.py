"""Bot messages of the preview chat as safe HTML and plain data for the panel page.

The sandbox has already parsed the bot's Telegram HTML into text + entities, so the page
never sees the bot's markup: every character of text is escaped, and only tags built
here from known entity types are emitted. A link keeps its URL only for http(s) and tg.
"""

from __future__ import annotations

import itertools
from html import escape
from typing import Any

from bot.fake_telegram.html_check import entities_to_spans
from bot.fake_telegram.models import SimMessage

_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
}
_SAFE_SCHEMES = ("http://", "https://", "tg://")


def _open_close(entity: dict[str, Any]) -> tuple[str, str]:
    kind = entity.get("type", "")
    if kind in ("text_link", "url"):
        url = str(entity.get("url", ""))
        if kind == "text_link" and url.lower().startswith(_SAFE_SCHEMES):
            return (f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">',
                    "</a>")
        return "", ""
    return _TAGS.get(kind, ("", ""))


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Escaped text with each entity's tag around every segment it covers (nesting is
    always valid because each segment is wrapped on its own). Newlines are kept as they are:
    show the result with ``white-space: pre-wrap``."""
    spans = entities_to_spans(text, entities)
    bounds = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[str] = []
    for a, b in itertools.pairwise(bounds):
        segment = escape(text[a:b])
        for _s, _e, ent in sorted((sp for sp in spans if sp[0] <= a < sp[1]),
                                  key=lambda sp: (sp[0], -sp[1])):
            opening, closing = _open_close(ent)
            segment = f"{opening}{segment}{closing}" if opening else segment
        out.append(segment)
    return "".join(out)  # newlines stay: the page shows the text with white-space: pre-wrap


def _media_label(msg: SimMessage) -> str | None:
    if msg.kind == "text":
        return None
    return f"[{msg.kind}]"


def message_view(msg: SimMessage) -> dict[str, Any]:
    """One chat bubble: who, safe HTML, buttons (callback ones pressable)."""
    rows = []
    for row in msg.button_objects():
        cells = []
        for button in row:
            cell: dict[str, Any] = {"text": str(button.get("text", ""))}
            if "callback_data" in button:
                cell["press"] = True
            elif str(button.get("url", "")).lower().startswith(_SAFE_SCHEMES[:2]):
                cell["url"] = str(button["url"])
            cells.append(cell)
        rows.append(cells)
    keyboard = []
    if msg.keyboard and "keyboard" in msg.keyboard:
        keyboard = [[b if isinstance(b, str) else str(b.get("text", "")) for b in r]
                    for r in msg.keyboard["keyboard"]]
    return {
        "id": msg.message_id,
        "from": "bot" if msg.from_bot else "you",
        "html": render_html(msg.text or "", msg.entities),
        "media": _media_label(msg),
        "buttons": rows,
        "keyboard": keyboard,
        "edited": msg.edit_count > 0,
    }
