"""Released answers in a compact coded form, so the report need not read their JSON text.

The problem: counting a million responses from their JSON text means reading and cutting
~435 MB of text; the few hundred distinct (question key, answer) pairs are all the report needs.
So each released response is stored twice in `survey_answers`: `answers` (JSON, the source of
truth every other reader uses) and `answer_codes`, a short ASCII string of decimal codes
written in the same insert (`SurveyService._release`).

The codebook (`survey_codes`) numbers (question key, value as JSON text) pairs. A list (a
multiple-choice answer, in the order ticked) is one code per element, the value written as a
one-element list (`["work"]`), so the order of ticks needs no code of its own; an empty list is
the value `[]`. A response is its pairs' codes in the order of its keys, each a line break and
the number in decimal ("\n12\n5\n301"; an empty response is ""); consecutive element codes of
one key are one list. That decodes back to the same dict, keys and elements in the same order.
Lines of integers, because the database can then hand over many rows as one string with no
function per row, which Polars' CSV reader parses in native code (`surveys.coded`).

Privacy (bot/db/models.py, above SurveyWave): a code holds no user, no time and no order. The
codebook is seeded from each survey's definition (every question key, current and from the
history, every option, in definition order) before any answer is coded, so a known answer's
number says nothing about when it arrived. A value the definition does not know gets the next
number when first released; the values new in one release are numbered in sorted order, never
in the (shuffled) order of the responses, so within a release nothing follows arrival either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.surveys.definition import Survey

Entry = tuple[str, str]  # (question key, value as JSON text)


def _text(value: Any) -> str:
    return json.dumps(value)  # as SQLAlchemy's JSON type writes it


def _pairs(answers: Mapping[str, Any]) -> Iterable[Entry]:
    for key, value in answers.items():
        if isinstance(value, list | tuple) and value:
            for element in value:
                yield key, _text([element])
        else:
            yield key, _text(value)


def definition_entries(survey: Survey) -> list[Entry]:
    """What the definition of `survey` can be answered with, in definition order."""
    entries: dict[Entry, None] = {}
    for q in (*survey.questions, *survey.history.values()):
        for option in q.options:
            entries[(q.key, _text([option.id] if q.kind == "multi" else option.id))] = None
    return list(entries)


def answer_entries(answers: Iterable[Mapping[str, Any]]) -> set[Entry]:
    return {pair for a in answers for pair in _pairs(a)}


class Codebook:
    """The codebook in memory: numbers entries, encodes and decodes responses. The caller
    stores the rows `add` returns (codes are never changed or reused)."""

    def __init__(self, rows: Iterable[tuple[int, str, str]] = ()) -> None:
        self.codes: dict[Entry, int] = {}
        self.entries: dict[int, Entry] = {}
        for code, key, value in rows:
            self.codes[(key, value)] = code
            self.entries[code] = (key, value)

    @property
    def next(self) -> int:
        return max(self.entries, default=-1) + 1

    def missing(self, surveys: Iterable[Survey], answers: Iterable[Mapping[str, Any]]) -> list[Entry]:
        """Entries not numbered yet: the definitions' in their order, then the answers' sorted."""
        new: dict[Entry, None] = {}
        for survey in surveys:
            new.update((e, None) for e in definition_entries(survey) if e not in self.codes)
        new.update((e, None) for e in sorted(answer_entries(answers)) if e not in self.codes)
        return list(new)

    def add(self, entries: Iterable[Entry]) -> list[tuple[int, str, str]]:
        """Number `entries` (in the order given) from the next free code; the new rows."""
        rows = []
        code = self.next
        for key, value in entries:
            if (key, value) in self.codes:
                continue
            self.codes[(key, value)] = code
            self.entries[code] = (key, value)
            rows.append((code, key, value))
            code += 1
        return rows

    def encode(self, answers: Mapping[str, Any]) -> str:
        """The response as codes (every pair of it must have one: see `missing`)."""
        return "".join(f"\n{self.codes[pair]}" for pair in _pairs(answers))

    def decode(self, codes: str) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        previous = None
        for number in codes.split():
            key, text = self.entries[int(number)]
            value = json.loads(text)
            if is_element(text) and previous == key:
                answers[key].extend(value)
            else:
                answers[key] = value
            previous = key if is_element(text) else None
        return answers


def is_element(text: str) -> bool:
    """Whether the JSON text of an entry is one element of a list (`["a"]`), not a whole value."""
    return text.startswith("[") and text != "[]"
