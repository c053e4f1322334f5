"""Database access for FAQ content. Repositories flush; the calling service commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ContentGap, ContentState, FaqNode, FaqText, Rating


class ContentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def version(self) -> int:
        value = await self.session.scalar(select(ContentState.version).where(ContentState.id == 1))
        return int(value or 0)

    async def bump_version(self) -> int:
        state = await self.session.get(ContentState, 1)
        if state is None:
            state = ContentState(id=1, version=1)
            self.session.add(state)
        else:
            state.version += 1
            state.changed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        await self.session.flush()
        return state.version

    async def all_nodes(self, include_retired: bool = False) -> list[FaqNode]:
        stmt = select(FaqNode).order_by(FaqNode.parent_id.is_not(None), FaqNode.position)
        if not include_retired:
            stmt = stmt.where(FaqNode.retired.is_(False))
        return list((await self.session.scalars(stmt)).all())

    async def node_by_slug(self, slug: str) -> FaqNode | None:
        return await self.session.scalar(select(FaqNode).where(FaqNode.slug == slug))

    async def count_nodes(self) -> int:
        return int(await self.session.scalar(select(func.count(FaqNode.id))) or 0)

    async def retire_except(self, keep: set[str]) -> int:
        result = await self.session.execute(
            update(FaqNode)
            .where(FaqNode.slug.not_in(keep) if keep else True, FaqNode.retired.is_(False))
            .values(retired=True)
        )
        return result.rowcount or 0

    async def add_rating(self, node_id: int, value: int, day: dt.date) -> None:
        self.session.add(Rating(node_id=node_id, value=value, day=day))
        await self.session.flush()

    async def rating_totals(self, node_id: int) -> tuple[int, int]:
        rows = (
            await self.session.execute(
                select(Rating.value, func.count()).where(Rating.node_id == node_id).group_by(Rating.value)
            )
        ).all()
        counts = {value: n for value, n in rows}
        return counts.get(1, 0), counts.get(-1, 0)

    async def add_gap(self, lang: str, query: str, day: dt.date) -> None:
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(ContentGap).values(lang=lang, query=query, count=1, first_seen=day, last_seen=day)
        stmt = stmt.on_conflict_do_update(
            index_elements=[ContentGap.lang, ContentGap.query],
            set_={"count": ContentGap.count + 1, "last_seen": day},
        )
        await self.session.execute(stmt)

    async def gaps(self, limit: int = 100) -> list[ContentGap]:
        stmt = select(ContentGap).order_by(ContentGap.count.desc(), ContentGap.last_seen.desc())
        return list((await self.session.scalars(stmt.limit(limit))).all())

    def new_node(self, **values) -> FaqNode:
        node = FaqNode(**values)
        self.session.add(node)
        return node

    def new_text(self, node: FaqNode, lang: str) -> FaqText:
        text = FaqText(lang=lang, title="")
        node.texts.append(text)
        return text
