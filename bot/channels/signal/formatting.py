"""Telegram-flavoured HTML (FAQ bodies, the crisis card) as Signal text with `textStyle`.

Signal has no markup: a message is plain text plus style ranges "start:length:STYLE", counted
in UTF-16 code units. Links become "text (url)" (Signal turns the url into a link), or the
bare url when the text is the url.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

STYLES = {"b": "BOLD", "strong": "BOLD", "i": "ITALIC", "em": "ITALIC", "s": "STRIKETHROUGH",
          "strike": "STRIKETHROUGH", "del": "STRIKETHROUGH", "code": "MONOSPACE",
          "pre": "MONOSPACE", "tg-spoiler": "SPOILER"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Styled:
    """Text and its style ranges, built piece by piece."""

    text: str = ""
    styles: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, text: str, style: str | None = None) -> Styled:
        if style and text:
            self.styles.append((utf16_len(self.text), utf16_len(text), style))
        self.text += text
        return self

    def extend(self, other: Styled) -> Styled:
        shift = utf16_len(self.text)
        self.styles += [(start + shift, length, style) for start, length, style in other.styles]
        self.text += other.text
        return self

    def line(self, text: str = "", style: str | None = None) -> Styled:
        if self.text:
            self.add("\n")
        return self.add(text, style)

    def text_style(self) -> list[str]:
        return [f"{start}:{length}:{style}" for start, length, style in self.styles if length]


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Styled()
        self.open: list[tuple[str, int]] = []  # (style, UTF-16 start)
        self.href: str | None = None
        self.link_start = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.add("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_start = len(self.out.text)
        elif tag in STYLES:
            self.open.append((STYLES[tag], utf16_len(self.out.text)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            shown = self.out.text[self.link_start:].strip()
            href = self.href or ""
            if href and href.rstrip("/") not in (shown.rstrip("/"), "https://" + shown.rstrip("/"),
                                                 "http://" + shown.rstrip("/")):
                self.out.add(f" ({href})")
            elif href and shown != href:
                self.out.text = self.out.text[:self.link_start] + href
            self.href = None
        elif tag in STYLES:
            style = STYLES[tag]
            for i in range(len(self.open) - 1, -1, -1):
                if self.open[i][0] == style:
                    _, start = self.open.pop(i)
                    self.out.styles.append((start, utf16_len(self.out.text) - start, style))
                    break

    def handle_data(self, data: str) -> None:
        self.out.add(data)


def from_html(html: str) -> Styled:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    out = converter.out
    out.styles.sort()
    return out
