"""Signal messages built piece by piece: plain text plus `textStyle` ranges.

Signal has no markup: a message is plain text plus style ranges "start:length:STYLE", counted
in UTF-16 code units. Markup (FAQ bodies, the crisis card's translated words) is rendered by
the core's renderer (bot/core/markup.py) and appended with `from_html`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.markup import render_signal


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


def from_html(html: str) -> Styled:
    """The core markup (bot/core/markup.py renders it for Signal) as a Styled piece."""
    rendered = render_signal(html)
    out = Styled(rendered.text)
    for spec in rendered.styles:
        start, length, style = spec.split(":")
        out.styles.append((int(start), int(length), style))
    return out
