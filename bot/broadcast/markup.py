"""Formatting staff may use in announcements: <b>, <i> and <a href="https://...">, nothing else.

Announcements go out with parse_mode=HTML. Each text is checked when the campaign is made
(a tag outside the three, a link that is not https, markup Telegram would refuse), so a
campaign can never fail at send time for its markup. The problems are gettext msgids with
values, worded for staff: the panel and the CLI show them in their user's language.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from bot.fake_telegram.html_check import HtmlParseError, parse_html
from bot.i18n import _

ALLOWED_TAGS = ("b", "i", "a")
ALLOWED_HINT = '<b>, <i>, <a href="https://...">'
LANGUAGE_NAMES = {"pl": _("Polish"), "uk": _("Ukrainian"), "en": _("English")}

Problem = tuple[str, dict[str, str]]  # (msgid, values)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[Problem] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append((_("the tag <{tag}> is not allowed; only {allowed} are."),
                                  {"tag": tag, "allowed": ALLOWED_HINT}))
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if [name for name, _value in attrs] != ["href"] or not href.startswith("https://"):
                self.problems.append((_('a link must be written <a href="https://...">; '
                                        "found: {link}."), {"link": href or "<a>"}))
        elif attrs:
            self.problems.append((_("the tag <{tag}> takes no attributes."), {"tag": tag}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def markup_problems(text: str) -> list[Problem]:
    """What is wrong with the formatting of one announcement text (empty: nothing)."""
    parser = _Tags()
    parser.feed(text)
    parser.close()
    if parser.problems:
        return parser.problems
    try:
        parse_html(text)
    except HtmlParseError as exc:
        return [(_("Telegram would refuse it: {detail}. Write < as &lt; and & as &amp;."),
                 {"detail": str(exc)})]
    return []


def as_html(text: str) -> str:
    """An announcement text as Telegram HTML. Texts made before formatting was allowed were
    plain; one that is not valid formatting is sent escaped, as it was then."""
    return text if not markup_problems(text) else escape(text)
