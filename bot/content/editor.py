"""Staff edits to the FAQ tree: texts per language, node details, add, move, retire, YAML import.

Every operation is one transaction: the change, its audit entry (bot/staff/audit.py) and a
bump of the content version commit together; then the live ContentStore reloads, so the bot
in this process answers with the new text at once and other processes notice the version
within their refresh interval.

Translations: each node has a source language. Saving changed source text bumps its
revision; saving a translation (or confirming it still matches) records the source revision
it was made from. A translation older than the source is outdated (bot/content/overview.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES
from bot.content.repository import ContentRepository
from bot.content.safe_yaml import MAX_LEVELS
from bot.content.service import ContentStore
from bot.content.validation import (
    LANG_NAMES,
    body_problems,
    details_problems,
    icon_problems,
    review_problems,
    slug_problems,
    sources_problems,
    title_problems,
)
from bot.db.models import FaqNode, FaqText
from bot.i18n import Translatable, lazy, said
from bot.staff import audit


class EditError(Exception):
    """Refused input; `problems` are sentences to show the staff member, `texts(lang)` them in
    the staff member's language. Nothing changed."""

    def __init__(self, problems: list[str | Translatable] | str | Translatable) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(str(p) for p in self.problems))

    def texts(self, lang: str | None = None) -> list[str]:
        return [said(p, lang) for p in self.problems]


class NotFound(EditError):
    pass


@dataclass
class TextInput:
    title: str
    body: str | None = None  # an answer's first screen
    details: str | None = None  # behind the answer's "More" button
    keep_details: bool = False  # the form had no details field: leave the stored ones
    keywords: list[str] = field(default_factory=list)
    # The translator checked it against the current source: up to date without a change.
    confirmed: bool = False


@dataclass
class NodeInput:
    sources: list[str]
    reviewed: dt.date | None
    review_every_days: int
    review_status: str
    review_note: str | None
    icon: str | None
    source_lang: str


def text_state(text: FaqText) -> dict:
    return {"title": text.title, "body": text.body, "details": text.details,
            "keywords": list(text.keywords or []),
            "revision": text.revision, "source_revision": text.source_revision}


NODE_FIELDS = ("sources", "reviewed", "review_every_days", "review_status", "review_note", "icon",
               "source_lang")


def node_state(node: FaqNode) -> dict:
    state = {k: getattr(node, k) for k in NODE_FIELDS}
    state["sources"] = list(node.sources or [])
    return state


def place_state(node: FaqNode, parent_slug: str | None) -> dict:
    return {"parent": parent_slug, "position": node.position + 1}


class ContentEditor:
    def __init__(self, sessions: async_sessionmaker, store: ContentStore) -> None:
        self._sessions = sessions
        self.store = store

    async def _node(self, session: AsyncSession, slug: str) -> FaqNode:
        node = await ContentRepository(session).node_by_slug(slug)
        if node is None:
            raise NotFound(lazy("There is no item “{slug}”.", slug=slug))
        return node

    async def _finish(self, session: AsyncSession) -> None:
        await ContentRepository(session).bump_version()
        await session.commit()
        await self.store.reload()

    # ------------------------------------------------------------------ texts

    async def save_texts(self, actor: str, slug: str, inputs: dict[str, TextInput]) -> list[str]:
        """Save the languages whose text changed; returns them (source language first)."""
        async with self._sessions() as session:
            node = await self._node(session, slug)
            texts = {t.lang: t for t in node.texts}
            self._check_texts(node, texts, inputs)
            changed: list[str] = []
            before: dict[str, dict | None] = {}
            # Source first: a translation saved with it records the source's new revision.
            order = [node.source_lang] + [lang for lang in LANGUAGES if lang != node.source_lang]
            for lang in order:
                if lang in inputs and _apply_text(node, texts, lang, inputs[lang], before):
                    changed.append(lang)
            for lang in changed:
                text = texts.get(lang)
                await audit.record(session, actor=actor, action="text.edit", entity="faq_text",
                                   entity_id=f"{slug}/{lang}", before=before.get(lang),
                                   after=text_state(text) if text is not None else None)
            if changed:
                await self._finish(session)
            return changed

    def _check_texts(self, node: FaqNode, texts: dict[str, FaqText],
                     inputs: dict[str, TextInput]) -> None:
        problems: list[str | Translatable] = []
        bodies = {lang: t.body for lang, t in texts.items() if t.body}
        for lang, given in inputs.items():
            if lang not in LANGUAGES:
                problems.append(lazy("Unknown language “{language}”.", language=lang))
                continue
            name = lazy(LANG_NAMES[lang])
            if not given.title and not given.body:
                if lang == node.source_lang and lang in texts:
                    problems.append(lazy("The text ({language}) is the source of the "
                                         "translations; it cannot be emptied.", language=name))
                bodies.pop(lang, None)
                continue
            if not given.title:
                problems.append(lazy("The title ({language}) is empty.", language=name))
            problems += title_problems(lang, given.title)
            if node.kind == "answer":
                if not given.body:
                    problems.append(lazy("The answer text ({language}) is empty.", language=name))
                else:
                    problems += body_problems(lang, given.body)
                    bodies[lang] = given.body
                if given.details:
                    problems += details_problems(lang, given.details)
            elif given.body or given.details:
                problems.append(lazy("A section has only a title, no text ({language}).",
                                     language=name))
        if node.kind == "answer" and not bodies:
            problems.append(lazy("An answer needs its text in at least one language."))
        if problems:
            raise EditError(problems)

    # ------------------------------------------------------------------ node details

    async def save_node(self, actor: str, slug: str, given: NodeInput) -> bool:
        problems: list[str | Translatable] = [*sources_problems(given.sources, required=False)]
        problems += review_problems(given.review_status, given.review_note, given.review_every_days)
        problems += icon_problems(given.icon)
        if given.source_lang not in LANGUAGES:
            problems.append(lazy("Unknown source language."))
        async with self._sessions() as session:
            node = await self._node(session, slug)
            texts = {t.lang: t for t in node.texts}
            if node.kind == "answer":
                problems += sources_problems(given.sources, required=True)
                if given.reviewed is None:
                    problems.append(lazy("An answer needs the date it was last checked."))
            if given.source_lang != node.source_lang and given.source_lang not in texts:
                problems.append(lazy("There is no text ({language}) to make the source.",
                                     language=lazy(LANG_NAMES.get(given.source_lang, "?"))))
            if problems:
                raise EditError(list(dict.fromkeys(problems)))
            before = node_state(node)
            after = {k: getattr(given, k) for k in NODE_FIELDS}
            if before == after:
                return False
            for key, value in after.items():
                setattr(node, key, value)
            if before["source_lang"] != given.source_lang:
                # The new source is taken as matching its translations as they stand.
                source = texts[given.source_lang]
                for text in texts.values():
                    text.source_revision = source.revision
            await audit.record(session, actor=actor, action="node.edit", entity="faq_node",
                               entity_id=slug, before=before, after=node_state(node))
            await self._finish(session)
            return True

    # ------------------------------------------------------------------ structure

    async def _siblings(self, session: AsyncSession, parent_id: int | None) -> list[FaqNode]:
        stmt = select(FaqNode).where(
            FaqNode.parent_id.is_(None) if parent_id is None else FaqNode.parent_id == parent_id)
        rows = (await session.scalars(stmt.order_by(FaqNode.position, FaqNode.id))).all()
        return list(rows)

    async def _parent(self, session: AsyncSession, parent_slug: str | None) -> FaqNode | None:
        if not parent_slug:
            return None
        parent = await self._node(session, parent_slug)
        if parent.kind != "section":
            raise EditError(lazy("“{slug}” is an answer; only sections hold other items.",
                                 slug=parent_slug))
        return parent

    async def _level(self, session: AsyncSession, node: FaqNode | None) -> int:
        """1 for a topic; 0 for None (the top of the tree)."""
        level = 0
        while node is not None:
            level += 1
            node = await session.get(FaqNode, node.parent_id) if node.parent_id else None
        return level

    async def _height(self, session: AsyncSession, node: FaqNode) -> int:
        """Levels from `node` down to its deepest item, retired ones included (1: no children)."""
        children: dict[int | None, list[int]] = {}
        for node_id, parent_id in (await session.execute(select(FaqNode.id, FaqNode.parent_id))).all():
            children.setdefault(parent_id, []).append(node_id)
        height, level = 0, [node.id]
        while level:
            height += 1
            level = [child for parent in level for child in children.get(parent, [])]
        return height

    @staticmethod
    def _too_deep(level: int) -> Translatable:
        # The YAML import refuses deeper trees (bot/content/safe_yaml.py): the panel must not
        # build a tree whose export cannot be imported again.
        return lazy("The FAQ tree may have at most {most} levels; this would make {levels}.",
                    most=MAX_LEVELS, levels=level)

    async def add_node(self, actor: str, *, parent_slug: str | None, slug: str, kind: str,
                       lang: str, title: str, body: str | None = None,
                       sources: list[str] | None = None, position: int | None = None) -> None:
        """A new section or answer, written first in `lang` (its source language)."""
        slug = slug.strip()
        problems: list[str | Translatable] = [*slug_problems(slug)]
        if kind not in ("section", "answer"):
            problems.append(lazy("Choose whether the new item is a section or an answer."))
        if lang not in LANGUAGES:
            problems.append(lazy("Choose the language you write in."))
        else:
            if not title:
                problems.append(lazy("The title is empty."))
            problems += title_problems(lang, title)
            if kind == "answer":
                problems += (body_problems(lang, body) if body
                             else [lazy("The answer text is empty.")])
                problems += sources_problems(sources or [], required=True)
        async with self._sessions() as session:
            repo = ContentRepository(session)
            if not problems and await repo.node_by_slug(slug) is not None:
                problems.append(lazy("The short name “{slug}” is taken; choose another.",
                                     slug=slug))
            try:
                parent = await self._parent(session, parent_slug)
            except EditError as exc:
                problems += exc.problems
            else:
                if (level := await self._level(session, parent) + 1) > MAX_LEVELS:
                    problems.append(self._too_deep(level))
            if problems:
                raise EditError(problems)
            node = repo.new_node(
                slug=slug, kind=kind, parent_id=parent.id if parent else None, position=0,
                sources=list(sources or []) if kind == "answer" else [],
                reviewed=dt.date.today() if kind == "answer" else None,
                review_every_days=180, review_status="ok", icon=None, source_lang=lang,
                retired=False)
            node.texts.append(FaqText(lang=lang, title=title, body=body if kind == "answer" else None,
                                      keywords=[], revision=1, source_revision=1))
            await session.flush()
            siblings = [s for s in await self._siblings(session, node.parent_id) if s.id != node.id]
            _place(siblings, node, position)
            await audit.record(session, actor=actor, action="node.add", entity="faq_node",
                               entity_id=slug, after={**node_state(node), "kind": kind,
                                                      **place_state(node, parent_slug),
                                                      "title": title, "body": body})
            await self._finish(session)

    async def move(self, actor: str, slug: str, parent_slug: str | None,
                   position: int | None) -> None:
        async with self._sessions() as session:
            node = await self._node(session, slug)
            parent = await self._parent(session, parent_slug)
            ancestor = parent
            while ancestor is not None:
                if ancestor.id == node.id:
                    raise EditError(lazy("An item cannot be moved inside itself."))
                ancestor = (await session.get(FaqNode, ancestor.parent_id)
                            if ancestor.parent_id else None)
            depth = await self._level(session, parent) + await self._height(session, node)
            if depth > MAX_LEVELS:
                raise EditError(self._too_deep(depth))
            old_parent = await session.get(FaqNode, node.parent_id) if node.parent_id else None
            before = place_state(node, old_parent.slug if old_parent else None)
            old_siblings = [s for s in await self._siblings(session, node.parent_id) if s.id != node.id]
            for i, sibling in enumerate(old_siblings):
                sibling.position = i
            node.parent_id = parent.id if parent else None
            siblings = [s for s in await self._siblings(session, node.parent_id) if s.id != node.id]
            _place(siblings, node, position)
            after = place_state(node, parent_slug or None)
            await audit.record(session, actor=actor, action="node.move", entity="faq_node",
                               entity_id=slug, before=before, after=after)
            await self._finish(session)

    async def set_retired(self, actor: str, slug: str, retired: bool) -> None:
        """Retired items disappear from the bot (a retired section hides everything in it)
        but keep their texts and ratings, and can come back."""
        async with self._sessions() as session:
            node = await self._node(session, slug)
            if node.retired == retired:
                return
            node.retired = retired
            await audit.record(session, actor=actor,
                               action="node.retire" if retired else "node.unretire",
                               entity="faq_node", entity_id=slug, before={"retired": not retired},
                               after={"retired": retired})
            await self._finish(session)


def _place(siblings: list[FaqNode], node: FaqNode, position: int | None) -> None:
    """Insert at 1-based `position` (None or too large: at the end) and renumber."""
    index = len(siblings) if position is None else max(0, min(position - 1, len(siblings)))
    siblings.insert(index, node)
    for i, sibling in enumerate(siblings):
        sibling.position = i


def _apply_text(node: FaqNode, texts: dict[str, FaqText], lang: str, given: TextInput,
                before: dict[str, dict | None]) -> bool:
    text = texts.get(lang)
    body = given.body if node.kind == "answer" else None
    if given.keep_details and text is not None:
        given.details = text.details
    details = (given.details or None) if body else None
    if not given.title and not body:
        if text is None:
            return False
        before[lang] = text_state(text)
        node.texts.remove(text)
        del texts[lang]
        return True
    if text is None:
        text = FaqText(lang=lang, title=given.title, body=body, details=details,
                       keywords=given.keywords, revision=1)
        node.texts.append(text)
        texts[lang] = text
        before[lang] = None
        content_changed = True
    else:
        content_changed = (text.title, text.body, text.details) != (given.title, body, details)
        keywords_changed = list(text.keywords or []) != given.keywords
        confirmed = given.confirmed and lang != node.source_lang
        if not (content_changed or keywords_changed or confirmed):
            return False
        before[lang] = text_state(text)
        text.title, text.body, text.details = given.title, body, details
        text.keywords = given.keywords
        if content_changed:
            text.revision += 1
        content_changed = content_changed or confirmed
    if lang == node.source_lang:
        text.source_revision = text.revision
    elif content_changed:
        source = texts.get(node.source_lang)
        text.source_revision = source.revision if source is not None else None
    return True
