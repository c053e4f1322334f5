"""What staff need to see about the FAQ tree: the tree with translation status per language,
everything needing translation, answers due for review, search gaps and ratings.

Translation status of a language on a node:
- "source": the language the node is written in;
- "missing": no text (an answer also needs its body, and its details when the source
  language has them);
- "outdated": the source text changed after the translation was made (its revision is newer
  than the revision the translation records);
- "current": up to date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import LANGUAGES
from bot.content.repository import ContentRepository
from bot.db.models import ContentGap, FaqNode, Rating

STATUS_LABELS = {"source": "source", "missing": "missing", "outdated": "outdated",
                 "current": "up to date"}


def translation_status(node: FaqNode, lang: str) -> str:
    texts = {t.lang: t for t in node.texts}
    text = texts.get(lang)
    if text is None or not text.title or (node.kind == "answer" and not text.body):
        return "missing"
    if lang == node.source_lang:
        return "source"
    source = texts.get(node.source_lang)
    if node.kind == "answer" and source is not None and source.details and not text.details:
        return "missing"
    if source is None:
        return "current"
    if text.source_revision is None or text.source_revision < source.revision:
        return "outdated"
    return "current"


@dataclass
class TreeRow:
    node: FaqNode
    depth: int
    path: list[str]  # slugs from the root
    parent_slug: str | None
    hidden: bool  # retired, or inside a retired section
    titles: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    children: int = 0

    @property
    def slug(self) -> str:
        return self.node.slug

    def title(self) -> str:
        for lang in (self.node.source_lang, *LANGUAGES):
            if self.titles.get(lang):
                return self.titles[lang]
        return self.node.slug


async def tree(session: AsyncSession) -> list[TreeRow]:
    """Every node, retired ones too, depth-first in the bot's order."""
    nodes = await ContentRepository(session).all_nodes(include_retired=True)
    kids: dict[int | None, list[FaqNode]] = {}
    for node in nodes:
        kids.setdefault(node.parent_id, []).append(node)
    for group in kids.values():
        group.sort(key=lambda n: (n.position, n.id))
    rows: list[TreeRow] = []

    def walk(node: FaqNode, depth: int, path: list[str], parent: FaqNode | None,
             hidden: bool) -> None:
        hidden = hidden or node.retired
        here = [*path, node.slug]
        rows.append(TreeRow(
            node=node, depth=depth, path=here, parent_slug=parent.slug if parent else None,
            hidden=hidden, titles={t.lang: t.title for t in node.texts},
            status={lang: translation_status(node, lang) for lang in LANGUAGES},
            children=len(kids.get(node.id, [])),
        ))
        for child in kids.get(node.id, []):
            walk(child, depth + 1, here, node, hidden)

    for root in kids.get(None, []):
        walk(root, 0, [], None, False)
    return rows


async def needing_translation(session: AsyncSession) -> list[tuple[TreeRow, str, str]]:
    """(row, language, "missing" | "outdated") for every live node."""
    return [(row, lang, row.status[lang]) for row in await tree(session) if not row.hidden
            for lang in LANGUAGES if row.status[lang] in ("missing", "outdated")]


@dataclass(frozen=True)
class ReviewItem:
    row: TreeRow
    due: dt.date | None
    reason: str  # "due" | "check" | "never"


async def review_due(session: AsyncSession, today: dt.date) -> list[ReviewItem]:
    items = []
    for row in await tree(session):
        node = row.node
        if row.hidden or node.kind != "answer":
            continue
        if node.review_status == "check":
            due = (node.reviewed + dt.timedelta(days=node.review_every_days)
                   if node.reviewed else None)
            items.append(ReviewItem(row, due, "check"))
        elif node.reviewed is None:
            items.append(ReviewItem(row, None, "never"))
        else:
            due = node.reviewed + dt.timedelta(days=node.review_every_days)
            if due < today:
                items.append(ReviewItem(row, due, "due"))
    return sorted(items, key=lambda i: (i.reason != "check", i.due or dt.date.min))


async def gaps(session: AsyncSession, lang: str | None = None, limit: int = 200) -> list[ContentGap]:
    stmt = select(ContentGap)
    if lang:
        stmt = stmt.where(ContentGap.lang == lang)
    stmt = stmt.order_by(ContentGap.count.desc(), ContentGap.last_seen.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


@dataclass(frozen=True)
class RatingRow:
    slug: str
    title: str
    up: int
    down: int
    retired: bool

    @property
    def total(self) -> int:
        return self.up + self.down

    @property
    def share_up(self) -> int:
        return round(100 * self.up / self.total) if self.total else 0


async def ratings(session: AsyncSession, since: dt.date | None = None) -> list[RatingRow]:
    up = func.sum(case((Rating.value > 0, 1), else_=0))
    down = func.sum(case((Rating.value < 0, 1), else_=0))
    stmt = select(Rating.node_id, up, down).group_by(Rating.node_id)
    if since:
        stmt = stmt.where(Rating.day >= since)
    totals = {node_id: (int(u or 0), int(d or 0)) for node_id, u, d in (await session.execute(stmt)).all()}
    if not totals:
        return []
    nodes = (await session.scalars(select(FaqNode).where(FaqNode.id.in_(totals)))).all()
    rows = []
    for node in nodes:
        title = next((t.title for t in sorted(node.texts, key=lambda t: t.lang != node.source_lang)
                      if t.title), node.slug)
        u, d = totals[node.id]
        rows.append(RatingRow(node.slug, title, u, d, node.retired))
    return sorted(rows, key=lambda r: (-r.down, -r.total, r.slug))

