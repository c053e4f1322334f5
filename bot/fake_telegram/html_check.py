"""Telegram-compatible HTML parse_mode checking.

A port of the rules of TDLib's ``parse_html`` (the parser behind the Bot API's
``parse_mode=HTML``): the same supported tags, the same handling of ``&...;``
entities and the same error texts, with byte offsets counted in UTF-8 as
Telegram does.  The result is the plain text plus a list of Bot API
``MessageEntity`` dicts whose offsets and lengths are in UTF-16 code units.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "HtmlParseError",
    "entities_to_spans",
    "normalize_entities",
    "parse_html",
    "trim_text",
    "utf16_len",
]

_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = " \t\n\r\v\f"
_SPECIAL = re.compile(r"[<&]")
_HTML_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Fast paths for the common, well-formed tags; anything else takes the full parser.
_FAST_OPEN = re.compile(r"<([A-Za-z][A-Za-z-]*)>")
_FAST_A = re.compile(r"""<a\s+href\s*=\s*(?:"([^"&]*)"|'([^'&]*)')\s*>""")
_FAST_CLOSE = re.compile(r"</([A-Za-z][A-Za-z-]*)>")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://", re.ASCII)
_ALLOWED_SCHEMES = frozenset({"http", "https", "tg", "ton", "tonsite"})
_DOMAIN_LIKE = re.compile(r"^[^\s/?#.]+(\.[^\s/?#.]+)+([/?#]\S*)?$")
_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 0, "pre": 1, "code": 1, "text_link": 2,
    "text_mention": 2, "bold": 3, "italic": 4, "underline": 5, "strikethrough": 6,
    "spoiler": 7, "custom_emoji": 8,
}
_ENTITY_KEYS = ("type", "offset", "length", "url", "language", "custom_emoji_id", "user")


class HtmlParseError(ValueError):
    """Raised with a TDLib-style message, e.g. ``Unsupported start tag "div" at byte offset 0``."""


def utf16_len(s: str) -> int:
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def _entity_sort_key(e: dict[str, Any]) -> tuple[int, int, int]:
    return e["offset"], -e["length"], _PRIORITY.get(e["type"], 9)


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    m = _HTML_ENTITY.match(text, pos)
    if m is None:
        return None
    dec, hexa, name = m.groups()
    if name is not None:
        return _NAMED[name], m.end()
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _check_link(url: str) -> str | None:
    """Roughly TDLib's LinkManager::check_link: returns the normalised URL or None."""
    url = url.strip()
    if not url or any(c in url for c in " \t\n"):
        return None
    m = _SCHEME.match(url)
    if m:
        scheme = m.group(1).lower()
        if scheme not in _ALLOWED_SCHEMES:
            return None
        rest = url[m.end():]
        if not rest:
            return None
        if scheme in ("http", "https") and not any(c in rest for c in "/?#"):
            url += "/"
        return url
    if _DOMAIN_LIKE.match(url):
        url = "http://" + url
        if not any(c in url[7:] for c in "/?#"):
            url += "/"
        return url
    return None


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return ``(plain_text, entities)`` or raise HtmlParseError."""
    if "<" not in text and "&" not in text:
        return text, []
    n = len(text)
    pieces: list[str] = []
    u16 = 0
    # stack items: [tag, argument, utf16_offset, piece_index]
    stack: list[list[Any]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while True:
        m = _SPECIAL.search(text, i)
        j = n if m is None else m.start()
        if j > i:
            chunk = text[i:j]
            pieces.append(chunk)
            u16 += utf16_len(chunk)
        if m is None:
            break
        if text[j] == "&":
            dec = _decode_entity(text, j)
            if dec is None:
                pieces.append("&")
                u16 += 1
                i = j + 1
            else:
                pieces.append(dec[0])
                u16 += utf16_len(dec[0])
                i = dec[1]
            continue
        m = _FAST_CLOSE.match(text, j)
        if m is not None and stack and m.group(1).lower() == stack[-1][0]:
            tag, argument, offset, piece_index = stack.pop()
            if u16 > offset:
                _add_entity(tag, argument, offset, u16 - offset, pieces, piece_index, entities)
            i = m.end()
            continue
        m = _FAST_OPEN.match(text, j)
        if m is not None and (tag := m.group(1).lower()) in _SUPPORTED_TAGS and tag != "span":
            stack.append([tag, "", u16, len(pieces)])
            i = m.end()
            continue
        m = _FAST_A.match(text, j)
        if m is not None:
            href = m.group(1) if m.group(1) is not None else m.group(2)
            stack.append(["a", href, u16, len(pieces)])
            i = m.end()
            continue
        i = _parse_tag(text, j, n, pieces, u16, stack, entities)
    if stack:
        raise HtmlParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
        )
    for e in entities:
        e.pop("_code_language", None)
    entities.sort(key=_entity_sort_key)
    return "".join(pieces), entities


def _parse_tag(
    text: str,
    begin: int,
    n: int,
    pieces: list[str],
    u16: int,
    stack: list[list[Any]],
    entities: list[dict[str, Any]],
) -> int:
    i = begin + 1
    if i < n and text[i] == "/":
        return _parse_end_tag(text, begin, n, pieces, u16, stack, entities)
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    tag = text[begin + 1 : i].lower()
    if tag not in _SUPPORTED_TAGS:
        raise HtmlParseError(
            f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
        )
    argument: str | bool = ""
    while i < n and text[i] != ">":
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n or text[i] == ">":
            break
        name_begin = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>":
            i += 1
        attr = text[name_begin:i].lower()
        if not attr:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n or text[i] != "=":
            if tag == "blockquote" and attr == "expandable":
                argument = True
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        i += 1
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        if text[i] not in "'\"":
            tm = _NAME_TOKEN.match(text, i)
            token_begin = i
            i = tm.end() if tm else i
            value = text[token_begin:i].lower()
            if i >= n or (text[i] not in _SPACES and text[i] != ">"):
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset "
                    f"{_byte_offset(text, token_begin)}"
                )
        else:
            quote = text[i]
            i += 1
            value_begin = i
            buf: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    dec = _decode_entity(text, i)
                    if dec is not None:
                        buf.append(dec[0])
                        i = dec[1]
                        continue
                buf.append(text[i])
                i += 1
            if i < n:
                i += 1
            if i >= n:
                raise HtmlParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(text, value_begin)}"
                )
            value = "".join(buf)
        if tag == "a" and attr == "href":
            argument = value
        elif tag == "code" and attr == "class" and value.startswith("language-"):
            argument = value[9:]
        elif tag == "span" and attr == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "tg-emoji" and attr == "emoji-id":
            argument = value
        elif tag == "blockquote" and attr == "expandable":
            argument = True
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
        )
    stack.append([tag, argument, u16, len(pieces)])
    return i + 1


def _parse_end_tag(
    text: str,
    begin: int,
    n: int,
    pieces: list[str],
    u16: int,
    stack: list[list[Any]],
    entities: list[dict[str, Any]],
) -> int:
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i = begin + 2
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    end_name = text[begin + 2 : i].lower()
    while i < n and text[i] in _SPACES:
        i += 1
    if i >= n or text[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    tag, argument, offset, piece_index = stack.pop()
    if end_name and end_name != tag:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{tag}>", found "</{end_name}>"'
        )
    length = u16 - offset
    if length > 0:
        _add_entity(tag, argument, offset, length, pieces, piece_index, entities)
    return i + 1


def _add_entity(
    tag: str,
    argument: Any,
    offset: int,
    length: int,
    pieces: list[str],
    piece_index: int,
    entities: list[dict[str, Any]],
) -> None:
    simple = _SIMPLE_TYPES.get(tag)
    if simple is not None:
        entities.append({"type": simple, "offset": offset, "length": length})
    elif tag == "a":
        url = _check_link(argument or "".join(pieces[piece_index:]))
        if url is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "tg-emoji":
        if isinstance(argument, str) and argument.isdigit():
            entities.append(
                {
                    "type": "custom_emoji",
                    "offset": offset,
                    "length": length,
                    "custom_emoji_id": argument,
                }
            )
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument is True else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and last["offset"] == offset
            and last["length"] == length
        ):
            if argument:
                last["language"] = argument
            return
        entity = {"type": "code", "offset": offset, "length": length}
        if argument:
            entity["_code_language"] = argument
        entities.append(entity)
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
        ):
            language = last.pop("_code_language", None)
            last["type"] = "pre"
            if language:
                last["language"] = language
            return
        entities.append({"type": "pre", "offset": offset, "length": length})


def trim_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip(_SPACES)
    if len(stripped) == len(text):
        return text, entities
    if not entities:
        return stripped, entities
    left = utf16_len(text[: len(text) - len(text.lstrip(_SPACES))])
    total = utf16_len(stripped)
    out = []
    for e in entities:
        start = max(e["offset"] - left, 0)
        end = min(e["offset"] + e["length"] - left, total)
        if end > start:
            e = dict(e)
            e["offset"] = start
            e["length"] = end - start
            out.append(e)
    return stripped, out


def normalize_entities(entities: Any) -> list[dict[str, Any]]:
    """Validate/normalise an explicit ``entities`` parameter (already JSON-decoded)."""
    if not isinstance(entities, list):
        raise HtmlParseError("Entities must be an Array")
    out = []
    for e in entities:
        if not isinstance(e, dict) or not isinstance(e.get("type"), str):
            raise HtmlParseError("Entity must be an Object with a type")
        try:
            offset, length = int(e["offset"]), int(e["length"])
        except (KeyError, TypeError, ValueError):
            raise HtmlParseError("Entity offset and length must be Integers") from None
        if offset < 0 or length <= 0:
            continue
        ne = {k: e[k] for k in _ENTITY_KEYS if k in e and e[k] is not None}
        ne["offset"], ne["length"] = offset, length
        out.append(ne)
    out.sort(key=_entity_sort_key)
    return out


def entities_to_spans(text: str, entities: list[dict[str, Any]]) -> list[tuple[int, int, dict]]:
    """Map entity UTF-16 offsets to Python string indices: ``[(start, end, entity), ...]``."""
    if not entities:
        return []
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return [(e["offset"], e["offset"] + e["length"], e) for e in entities]
    # Build a UTF-16 position -> str index table only when astral characters exist.
    positions = [0]
    for c in text:
        positions.append(positions[-1] + (2 if ord(c) >= 0x10000 else 1))
    index = {p: k for k, p in enumerate(positions)}

    def to_index(u: int) -> int:
        while u not in index and u > 0:
            u -= 1
        return index.get(u, 0)

    return [(to_index(e["offset"]), to_index(e["offset"] + e["length"]), e) for e in entities]
