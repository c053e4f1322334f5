"""The FAQ tree as the bot reads it: an immutable snapshot built from the database.

Dialogs never query the database for content; they read the current `FaqCatalog`, which the
`ContentStore` swaps atomically when the content version changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.config import LANGUAGES

# Which language to show when the user's own is missing, in order of preference.
FALLBACKS: dict[str, tuple[str, ...]] = {
    "uk": ("uk", "en", "pl"),
    "en": ("en", "pl", "uk"),
    "pl": ("pl", "en", "uk"),
}


@dataclass(frozen=True, slots=True)
class Localized:
    text: str
    lang: str  # the language the text is actually in
    fallback: bool  # True when it is not the language asked for


@dataclass(slots=True)
class Node:
    slug: str
    kind: str  # "section" | "answer"
    titles: dict[str, str]
    bodies: dict[str, str] = field(default_factory=dict)  # the first screen of an answer
    # What the "More" button shows: legal bases, citations, offices; optional per language.
    details: dict[str, str] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    reviewed: dt.date | None = None
    review_every_days: int = 180
    review_status: str = "ok"
    review_note: str | None = None
    icon: str | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def is_answer(self) -> bool:
        return self.kind == "answer"

    def title(self, lang: str) -> Localized:
        return _pick(self.titles, lang) or Localized(self.slug, lang, True)

    def body(self, lang: str) -> Localized | None:
        return _pick(self.bodies, lang)

    def more(self, lang: str) -> Localized | None:
        """The details behind the "More" button, in the language the body is shown in (so
        the two screens never mix languages), else by the usual fallbacks."""
        body = self.body(lang)
        if body is not None and self.details.get(body.lang):
            return Localized(self.details[body.lang], body.lang, body.lang != lang)
        return _pick(self.details, lang)

    def path(self) -> list[str]:
        out: list[str] = []
        node: Node | None = self
        while node is not None:
            out.append(node.slug)
            node = node.parent
        return out[::-1]

    def root(self) -> Node:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def review_due(self, today: dt.date) -> dt.date | None:
        if self.reviewed is None:
            return today
        return self.reviewed + dt.timedelta(days=self.review_every_days)

    def answers(self) -> list[Node]:
        if self.is_answer:
            return [self]
        return [a for child in self.children for a in child.answers()]


def _pick(values: dict[str, str], lang: str) -> Localized | None:
    for candidate in FALLBACKS.get(lang, LANGUAGES):
        text = values.get(candidate)
        if text:
            return Localized(text, candidate, candidate != lang)
    return None


@dataclass(slots=True)
class FaqCatalog:
    version: int
    roots: list[Node]
    by_slug: dict[str, Node]

    @classmethod
    def from_roots(cls, version: int, roots: list[Node]) -> FaqCatalog:
        by_slug: dict[str, Node] = {}

        def walk(node: Node) -> None:
            by_slug[node.slug] = node
            for child in node.children:
                walk(child)

        for root in roots:
            walk(root)
        return cls(version=version, roots=roots, by_slug=by_slug)

    def get(self, slug: str | None) -> Node | None:
        if not slug:
            return None
        return self.by_slug.get(slug)

    def answers(self) -> list[Node]:
        return [a for root in self.roots for a in root.answers()]
