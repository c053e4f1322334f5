"""Personal data in free text that the bot keeps without its author: searches that found
nothing (content gaps) are stored for staff, and people type their phone number, e-mail,
PESEL or passport number into the search box. Those are replaced with a placeholder before
anything is stored, so "zgubiłem paszport ‹number›" is counted with everyone else's.

The patterns are deliberately greedy: a date or an amount written as a long number loses
its digits too, which costs staff little; a kept PESEL would cost the person a lot.
"""

from __future__ import annotations

import re

EMAIL = "‹email›"
PHONE = "‹phone›"
NUMBER = "‹number›"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Document numbers: 1-3 letters (Latin or Cyrillic) then 5-9 digits: Polish ID card
# ABC123456, passports AB1234567 and FA123456, residence cards RA1234567. Written with a
# space ("ABC 123456"), the digits go as a long digit run and the letters alone stay.
_DOCUMENT = re.compile(r"(?<![\w])[A-Za-zА-Яа-яІіЇїЄєҐґ]{1,3}\d{5,9}(?![\w])")
# Digits with separators between them: phone numbers, IBANs, card and NIP numbers.
_DIGIT_GROUPS = re.compile(r"(?<![\w+])\+?\(?\d[\d()./ -]*\d(?![\w])")
_MIN_NUMBER_DIGITS = 6  # shorter runs are years, amounts, postcodes, "800 plus"
_PHONE_DIGITS = (9, 15)  # E.164 at most 15; a Polish number has 9 without the prefix
_PESEL_DIGITS = 11


def _digit_groups(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(ch.isdigit() for ch in text)
    if digits < _MIN_NUMBER_DIGITS:
        return text
    low, high = _PHONE_DIGITS
    contiguous = text.isdigit()
    if contiguous and digits == _PESEL_DIGITS:
        return NUMBER
    if low <= digits <= high and (text.startswith("+") or not contiguous or digits == low):
        return PHONE
    return NUMBER


def redact(text: str) -> str:
    """`text` with e-mail addresses, phone numbers, document numbers, PESEL and other long
    digit runs replaced by ‹email›, ‹phone› and ‹number›."""
    text = _EMAIL.sub(EMAIL, text)
    text = _DOCUMENT.sub(NUMBER, text)
    return _DIGIT_GROUPS.sub(_digit_groups, text)
