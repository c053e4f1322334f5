"""YAML import (uploaded files or a zip) and export (a zip) of the whole FAQ tree, for the
panel. The files are the ones `python -m bot content import|export` reads and writes."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.content.editor import EditError
from bot.content.service import ContentStore, ImportResult, import_roots, load_catalog
from bot.content.yaml_io import dump_dir, load_dir
from bot.staff import audit

MAX_FILES = 200


def _yaml_files(uploads: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """name -> content, from .yaml files and the .yaml files inside zips (folders ignored)."""
    files: dict[str, bytes] = {}
    for name, data in uploads:
        base = PurePosixPath(name.replace("\\", "/")).name
        if base.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for info in archive.infolist():
                        inner = PurePosixPath(info.filename).name
                        if inner.endswith(".yaml") and not info.is_dir() and not inner.startswith("."):
                            files[inner] = archive.read(info)
            except zipfile.BadZipFile as exc:
                raise EditError(f"{base}: not a valid zip file.") from exc
        elif base.endswith((".yaml", ".yml")):
            files[base.removesuffix(".yml").removesuffix(".yaml") + ".yaml"] = data
        elif base:
            raise EditError(f"{base}: only .yaml files or a .zip of them can be imported.")
    if not files:
        raise EditError("Choose one or more .yaml files (or a .zip with them) to import.")
    if len(files) > MAX_FILES:
        raise EditError(f"At most {MAX_FILES} files at once.")
    return files


class ContentTransfer:
    def __init__(self, sessions: async_sessionmaker, store: ContentStore) -> None:
        self._sessions = sessions
        self.store = store

    async def import_files(self, actor: str, uploads: list[tuple[str, bytes]], *,
                           retire_missing: bool = False) -> ImportResult:
        """Check every file first; import nothing if any has an error. Topics missing from
        the upload are kept unless `retire_missing` (then it replaces the whole tree)."""
        files = _yaml_files(uploads)
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in files.items():
                (Path(tmp) / name).write_bytes(data)
            roots, errors = load_dir(Path(tmp))
        if errors:
            raise EditError(errors)
        async with self._sessions() as session:
            if not retire_missing:
                current = (await load_catalog(session)).roots
                uploaded = {root.slug: root for root in roots}
                merged = [uploaded.pop(root.slug, root) for root in current]
                roots = merged + [root for root in roots if root.slug in uploaded]
            # Recorded first: import_roots commits the entry together with the content.
            await audit.record(session, actor=actor, action="content.import", entity="faq_import",
                               after={"files": sorted(files), "retire_missing": retire_missing})
            result = await import_roots(session, roots)
        await self.store.reload()
        return result

    async def export_zip(self) -> tuple[str, bytes]:
        async with self._sessions() as session:
            catalog = await load_catalog(session)
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory() as tmp:
            written = dump_dir(catalog.roots, Path(tmp))
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in written:
                    archive.write(file, arcname=file.name)
        return f"belong-content-{dt.date.today().isoformat()}.zip", buffer.getvalue()
