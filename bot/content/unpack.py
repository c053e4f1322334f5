"""Uploaded `.yaml` files and `.zip` archives -> topic files by name, within fixed limits.

Deflate packs a run of one byte about 1000:1, so the panel's 10 MB upload cap says nothing
about what a zip holds: a 307 KB zip with one 300 MB file froze the whole process while it
was read and parsed. Here the limits are checked against the zip's directory before
anything is unpacked, and again against the bytes actually unpacked, because the directory
is written by whoever made the zip.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import PurePosixPath

from bot.content.editor import EditError
from bot.content.yaml_io import MAX_FILE_BYTES, megabytes
from bot.i18n import Translatable, lazy, lazy_plural

MAX_FILES = 200  # topic files in one import
MAX_ZIP_ENTRIES = 500  # everything in one zip: folders and other files too
MAX_TOTAL_BYTES = 10_000_000  # all topic files of one import together, unpacked
_CHUNK = 64 * 1024


class _Budget:
    def __init__(self) -> None:
        self.used = 0

    def left(self) -> int:
        return MAX_TOTAL_BYTES - self.used

    def too_much(self, where: str, size: int) -> EditError:
        return EditError(lazy("{where}: the topic files come to {size} unpacked; at most "
                              "{most} MB can be imported at once.", where=where,
                              size=megabytes(self.used + size), most=MAX_TOTAL_BYTES // 1_000_000))


def topic_files(uploads: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """name -> content, from .yaml files and the .yaml files inside zips (folders ignored).
    Raises EditError when a limit is passed; nothing beyond the limits is ever unpacked."""
    files: dict[str, bytes] = {}
    budget = _Budget()
    for name, data in uploads:
        base = PurePosixPath(name.replace("\\", "/")).name
        if base.lower().endswith(".zip"):
            _unzip(base, data, files, budget)
        elif base.endswith((".yaml", ".yml")):
            if len(data) > MAX_FILE_BYTES:
                raise EditError(_file_too_large(base, len(data)))
            if len(data) > budget.left():
                raise budget.too_much(base, len(data))
            budget.used += len(data)
            files[base.removesuffix(".yml").removesuffix(".yaml") + ".yaml"] = data
        elif base:
            raise EditError(lazy("{file}: only .yaml files or a .zip of them can be imported.",
                                 file=base))
        if len(files) > MAX_FILES:
            raise _too_many_files()
    if not files:
        raise EditError(lazy("Choose one or more .yaml files (or a .zip with them) to import."))
    return files


def _file_too_large(name: str, size: int) -> Translatable:
    return lazy("{file} is {size}; a topic file may be at most {most} MB.", file=name,
                size=megabytes(size), most=MAX_FILE_BYTES // 1_000_000)


def _too_many_files() -> EditError:
    return EditError(lazy("At most {most} files at once.", most=MAX_FILES))


def _unzip(base: str, data: bytes, files: dict[str, bytes], budget: _Budget) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise EditError(lazy("{file}: not a valid zip file.", file=base)) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise EditError(lazy_plural(
                "{file} holds {n} file or folder; a zip may hold at most {most}.",
                "{file} holds {n} files and folders; a zip may hold at most {most}.",
                len(entries), file=base, most=MAX_ZIP_ENTRIES))
        wanted = [(inner, info) for info in entries
                  if (inner := PurePosixPath(info.filename).name).endswith(".yaml")
                  and not info.is_dir() and not inner.startswith(".")]
        if len(files) + len(wanted) > MAX_FILES:
            raise _too_many_files()
        for inner, info in wanted:
            if info.file_size > MAX_FILE_BYTES:
                raise EditError(lazy("{file}: {problem}", file=base,
                                     problem=_file_too_large(inner, info.file_size)))
        declared = sum(info.file_size for _, info in wanted)
        if declared > budget.left():
            raise budget.too_much(base, declared)
        for inner, info in wanted:
            content = _read_entry(archive, info, f"{base}: {inner}",
                                  min(MAX_FILE_BYTES, budget.left(), info.file_size))
            budget.used += len(content)
            files[inner] = content


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int) -> bytes:
    """The entry's bytes, refused as soon as more than `limit` come out."""
    out = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                out += chunk
                if len(out) > limit:
                    raise EditError(lazy("{file} unpacks to more than the zip says; the zip is "
                                         "damaged or was made to mislead.", file=where))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise EditError(lazy("{file} is damaged: its contents do not match the zip's "
                             "directory.", file=where)) from exc
    except (NotImplementedError, RuntimeError) as exc:  # deflate64, encryption
        raise EditError(lazy("{file} cannot be unpacked ({detail}). Make the zip again "
                             "without a password, with ordinary compression.", file=where,
                             detail=str(exc))) from exc
    return bytes(out)
