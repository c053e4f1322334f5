"""content/safety/crisis_lines.yaml: the data the 🆘 card shows, and the card built from it."""

from __future__ import annotations

import datetime as dt
import re

import yaml

from bot.fake_telegram.html_check import parse_html
from bot.safety.card import crisis_card
from bot.safety.crisis import CATEGORIES
from bot.safety.lines import LINES_FILE, load_lines, parse

REQUIRED = {"112", "+48 800 70 2222", "116 123", "116 111", "+48 800 120 002"}


def test_required_lines_are_there_and_verified():
    lines = load_lines()
    shown = {line.number for line in lines.lines if line.verified}
    assert REQUIRED <= shown
    assert lines.checked == dt.date(2026, 12, 7)
    for line in lines.lines:
        assert set(line.name) == {"pl", "uk", "en"} and line.sources and line.website
        assert line.categories and line.categories <= set(CATEGORIES)
        assert line.number.startswith("+48 ") or len(line.number.replace(" ", "")) <= 6


def test_trafficking_card_shows_the_checked_numbers():
    lines = load_lines()
    for line_id, number in (("kcik", "+48 22 628 01 20"), ("la-strada", "+48 605 687 750")):
        line = lines.get(line_id)
        assert line is not None and line.verified and line.number == number
        assert any("policja" in source for source in line.sources)  # an official page
    card = crisis_card("uk", ["trafficking"])
    assert "+48 22 628 01 20" in card and "+48 605 687 750" in card and "kcik.pl" in card
    assert "цілодобово; поза робочими днями лише термінові справи" in card
    assert "116 123" not in card  # the suicide lines are not offered for trafficking


def test_unverified_number_is_kept_for_review_but_not_shown():
    raw = yaml.safe_load(LINES_FILE.read_text(encoding="utf-8"))
    kcik = next(item for item in raw["lines"] if item["id"] == "kcik")
    kcik["verified"] = False
    lines = parse(raw)
    card = crisis_card("en", ["trafficking"], lines=lines)
    assert "kcik.pl" in card and "+48 22 628 01 20" not in card
    assert "phone number: see the website" in card
    assert "+48 605 687 750" in card  # the other, verified line still shows its number


def test_old_niebieska_linia_number_is_gone():
    assert "801 12 00 02" not in crisis_card("pl")


def test_every_category_offers_a_line_and_112():
    lines = load_lines()
    for category in CATEGORIES:
        assert "112" in crisis_card("uk", [category])
        if category != "medical":  # a medical emergency has 112 itself, first on the card
            assert any(category in line.categories for line in lines.lines if line.id != "112")


def test_cards_are_valid_telegram_html_in_every_language():
    for lang in ("pl", "uk", "en"):
        for cats in ([], ["suicide"], ["violence", "child"], ["trafficking"], ["medical"]):
            card = crisis_card(lang, cats)
            text, _entities = parse_html(card)
            assert len(text) < 4096
            assert "2026-12-07" in text
            assert not re.search(r"tel:", card)  # Bot API HTML has no tel: links


def test_suicide_card_has_the_suicide_lines_only():
    card = crisis_card("uk", ["suicide"])
    assert "116 123" in card and "+48 800 70 2222" in card and "Niebieska" not in card
    assert "116 123" in card and "цілодобово; також чат на 116sos.pl" in card
