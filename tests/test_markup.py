"""One markup, two channels: Telegram gets it as written, Signal gets text and style ranges."""

from __future__ import annotations

from bot.broadcast.render import render_push
from bot.core.markup import StyledText, render_signal, render_telegram


def test_telegram_reads_the_markup_as_written() -> None:
    markup = '<b>Karta pobytu</b> &amp; <a href="https://example.org">link</a>'
    assert render_telegram(markup) == markup


def test_signal_gets_plain_text_with_style_ranges() -> None:
    styled = render_signal("<b>Bold</b> and <i>italic</i>, <s>gone</s>, <code>x=1</code>")
    assert styled == StyledText("Bold and italic, gone, x=1",
                                ("0:4:BOLD", "9:6:ITALIC", "17:4:STRIKETHROUGH",
                                 "23:3:MONOSPACE"))


def test_nested_styles_and_escapes() -> None:
    styled = render_signal("<b>a &lt;b&gt; <i>c &amp; d</i></b>")
    assert styled.text == "a <b> c & d"
    assert set(styled.styles) == {"0:11:BOLD", "6:5:ITALIC"}


def test_offsets_count_utf16_code_units() -> None:
    # 📊 is outside the Basic Multilingual Plane: two UTF-16 code units in Signal's ranges.
    styled = render_signal("📊 <b>Ankieta</b> — ✅ <i>так</i>")
    assert styled.text == "📊 Ankieta — ✅ так"
    assert styled.styles == ("3:7:BOLD", "15:3:ITALIC")


def test_links_become_plain_urls() -> None:
    styled = render_signal('See <a href="https://gov.pl/udsc">the office</a>. '
                           '<a href="https://mos.cudzoziemcy.gov.pl">https://mos.cudzoziemcy.gov.pl</a>')
    assert styled.text == ("See the office (https://gov.pl/udsc). "
                           "https://mos.cudzoziemcy.gov.pl")
    assert styled.styles == ()


def test_underline_stays_plain_and_spoilers_are_kept() -> None:
    styled = render_signal('<u>under</u> <tg-spoiler>s1</tg-spoiler> '
                           '<span class="tg-spoiler">s2</span>')
    assert styled == StyledText("under s1 s2", ("6:2:SPOILER", "9:2:SPOILER"))


def test_a_survey_invitation_renders_for_signal() -> None:
    push = render_push("survey_invite", "uk", default_language="pl", texts={}, wave_id=3,
                       survey_title={"uk": "Життя в Поморському <воєводстві>"})
    styled = render_signal(push.text)
    assert "<b>" not in styled.text and "<i>" not in styled.text
    assert "Життя в Поморському <воєводстві>" in styled.text
    start, length, style = styled.styles[0].split(":")
    assert style == "BOLD"
    bold = styled.text.encode("utf-16-le")[int(start) * 2:(int(start) + int(length)) * 2]
    assert bold.decode("utf-16-le") == "Життя в Поморському <воєводстві>"
    assert styled.styles[-1].endswith(":ITALIC")
