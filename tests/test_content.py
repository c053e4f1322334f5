"""Bundled content, YAML import/export and the staff CLI (`python -m bot content ...`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import LANGUAGES, PROJECT_ROOT
from bot.content.model import FaqCatalog
from bot.content.service import ContentError, ContentStore, load_catalog
from bot.content.yaml_io import check, html_problems, load_dir
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.db.models import Rating

CONTENT = PROJECT_ROOT / "content"
ROOTS = ["work", "housing", "health", "language", "education", "legal-stay", "social-help",
         "emergency"]
BIG_ROOTS = {"work", "housing", "health", "language", "education"}


def test_bundled_content_is_complete_and_sourced():
    roots, errors = load_dir(CONTENT)
    assert errors == []
    catalog = FaqCatalog.from_roots(0, roots)
    assert [r.slug for r in roots if r.slug in ROOTS] and {r.slug for r in roots} >= set(ROOTS)
    for root in roots:
        answers = root.answers()
        assert len(answers) >= (6 if root.slug in BIG_ROOTS else 3), root.slug
        for answer in answers:
            for lang in LANGUAGES:
                assert answer.titles.get(lang), (answer.slug, lang)
                assert answer.bodies.get(lang), (answer.slug, lang)
            assert answer.sources and all(s.startswith("http") for s in answer.sources)
            assert answer.reviewed is not None
            if answer.review_status == "check":
                assert answer.review_note
    report = check(roots, dt.date(2026, 11, 26))
    assert report.missing == []
    assert len(catalog.by_slug) == sum(1 for _ in catalog.by_slug.values())


def _write(tmp: Path, name: str, text: str) -> None:
    (tmp / name).write_text(textwrap.dedent(text), encoding="utf-8")


MINI = """
    slug: mini
    title: {pl: Mini, uk: Міні, en: Mini}
    children:
      - slug: mini-one
        title: {pl: Jeden, uk: Один, en: One}
        body:
          pl: Tekst <b>pierwszy</b>.
          uk: Текст <b>перший</b>.
          en: Text <b>one</b>.
        sources: [https://example.org/a]
        reviewed: 2026-01-10
      - slug: mini-two
        title: {pl: Dwa, en: Two}
        body:
          pl: Tekst drugi.
          en: Text two.
        sources: [https://example.org/b]
        reviewed: 2020-01-01
        review_status: check
        review_note: figure to confirm
"""


@pytest.fixture
async def store(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    yield ContentStore(create_session_factory(engine), refresh_seconds=0)
    await engine.dispose()


async def test_import_is_idempotent_and_keeps_ratings(tmp_path, store):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "mini.yaml", MINI)
    first = await store.import_dir(src)
    assert (first.created, first.updated) == (3, 0)
    again = await store.import_dir(src)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.version == first.version

    assert await store.record_rating("mini-one", 1)
    _write(src, "mini.yaml", MINI.replace("Text <b>one</b>.", "Text <b>one</b>, updated."))
    changed = await store.import_dir(src)
    assert (changed.created, changed.updated) == (0, 1)
    assert changed.version > first.version
    catalog = store.catalog
    assert catalog.get("mini-one").bodies["en"] == "Text <b>one</b>, updated."
    async with store._sessions() as session:
        assert await session.scalar(select(func.count(Rating.id))) == 1


async def test_removed_node_is_retired_not_deleted(tmp_path, store):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "mini.yaml", MINI)
    await store.import_dir(src)
    await store.record_rating("mini-two", -1)
    trimmed = MINI[: MINI.index("      - slug: mini-two")]
    _write(src, "mini.yaml", trimmed)
    result = await store.import_dir(src)
    assert result.retired == 1
    assert store.catalog.get("mini-two") is None
    async with store._sessions() as session:
        assert await session.scalar(select(func.count(Rating.id))) == 1


async def test_export_round_trip(tmp_path, store):
    await store.import_dir(CONTENT)
    out = tmp_path / "out"
    files = await store.export_dir(out)
    assert {f.stem for f in files} >= set(ROOTS)
    roots_a, errors = load_dir(out)
    assert errors == []
    roots_b, _ = load_dir(CONTENT)
    a = FaqCatalog.from_roots(0, roots_a)
    b = FaqCatalog.from_roots(0, roots_b)
    assert a.by_slug.keys() == b.by_slug.keys()
    for slug, node in b.by_slug.items():
        other = a.by_slug[slug]
        assert (other.titles, other.bodies, other.sources, other.reviewed) == (
            node.titles, node.bodies, node.sources, node.reviewed)
    assert [r.slug for r in roots_a] == [r.slug for r in roots_b]


async def test_import_refuses_broken_content_and_changes_nothing(tmp_path, store):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "mini.yaml", MINI)
    await store.import_dir(src)
    _write(src, "mini.yaml", MINI.replace("Text <b>one</b>.", "Text <b>one.").replace(
        "slug: mini-two", "slug: mini-one"))
    with pytest.raises(ContentError) as info:
        await store.import_dir(src)
    assert "unclosed <b>" in str(info.value)
    assert "duplicate slug “mini-one”" in str(info.value)
    async with store._sessions() as session:
        catalog = await load_catalog(session)
    assert catalog.get("mini-one").bodies["en"] == "Text <b>one</b>."


LINKS_REFUSED = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                 "&#106;avascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x",
                 "//example.org", "example.org"]
LINKS_ALLOWED = ["https://example.org/a?b=1", "http://example.org", "tel:+48 58 123 45 67",
                 "tel:112", "mailto:info@example.org"]


@pytest.mark.parametrize("href", LINKS_REFUSED + LINKS_ALLOWED)
def test_body_links_only_to_the_web_a_phone_or_an_email(href):
    problems = html_problems(f'Call <a href="{href}">here</a>.')
    if href in LINKS_ALLOWED:
        assert problems == []
    else:
        assert len(problems) == 1 and "must start with https://, http://, tel: or mailto:" \
            in str(problems[0]), problems


async def test_import_refuses_a_javascript_link_in_a_body(tmp_path, store):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "mini.yaml", MINI.replace("Text <b>one</b>.",
                                          'Text <a href="javascript:alert(1)">one</a>.'))
    with pytest.raises(ContentError) as info:
        await store.import_dir(src)
    assert ("mini.yaml:mini-one: en body: link “javascript:alert(1)” must start with "
            "https://, http://, tel: or mailto:") in str(info.value)
    assert store.catalog.get("mini-one") is None


def test_fallback_languages():
    roots, _ = load_dir(CONTENT)
    node = FaqCatalog.from_roots(0, roots).answers()[0]
    node.bodies = {"pl": "PL", "en": "EN"}
    got = node.body("uk")
    assert (got.text, got.lang, got.fallback) == ("EN", "en", True)
    node.bodies = {"pl": "PL"}
    assert node.body("uk").lang == "pl"
    assert node.body("en").lang == "pl"
    node.bodies = {"en": "EN"}
    assert node.body("pl").lang == "en"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def cli_env(tmp_path):
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env["LOG_LEVEL"] = "WARNING"
    env.pop("BOT_TOKEN", None)
    return env


def test_cli_check_reports_and_exit_codes(tmp_path, cli_env):
    good = tmp_path / "good"
    good.mkdir()
    _write(good, "mini.yaml", MINI)
    res = _cli("content", "check", str(good), env=cli_env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "MISSING mini-two: uk title" in res.stdout
    assert "REVIEW  mini-two" in res.stdout
    assert "FLAGGED mini-two: figure to confirm" in res.stdout

    bad = tmp_path / "bad"
    bad.mkdir()
    _write(bad, "mini.yaml", MINI.replace("sources: [https://example.org/b]", "sources: []"))
    res = _cli("content", "check", str(bad), env=cli_env)
    assert res.returncode == 1
    assert "ERROR" in res.stdout and "mini-two: an answer needs at least one source" in res.stdout


def test_cli_import_export_search_json(tmp_path, cli_env):
    res = _cli("content", "import", "content", env=cli_env)
    assert res.returncode == 0, res.stderr
    assert "new" in res.stdout
    res = _cli("content", "import", "content", env=cli_env)
    assert " 0 new, 0 updated" in res.stdout

    res = _cli("content", "search", "zameldowanie", "--lang", "pl", "--json", env=cli_env)
    assert res.returncode == 0, res.stderr
    items = json.loads(res.stdout)
    assert items and set(items[0]) == {"slug", "path", "title", "score"}
    assert items[0]["path"][0] == "housing" and items[0]["path"][-1] == items[0]["slug"]
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)

    res = _cli("content", "export", str(tmp_path / "exp"), env=cli_env)
    assert res.returncode == 0 and (tmp_path / "exp" / "work.yaml").exists()


def test_every_bundled_first_screen_fits_a_phone():
    """Read the YAML itself (not through the importer, which refuses long bodies) so the
    failure names every offending answer and language."""
    from bot.content import safe_yaml
    from bot.content.yaml_io import MAX_FIRST_SCREEN, visible_length

    too_long: list[str] = []
    answers = 0

    def walk(raw: dict) -> None:
        nonlocal answers
        if raw.get("body") is not None:
            answers += 1
            for lang, body in raw["body"].items():
                if (n := visible_length(str(body))) > MAX_FIRST_SCREEN:
                    too_long.append(f"{raw['slug']} ({lang}): {n}")
        for child in raw.get("children") or []:
            walk(child)

    for file in sorted(CONTENT.glob("*.yaml")):
        walk(safe_yaml.load(file.read_text(encoding="utf-8")))
    assert answers >= 60
    print("\n".join(too_long))
    assert too_long == [], f"first screen over {MAX_FIRST_SCREEN} characters: {too_long}"


DETAILED = MINI.replace("""          en: Text <b>one</b>.
        sources: [https://example.org/a]""", """          en: Text <b>one</b>.
        details:
          pl: Podstawa <b>prawna</b>, ul. Okopowa 21/27.
          uk: Правова <b>підстава</b>, вул. Окопова 21/27.
          en: Legal <b>basis</b>, Okopowa Street 21/27.
        sources: [https://example.org/a]""")


async def test_details_are_stored_exported_and_searchable(tmp_path, store):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "mini.yaml", DETAILED)
    await store.import_dir(src)
    node = store.catalog.get("mini-one")
    assert node.details["uk"] == "Правова <b>підстава</b>, вул. Окопова 21/27."
    assert node.more("uk").text.startswith("Правова")
    assert [h.slug for h in await store.search("Okopowa", "en")] == ["mini-one"]
    out = tmp_path / "out"
    await store.export_dir(out)
    roots, errors = load_dir(out)
    assert errors == []
    assert FaqCatalog.from_roots(0, roots).get("mini-one").details == node.details
    # Changing only the details is a change (a new revision the translations follow).
    _write(src, "mini.yaml", DETAILED.replace("Legal <b>basis</b>", "Legal <b>bases</b>"))
    assert (await store.import_dir(src)).updated == 1


def test_more_uses_the_language_of_the_body_shown():
    from bot.content.model import Node

    node = Node("a", "answer", {"pl": "A"}, bodies={"en": "Go."},
                details={"pl": "Szczegóły.", "en": "Details."})
    assert node.more("uk").text == "Details." and node.more("uk").fallback


async def test_import_refuses_a_first_screen_longer_than_a_phone_screen(tmp_path, store):
    from bot.content.yaml_io import MAX_FIRST_SCREEN

    src = tmp_path / "src"
    src.mkdir()
    long = "<b>Słowo</b> " * (MAX_FIRST_SCREEN // 6 + 1)  # visible: 6 characters each
    _write(src, "mini.yaml", MINI.replace("pl: Tekst <b>pierwszy</b>.", f"pl: {long}"))
    with pytest.raises(ContentError) as info:
        await store.import_dir(src)
    assert "mini-one: pl body (the first screen) has" in str(info.value)
    # Markup does not count: the same words without tags fit when they are short enough.
    fits = "<b>Słowo</b> " * (MAX_FIRST_SCREEN // 6 - 1)
    _write(src, "mini.yaml", MINI.replace("pl: Tekst <b>pierwszy</b>.", f"pl: {fits}"))
    await store.import_dir(src)
