"""The content import under attack (outside pentest, "one editor's upload stops the whole
service"): zip bombs, lying zip headers, too many entries, YAML aliases (billion laughs),
deep nesting and huge trees are refused with a plain message and nothing is imported; a
large legal import is parsed while the bot and /healthz keep answering."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import tracemalloc
import zipfile

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from bot.content.editor import EditError
from bot.content.safe_yaml import MAX_DEPTH, MAX_LEVELS, MAX_NODES
from bot.content.service import ContentError
from bot.content.unpack import MAX_TOTAL_BYTES, MAX_ZIP_ENTRIES
from bot.content.yaml_io import MAX_FILE_BYTES, MAX_FIRST_SCREEN
from bot.db.models import FaqNode
from tests.panel_client import build_env, post_form

PAGE = "/panel/content/transfer"
MB = 1_000_000

# A topic that is valid in every way; the attacks below hide in it.
TOPIC = """\
slug: extra
title: {{pl: Dodatkowe, en: Extra}}
children:
  - slug: extra-one
    title: {{pl: Jeden, en: One}}
    body: {{pl: Tekst., en: Text.}}
    sources: [https://example.org/a]
    reviewed: 2026-01-10
    keywords:
      pl: {keywords}
"""


def topic(keywords: str = "[jeden]", prefix: str = "") -> bytes:
    return (prefix + TOPIC.format(keywords=keywords)).encode()


def make_zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


async def _upload(env, name: str, data: bytes, kind: str = "application/zip") -> httpx.Response:
    async with env.login("editor") as client:
        return await post_form(client, PAGE, {}, files={"files": (name, data, kind)}, page=PAGE)


async def _node_count(env) -> int:
    async with env.panel.sessions() as session:
        return await session.scalar(select(func.count(FaqNode.id)))


async def _refused(env, name: str, data: bytes, kind: str = "application/zip"
                   ) -> tuple[str, int]:
    """Upload; assert it was refused with nothing imported. Returns the page and the peak of
    Python memory allocated while the upload was handled."""
    before = (await _node_count(env), env.panel.content.catalog.version)
    tracemalloc.start()
    try:
        response = await asyncio.wait_for(_upload(env, name, data, kind), timeout=60)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400, response.text[-2000:]
    assert "Nothing was imported" in response.text
    assert (await _node_count(env), env.panel.content.catalog.version) == before
    assert env.panel.content.catalog.get("extra") is None
    return response.text, peak


# ---------------------------------------------------------------- zips


async def test_a_valid_topic_in_a_zip_is_imported(env):
    """The baseline the attacks below are variations of."""
    response = await _upload(env, "extra.zip", make_zip([("extra.yaml", topic())]))
    assert response.status_code == 200 and "2 new" in response.text
    assert env.panel.content.catalog.get("extra-one").keywords["pl"] == ["jeden"]


@pytest.mark.parametrize("entries, message", [
    # One 40 MB file (the finding: 307 KB holding 300 MB).
    ([("work.yaml", bytes(40 * MB))], "work.yaml is 40.0 MB; a topic file may be at most 1 MB"),
    # Many files each under the per-file cap, together over the total.
    ([(f"t{i}.yaml", bytes(MAX_FILE_BYTES)) for i in range(12)],
     "the topic files come to 12.0 MB unpacked; at most 10 MB"),
], ids=["one-huge-file", "many-large-files"])
async def test_zip_bomb_is_refused_before_it_is_unpacked(env, entries, message):
    bomb = make_zip(entries)
    assert len(bomb) < 100_000 and sum(len(d) for _, d in entries) > MAX_TOTAL_BYTES
    page, peak = await _refused(env, "bomb.zip", bomb)
    assert message in page
    # Nothing was unpacked: the handling needed a few uploads' worth of memory, not 10+ MB.
    assert peak < 5 * MB, peak


def _lie_about_size(data: bytes, name: bytes, claimed: int) -> bytes:
    """Rewrite the uncompressed size of entry `name`, in its local header and in the
    central directory, to `claimed`."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    assert out[local + 30:local + 30 + len(name)] == name
    struct.pack_into("<I", out, local + 22, claimed)
    central = out.find(b"PK\x01\x02")
    assert out[central + 46:central + 46 + len(name)] == name
    struct.pack_into("<I", out, central + 24, claimed)
    return bytes(out)


async def test_a_zip_whose_directory_understates_a_size_is_refused(env):
    """The header says 600 KB, the data unpacks to 40 MB: only what was declared is ever
    unpacked, and the mismatch is reported as a damaged file."""
    honest = make_zip([("extra.yaml", topic(prefix="#" + " " * (40 * MB) + "\n"))])
    lying = _lie_about_size(honest, b"extra.yaml", 600_000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("extra.yaml").file_size == 600_000
    page, peak = await _refused(env, "lying.zip", lying)
    assert "lying.zip: extra.yaml is damaged" in page
    assert peak < 5 * MB, peak


async def test_a_zip_with_too_many_entries_is_refused_before_reading_them(env):
    entries = [("extra.yaml", topic())]
    entries += [(f"notes/{i}.txt", b"") for i in range(MAX_ZIP_ENTRIES)]
    page, _peak = await _refused(env, "many.zip", make_zip(entries))
    assert f"many.zip holds {MAX_ZIP_ENTRIES + 1} files and folders; a zip may hold at most " \
           f"{MAX_ZIP_ENTRIES}" in page


# ---------------------------------------------------------------- YAML shapes


def billion_laughs(levels: int = 5, width: int = 10) -> str:
    """`&a0 [lol x10]`, `&a1 [*a0 x10]`, ...: 10**levels strings once expanded."""
    lines = [f"x-laughs-0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"x-laughs-{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


async def test_billion_laughs_is_refused_at_the_first_anchor(env):
    """Unknown keys are ignored and keywords are turned into text, so before the fix this
    file imported (a keyword of 100,000 'lol's, built and checked on the event loop)."""
    data = topic(keywords=f"[{', '.join(['*a4'] * 10)}]", prefix=billion_laughs())
    assert len(data) < 1000
    page, peak = await _refused(env, "extra.yaml", data, "application/yaml")
    assert "extra.yaml: line 1: anchors and aliases (&amp; and *) are not allowed" in page
    assert peak < 5 * MB, peak


async def test_deep_nesting_is_refused(env):
    """Before the fix, 5000 nested lists ended in RecursionError (a 500)."""
    deep = "[" * 5000 + "x" + "]" * 5000
    page, _peak = await _refused(env, "extra.yaml", topic(keywords=deep), "application/yaml")
    assert f"extra.yaml: line 10: nested too deeply (more than {MAX_DEPTH} levels)" in page


def deep_topic(levels: int) -> bytes:
    """A valid topic `levels` deep: sections down to one answer with keywords."""
    node: dict = yaml.safe_load(topic())["children"][0]
    for level in range(levels - 1, 0, -1):
        node = {"slug": f"extra-{level}", "title": {"en": f"Level {level}"}, "children": [node]}
    node["slug"] = "extra"
    return yaml.safe_dump(node).encode()


async def test_the_faq_tree_may_have_max_levels(env):
    """Valid trees, but deeper than anyone can navigate in Telegram: before the fix any
    depth was imported (and 1000 levels would have been a RecursionError)."""
    page, _peak = await _refused(env, "extra.yaml", deep_topic(MAX_LEVELS + 1),
                                 "application/yaml")
    assert f"the FAQ tree may have at most {MAX_LEVELS} levels" in page
    response = await _upload(env, "extra.yaml", deep_topic(MAX_LEVELS), "application/yaml")
    assert response.status_code == 200, response.text[-2000:]
    assert env.panel.content.catalog.get("extra-one").path()[-1] == "extra-one"
    assert len(env.panel.content.catalog.get("extra-one").path()) == MAX_LEVELS


async def test_the_panel_editor_keeps_to_the_same_depth_so_exports_import_again(env):
    editor = env.panel.editor
    parent = None
    for level in range(1, MAX_LEVELS + 1):
        await editor.add_node("test", parent_slug=parent, slug=f"deep-{level}", kind="section",
                              lang="en", title=f"Level {level}")
        parent = f"deep-{level}"
    with pytest.raises(EditError, match=f"at most {MAX_LEVELS} levels; this would make 11"):
        await editor.add_node("test", parent_slug=parent, slug="deep-11", kind="answer",
                              lang="en", title="Too deep", body="Text.",
                              sources=["https://example.org/"])
    # Moving a 2-level section under level 9 would put its answer at level 11.
    await editor.add_node("test", parent_slug=None, slug="side", kind="section", lang="en",
                          title="Side")
    await editor.add_node("test", parent_slug="side", slug="side-answer", kind="answer",
                          lang="en", title="Answer", body="Text.", sources=["https://example.org/"])
    with pytest.raises(EditError, match="this would make 11"):
        await editor.move("test", "side", f"deep-{MAX_LEVELS - 1}", None)
    await editor.move("test", "side-answer", f"deep-{MAX_LEVELS - 1}", None)  # level 10: fine
    # Empty sections are refused by the import (an older rule): retire them first.
    await editor.set_retired("test", f"deep-{MAX_LEVELS}", True)
    await editor.set_retired("test", "side", True)
    _name, data = await env.panel.transfer.export_zip()
    result = await env.panel.transfer.import_files("test", [("all.zip", data)])
    assert result.created == 0
    assert len(env.panel.content.catalog.get("side-answer").path()) == MAX_LEVELS


async def test_too_many_values_in_one_file_are_refused(env):
    words = ", ".join(f"w{i}" for i in range(MAX_NODES))  # legal size: about 150 KB
    data = topic(keywords=f"[{words}]")
    assert len(data) < MAX_FILE_BYTES
    page, _peak = await _refused(env, "extra.yaml", data, "application/yaml")
    assert f"extra.yaml: line 10: more than {MAX_NODES:,} values in one file" in page


async def test_the_cli_import_refuses_a_file_over_the_cap_before_reading_it(env, tmp_path):
    """`python -m bot content import DIR` goes through ContentStore.import_dir."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "extra.yaml").write_bytes(topic(keywords="[" + "a" * (2 * MB) + "]"))
    (src / "laughs.yaml").write_bytes(topic(prefix=billion_laughs()).replace(b"extra", b"laughs"))
    with pytest.raises(ContentError) as refused:
        await env.panel.content.import_dir(src)
    assert "extra.yaml: 2.0 MB; a topic file may have at most 1 MB" in str(refused.value)
    assert "laughs.yaml: line 1: anchors and aliases" in str(refused.value)
    assert env.panel.content.catalog.get("extra") is None


# ---------------------------------------------------------------- the service keeps answering


def large_topic(number: int, answers: int = 100) -> bytes:
    """A valid topic of just under MAX_FILE_BYTES: `answers` answers with a first screen and
    details near their length limits in three languages."""
    text = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 50)[:2300]
    short = text[:MAX_FIRST_SCREEN]
    topic = {"slug": f"big{number}", "title": {"en": f"Big {number}"}, "children": [
        {"slug": f"big{number}-{i}", "title": {"en": f"Answer {i}"},
         "body": {"pl": short, "uk": short, "en": short},
         "details": {"pl": text, "uk": text, "en": text},
         "sources": ["https://example.org/"], "reviewed": "2026-01-10"}
        for i in range(answers)]}
    data = yaml.safe_dump(topic, allow_unicode=True, width=100).encode()
    assert MAX_FILE_BYTES * 0.8 < len(data) < MAX_FILE_BYTES
    return data


async def test_health_check_and_bot_answer_during_a_large_import(bot, sandbox):
    """The whole bot on its web port; a legal import of about 4.4 MB (five topic files near
    the per-file cap) is uploaded to the panel while /healthz is polled and a user writes
    to the bot. Before the fix the parsing held the event loop for several seconds."""
    from tests.browser import create_staff, wait_for_web

    await wait_for_web(bot)
    staff = await create_staff(bot, "editor@example.org", "editor")
    archive = make_zip([(f"big{n}.yaml", large_topic(n)) for n in range(5)])
    base = f"http://127.0.0.1:{bot.settings.web_port}"
    async with httpx.AsyncClient(base_url=base, timeout=120) as editor, \
            httpx.AsyncClient(base_url=base, timeout=30) as probe:
        login = await post_form(editor, "/panel/login",
                                {"email": staff.email, "password": staff.password})
        assert login.status_code == 303
        token = (await editor.get(PAGE)).text.split('name="csrf_token" value="')[1].split('"')[0]
        upload = asyncio.create_task(editor.post(
            PAGE, data={"csrf_token": token},
            files={"files": ("big.zip", archive, "application/zip")}))
        latencies: list[float] = []
        answered_during_import = False
        while not upload.done():
            started = time.perf_counter()
            health = await probe.get("/healthz")
            latencies.append(time.perf_counter() - started)
            assert health.json() == {"status": "ok"}
            if len(latencies) == 5:
                user = sandbox.user(4242, language_code="en")
                await user.send_command("start")
                answered_during_import = not upload.done()
                assert user.chat.last_bot_message().buttons()
            await asyncio.sleep(0.05)
        response = await upload
    assert response.status_code == 200 and "505 new" in response.text, response.text[-2000:]
    assert bot.app.content.catalog.get("big4-99") is not None
    assert answered_during_import, "the import ended before the bot was asked"
    # Served all along: a loop held by the parsing would answer a handful of polls at most.
    # How long each poll took is a speed figure, not a pass/fail one (machines here are shared).
    assert len(latencies) >= 10, latencies
