"""The project's one text markup, rendered for each channel.

Content, pushes and replies are written once, in the Telegram HTML subset (b/strong,
i/em, u/ins, s/strike/del, code, pre, blockquote, tg-spoiler, a href) with &amp; &lt; &gt;
escapes. Telegram takes it as is. Signal has no markup language: a message is plain text
plus style ranges, which signal-cli takes as "start:length:STYLE" (`--text-style`, or
`textStyle` in JSON-RPC), with start and length counted in UTF-16 code units as Signal's
body ranges are (an emoji outside the BMP counts two). Signal has no underline and no
links: underlined text stays plain and a link becomes its text followed by the URL (just the
URL when the text is the URL), so the person can still tap it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

_STYLE = {
    "b": "BOLD", "strong": "BOLD",
    "i": "ITALIC", "em": "ITALIC", "blockquote": "ITALIC",
    "s": "STRIKETHROUGH", "strike": "STRIKETHROUGH", "del": "STRIKETHROUGH",
    "code": "MONOSPACE", "pre": "MONOSPACE",
    "tg-spoiler": "SPOILER",
}


def render_telegram(markup: str) -> str:
    """Telegram reads the markup natively."""
    return markup


@dataclass(frozen=True)
class StyledText:
    """Plain text and its signal-cli style ranges ("start:length:STYLE")."""

    text: str
    styles: tuple[str, ...] = ()


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _SignalRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.units = 0  # UTF-16 code units written so far
        self.open: list[tuple[str, str | None, int, str]] = []  # tag, style, start, href
        self.ranges: list[tuple[int, int, str]] = []

    def _write(self, text: str) -> None:
        self.parts.append(text)
        self.units += _utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        style = _STYLE.get(tag)
        if tag == "span" and "tg-spoiler" in (values.get("class") or ""):
            style = "SPOILER"
        href = values.get("href") or "" if tag == "a" else ""
        self.open.append((tag, style, self.units, href))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                break
        else:
            return  # a stray end tag: Telegram would have refused it; keep the text
        # Tags closed out of order (which Telegram refuses) are closed here too.
        while len(self.open) > i:
            self._close(*self.open.pop())

    def _close(self, tag: str, style: str | None, start: int, href: str) -> None:
        if tag == "a" and href:
            shown = "".join(self.parts)  # the link text is what was written since `start`
            text = shown.encode("utf-16-le")[start * 2:].decode("utf-16-le")
            if text.strip() != href:
                self._write(f" ({href})" if text.strip() else href)
        if style is not None and self.units > start:
            self.ranges.append((start, self.units - start, style))

    def handle_data(self, data: str) -> None:
        self._write(data)

    def result(self) -> StyledText:
        self.close()
        while self.open:
            self._close(*self.open.pop())
        ranges = sorted(self.ranges)
        return StyledText("".join(self.parts),
                          tuple(f"{start}:{length}:{style}" for start, length, style in ranges))


def render_signal(markup: str) -> StyledText:
    """Plain text with signal-cli style ranges for the markup."""
    renderer = _SignalRenderer()
    renderer.feed(markup)
    return renderer.result()
