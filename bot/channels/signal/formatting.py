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


# Signal clients drop or clip a message body over 2 KiB of UTF-8 (longer texts travel as a
# "long text" attachment, which signal-cli's send does not make): a longer message goes out
# as several, cut at line ends (at spaces within an overlong line).
MAX_BODY_BYTES = 2000


def _cut_points(text: str, limit: int) -> list[int]:
    """End indexes of pieces of `text` of at most `limit` UTF-8 bytes each."""
    ends: list[int] = []
    start = 0
    while len(text[start:].encode()) > limit:
        size, best, i = 0, None, start
        while i < len(text):
            size += len(text[i].encode())
            if size > limit:
                break
            if text[i] == "\n":
                best = i + 1
            i += 1
        if best is None:  # no line end: the last space, else a hard cut
            space = text.rfind(" ", start, i)
            best = space + 1 if space > start else i
        ends.append(best)
        start = best
    ends.append(len(text))
    return ends


def split(message: Styled, limit: int = MAX_BODY_BYTES) -> list[Styled]:
    """The message as pieces Signal shows whole, each with its share of the styles."""
    if len(message.text.encode()) <= limit:
        return [message]
    pieces: list[Styled] = []
    start = 0
    for end in _cut_points(message.text, limit):
        a, b = start, end
        while a < b and message.text[a] == "\n":
            a += 1
        while b > a and message.text[b - 1] == "\n":
            b -= 1
        start = end
        if a >= b:
            continue
        ua, ub = utf16_len(message.text[:a]), utf16_len(message.text[:b])
        piece = Styled(message.text[a:b])
        for s, length, style in message.styles:
            lo, hi = max(s, ua), min(s + length, ub)
            if hi > lo:
                piece.styles.append((lo - ua, hi - lo, style))
        pieces.append(piece)
    return pieces
