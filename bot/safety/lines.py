"""The crisis and violence lines of content/safety/crisis_lines.yaml, as plain data.

One data file feeds the 🆘 card and its test, so a number changed there changes everywhere.
A line whose number is not verified keeps its number in the file for staff to review; the
card shows only its name and website.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from bot.safety.crisis import CATEGORIES

LINES_FILE = PROJECT_ROOT / "content" / "safety" / "crisis_lines.yaml"


@dataclass(frozen=True, slots=True)
class CrisisLine:
    id: str
    number: str  # international form ("+48 800 70 2222"), or a short number ("112")
    verified: bool
    categories: frozenset[str]
    free: bool
    name: dict[str, str]
    who: dict[str, str]
    hours: dict[str, str]
    website: str
    sources: tuple[str, ...]
    review: str = ""

    def text(self, field: dict[str, str], lang: str) -> str:
        return field.get(lang) or field.get("en") or next(iter(field.values()), "")

    @property
    def shown_number(self) -> str | None:
        """The number to show, or None while it waits for a person to verify it."""
        return self.number if self.verified else None


@dataclass(frozen=True, slots=True)
class CrisisLines:
    checked: dt.date
    lines: tuple[CrisisLine, ...]

    def get(self, line_id: str) -> CrisisLine | None:
        return next((line for line in self.lines if line.id == line_id), None)

    def for_categories(self, categories: Iterable[str] = ()) -> list[CrisisLine]:
        """The lines for these categories in file order (112 first); all lines for none."""
        wanted = frozenset(categories)
        if not wanted:
            return list(self.lines)
        return [line for line in self.lines if line.categories & wanted]


class CrisisLinesError(ValueError):
    pass


def parse(raw: dict) -> CrisisLines:
    if not isinstance(raw, dict) or "lines" not in raw:
        raise CrisisLinesError("crisis lines: a mapping with `checked` and `lines` is expected")
    checked = raw.get("checked")
    if not isinstance(checked, dt.date):
        raise CrisisLinesError("crisis lines: `checked` must be a date (YYYY-MM-DD)")
    lines = []
    for item in raw["lines"]:
        cats = frozenset(item.get("for") or ())
        unknown = cats - set(CATEGORIES)
        if unknown:
            raise CrisisLinesError(f"crisis line {item.get('id')}: unknown categories {unknown}")
        lines.append(CrisisLine(
            id=str(item["id"]), number=str(item["number"]), verified=bool(item.get("verified")),
            categories=cats, free=bool(item.get("free")), name=dict(item["name"]),
            who=dict(item.get("who") or {}), hours=dict(item.get("hours") or {}),
            website=str(item.get("website") or ""), sources=tuple(item.get("sources") or ()),
            review=str(item.get("review") or "")))
    return CrisisLines(checked, tuple(lines))


@lru_cache(maxsize=4)
def load_lines(path: Path = LINES_FILE) -> CrisisLines:
    return parse(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
