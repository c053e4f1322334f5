"""YAML import (uploaded files or a zip) and export (a zip) of the whole FAQ tree, for the
panel. The files are the ones `python -m bot content import|export` reads and writes; the
limits on what an upload may hold are in bot/content/unpack.py and bot/content/safe_yaml.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.content.editor import EditError
from bot.content.model import Node
from bot.content.service import ContentStore, ImportResult, import_roots, load_catalog
from bot.content.unpack import topic_files
from bot.content.yaml_io import dump_dir, load_files
from bot.i18n import Translatable, lazy_plural
from bot.staff import audit

MAX_PROBLEMS_SHOWN = 50  # a broken 10 MB upload can have tens of thousands


def _read_upload(uploads: list[tuple[str, bytes]]) -> tuple[list[str], list[Node]]:
    """Unpack, parse and check every file: file names and roots, or EditError. CPU-bound."""
    files = topic_files(uploads)
    roots, errors = load_files(files)
    if errors:
        shown: list[str | Translatable] = [*errors[:MAX_PROBLEMS_SHOWN]]
        if len(errors) > len(shown):
            shown.append(lazy_plural("... and {n} more problem.", "... and {n} more problems.",
                                     len(errors) - len(shown)))
        raise EditError(shown)
    return sorted(files), roots


class ContentTransfer:
    def __init__(self, sessions: async_sessionmaker, store: ContentStore) -> None:
        self._sessions = sessions
        self.store = store
        # One import at a time: each is a worker thread's worth of CPU and up to
        # MAX_TOTAL_BYTES of memory, and two imports at once would race on the tree anyway.
        self._importing = asyncio.Lock()

    async def import_files(self, actor: str, uploads: list[tuple[str, bytes]], *,
                           retire_missing: bool = False) -> ImportResult:
        """Check every file first; import nothing if any has an error. Topics missing from
        the upload are kept unless `retire_missing` (then it replaces the whole tree).

        Unpacking, parsing and checking run in a worker thread, so the bot and the panel
        keep answering during the largest import allowed."""
        async with self._importing:
            names, roots = await asyncio.to_thread(_read_upload, uploads)
            async with self._sessions() as session:
                if not retire_missing:
                    current = (await load_catalog(session)).roots
                    uploaded = {root.slug: root for root in roots}
                    merged = [uploaded.pop(root.slug, root) for root in current]
                    roots = merged + [root for root in roots if root.slug in uploaded]
                # Recorded first: import_roots commits the entry together with the content.
                await audit.record(session, actor=actor, action="content.import",
                                   entity="faq_import",
                                   after={"files": names, "retire_missing": retire_missing})
                result = await import_roots(session, roots)
            await self.store.reload()
        return result

    async def export_zip(self) -> tuple[str, bytes]:
        async with self._sessions() as session:
            catalog = await load_catalog(session)
        # YAML dumping is CPU-bound too (seconds for the largest tree an import allows).
        data = await asyncio.to_thread(_zip_roots, catalog.roots)
        return f"belong-content-{dt.date.today().isoformat()}.zip", data


def _zip_roots(roots: list[Node]) -> bytes:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        written = dump_dir(roots, Path(tmp))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in written:
                archive.write(file, arcname=file.name)
    return buffer.getvalue()
