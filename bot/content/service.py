"""FAQ content service: import/export, the live catalog and search, ratings and gaps.

Telegram-free: dialogs (and any later channel) call these methods and get plain data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES
from bot.content.model import FaqCatalog, Node
from bot.content.personal_data import redact
from bot.content.repository import ContentRepository
from bot.content.search import SearchDoc, SearchHit, SearchIndex
from bot.content.yaml_io import Problems, dump_dir, load_dir
from bot.db.models import FaqNode
from bot.i18n import said

log = logging.getLogger(__name__)

MAX_GAP_QUERY = 200


class ContentError(Exception):
    """Content that cannot be imported; `problems` lists every problem (str() in English,
    `texts(lang)` for the staff member)."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def texts(self, lang: str | None = None) -> list[str]:
        return [said(p, lang) for p in self.problems]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    retired: int
    version: int


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def import_roots(session: AsyncSession, roots: list[Node]) -> ImportResult:
    """Upsert the given trees by slug. Nodes missing from the import are retired, not
    deleted, so their ratings survive and an old button can say the answer is gone."""
    repo = ContentRepository(session)
    existing = {n.slug: n for n in await repo.all_nodes(include_retired=True)}
    created = updated = unchanged = 0
    seen: set[str] = set()

    async def upsert(node: Node, parent: FaqNode | None, position: int) -> None:
        nonlocal created, updated, unchanged
        seen.add(node.slug)
        row = existing.get(node.slug)
        values = {
            "parent_id": parent.id if parent else None,
            "position": position,
            "kind": node.kind,
            "sources": list(node.sources),
            "reviewed": node.reviewed,
            "review_every_days": node.review_every_days,
            "review_status": node.review_status,
            "review_note": node.review_note,
            "icon": node.icon,
            "retired": False,
        }
        if row is None:
            row = repo.new_node(slug=node.slug, **values)
            created += 1
            changed = True
        else:
            changed = any(getattr(row, k) != v for k, v in values.items())
            for key, value in values.items():
                setattr(row, key, value)
        texts = {t.lang: t for t in row.texts}
        # Imported texts count as translations of the source text as it is after the import:
        # new ones start at revision 1; changed ones get a new revision.
        retranslated: list = []
        for lang in LANGUAGES:
            title = node.titles.get(lang)
            body = node.bodies.get(lang) if node.is_answer else None
            details = (node.details.get(lang) or None) if node.is_answer and body else None
            keywords = node.keywords.get(lang, [])
            text = texts.get(lang)
            if not title and not body:
                if text is not None:
                    row.texts.remove(text)
                    changed = True
                continue
            fresh = text is None
            if text is None:
                text = repo.new_text(row, lang)
                text.revision = 1
                changed = True
            new = {"title": title or "", "body": body, "details": details, "keywords": keywords}
            if fresh or (text.title, text.body, text.details) != (title or "", body, details):
                if not fresh:
                    text.revision = (text.revision or 1) + 1
                retranslated.append(text)
            if any(getattr(text, k) != v for k, v in new.items()):
                changed = True
                for key, value in new.items():
                    setattr(text, key, value)
        source = next((t for t in row.texts if t.lang == (row.source_lang or "pl")), None)
        for text in retranslated:
            text.source_revision = source.revision if source is not None else 1
        if row in session.new:
            pass
        elif changed:
            updated += 1
        else:
            unchanged += 1
        await session.flush()
        for i, child in enumerate(node.children):
            await upsert(child, row, i)

    for i, root in enumerate(roots):
        await upsert(root, None, i)
    retired = await repo.retire_except(seen)
    version = await repo.bump_version() if (created or updated or retired) else await repo.version()
    await session.commit()
    return ImportResult(created, updated, unchanged, retired, version)


def _node_from_row(row: FaqNode) -> Node:
    texts = {t.lang: t for t in row.texts}
    return Node(
        slug=row.slug,
        kind=row.kind,
        titles={lang: t.title for lang, t in texts.items() if t.title},
        bodies={lang: t.body for lang, t in texts.items() if t.body},
        details={lang: t.details for lang, t in texts.items() if t.body and t.details},
        keywords={lang: list(t.keywords or []) for lang, t in texts.items()},
        sources=list(row.sources or []),
        reviewed=row.reviewed,
        review_every_days=row.review_every_days,
        review_status=row.review_status,
        review_note=row.review_note,
        icon=row.icon,
    )


async def load_catalog(session: AsyncSession) -> FaqCatalog:
    repo = ContentRepository(session)
    version = await repo.version()
    rows = await repo.all_nodes()
    nodes = {row.id: _node_from_row(row) for row in rows}
    roots: list[Node] = []
    for row in sorted(rows, key=lambda r: r.position):
        node = nodes[row.id]
        if row.parent_id is None:
            roots.append(node)
        elif row.parent_id in nodes:
            parent = nodes[row.parent_id]
            node.parent = parent
            parent.children.append(node)
    return FaqCatalog.from_roots(version, roots)


def build_index(catalog: FaqCatalog) -> SearchIndex:
    docs: list[SearchDoc] = []
    for answer in catalog.answers():
        path = tuple(answer.path())
        for lang in LANGUAGES:
            body = answer.body(lang)
            if body is None:
                continue
            more = answer.more(lang)
            # Details are searchable too: a legal basis or an office's street is often
            # what people type.
            text = f"{body.text}\n{more.text}" if more is not None else body.text
            ancestors = []
            parent = answer.parent
            while parent is not None:
                ancestors.append(parent.title(lang).text)
                parent = parent.parent
            docs.append(
                SearchDoc(
                    slug=answer.slug,
                    lang=lang,
                    title=answer.title(lang).text,
                    body=text,
                    keywords=tuple(answer.keywords.get(lang, [])),
                    path=path,
                    section_titles=tuple(ancestors),
                )
            )
    return SearchIndex.build(docs)


class ContentStore:
    """The live catalog and search index for a running bot.

    A change made in this process calls `reload()`; a change made elsewhere (an import from
    the CLI, another worker) is noticed by a cheap version check at most every
    `refresh_seconds`, so no restart is ever needed.
    """

    def __init__(self, sessions: async_sessionmaker, refresh_seconds: float = 5.0) -> None:
        self._sessions = sessions
        self._refresh = refresh_seconds
        self._catalog = FaqCatalog(version=-1, roots=[], by_slug={})
        self._index = SearchIndex.build([])
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def catalog(self) -> FaqCatalog:
        return self._catalog

    @property
    def index(self) -> SearchIndex:
        return self._index

    async def reload(self) -> FaqCatalog:
        async with self._lock:
            async with self._sessions() as session:
                catalog = await load_catalog(session)
            index = await asyncio.to_thread(build_index, catalog)
            self._catalog, self._index = catalog, index
            self._checked_at = time.monotonic()
            log.info("content loaded: version %s, %s answers", catalog.version, len(catalog.answers()))
            return catalog

    async def is_empty(self) -> bool:
        async with self._sessions() as session:
            return await ContentRepository(session).count_nodes() == 0

    async def current(self) -> FaqCatalog:
        if time.monotonic() - self._checked_at >= self._refresh:
            self._checked_at = time.monotonic()
            async with self._sessions() as session:
                version = await ContentRepository(session).version()
            if version != self._catalog.version:
                await self.reload()
        return self._catalog

    async def search(self, query: str, lang: str, limit: int = 5) -> list[SearchHit]:
        await self.current()
        return self._index.search(query, lang, limit=limit)

    async def record_rating(self, slug: str, value: int) -> bool:
        async with self._sessions() as session:
            repo = ContentRepository(session)
            row = await repo.node_by_slug(slug)
            if row is None or row.retired or row.kind != "answer":
                return False
            await repo.add_rating(row.id, 1 if value > 0 else -1, _today())
            await session.commit()
        return True

    async def record_gap(self, query: str, lang: str) -> None:
        text = normalise_gap(query)
        if not text:
            return
        async with self._sessions() as session:
            await ContentRepository(session).add_gap(lang, text, _today())
            await session.commit()

    async def import_dir(self, path: Path) -> ImportResult:
        # Parsing is CPU-bound: off the event loop, which may be serving the bot.
        roots, errors = await asyncio.to_thread(load_dir, path)
        if errors:
            raise ContentError(errors)
        async with self._sessions() as session:
            result = await import_roots(session, roots)
        await self.reload()
        return result

    async def export_dir(self, path: Path) -> list[Path]:
        async with self._sessions() as session:
            catalog = await load_catalog(session)
        return dump_dir(catalog.roots, path)


_SPACES = re.compile(r"\s+")


def normalise_gap(query: str) -> str:
    """The stored form of a search that found nothing: personal data redacted (before the
    cut, so no half number survives it), spaces collapsed, lower case."""
    return _SPACES.sub(" ", redact(query)).strip().lower()[:MAX_GAP_QUERY]
