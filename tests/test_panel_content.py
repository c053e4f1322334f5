"""Staff panel content pages over HTTP: editing texts reaches the bot's ContentStore at once,
translation status, add/move/retire, validation, audit entries, YAML export/import."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from sqlalchemy import select

from bot.content import overview
from bot.content.editor import EditError
from bot.db.models import AuditEntry, FaqNode, FaqText
from tests.panel_client import build_env, post_form

ANSWER = "work-who-may-work"
PAGE = f"/panel/content/node/{ANSWER}"


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


def _texts_form(node, **changes) -> dict:
    """The texts form as the browser sends it: every field as shown, some changed."""
    form = {}
    for lang in ("pl", "uk", "en"):
        form[f"title_{lang}"] = node.titles.get(lang, "")
        form[f"body_{lang}"] = node.bodies.get(lang, "")
        form[f"details_{lang}"] = node.details.get(lang, "")
        form[f"keywords_{lang}"] = ", ".join(node.keywords.get(lang, []))
    form.update(changes)
    return form


async def _status(env, slug: str) -> dict[str, str]:
    async with env.panel.sessions() as session:
        rows = await overview.tree(session)
    return next(r for r in rows if r.slug == slug).status


async def _audit(env, action: str) -> list[AuditEntry]:
    async with env.panel.sessions() as session:
        return list((await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))).all())


async def test_bundled_content_starts_translated_and_up_to_date(env):
    async with env.panel.sessions() as session:
        texts = (await session.scalars(select(FaqText))).all()
        assert texts and all(t.revision == 1 and t.source_revision == 1 for t in texts)
        assert await overview.needing_translation(session) == []


async def test_tree_shows_three_languages_side_by_side(env):
    async with env.login("editor") as client:
        page = await client.get("/panel/content")
    assert page.status_code == 200
    assert 'id="node-work"' in page.text and "Praca" in page.text and "Робота" in page.text
    assert "up to date" in page.text


async def test_editing_the_ukrainian_text_reaches_the_bot_and_is_audited(env):
    node = env.panel.content.catalog.get(ANSWER)
    old_body = node.bodies["uk"]
    new_body = "<b>Нова відповідь</b> для тесту."
    async with env.login("editor") as client:
        page = await client.get(PAGE)
        assert 'name="title_uk"' in page.text and 'name="body_uk"' in page.text
        response = await post_form(client, f"{PAGE}/texts",
                                   _texts_form(node, body_uk=new_body), page=PAGE)
        assert response.status_code == 303
        shown = await client.get(PAGE)
        assert "Saved (Ukrainian)" in shown.text and "Нова відповідь" in shown.text
    # The store the bot reads has the new text, without a restart or refresh wait.
    assert env.panel.content.catalog.get(ANSWER).bodies["uk"] == new_body
    hits = await env.panel.content.search("Нова відповідь", "uk")
    assert hits and hits[0].slug == ANSWER
    [entry] = await _audit(env, "text.edit")
    assert entry.actor == "editor@example.org" and entry.entity_id == f"{ANSWER}/uk"
    assert entry.before["body"] == old_body and entry.after["body"] == new_body
    async with env.login("editor") as client:
        log = await client.get(f"/panel/audit?entity_id={ANSWER}")
        assert "text.edit" in log.text and "Нова відповідь" in log.text


async def test_translation_goes_outdated_and_back(env):
    node = env.panel.content.catalog.get(ANSWER)
    async with env.login("editor") as client:
        response = await post_form(client, f"{PAGE}/texts", _texts_form(
            node, body_pl=node.bodies["pl"] + "\nNowe zdanie."), page=PAGE)
        assert response.status_code == 303
        assert await _status(env, ANSWER) == {"pl": "source", "uk": "outdated", "en": "outdated"}
        todo = await client.get("/panel/content/translations?lang=uk")
        assert f'data-slug="{ANSWER}" data-lang="uk" data-status="outdated"' in todo.text
        node = env.panel.content.catalog.get(ANSWER)
        response = await post_form(client, f"{PAGE}/texts", _texts_form(
            node, body_uk=node.bodies["uk"] + "\nНове речення."), page=PAGE)
        assert response.status_code == 303
        assert await _status(env, ANSWER) == {"pl": "source", "uk": "current", "en": "outdated"}
        # "Checked, still matches" brings English up to date without changing it.
        node = env.panel.content.catalog.get(ANSWER)
        response = await post_form(client, f"{PAGE}/texts", _texts_form(node, confirm_en="1"),
                                   page=PAGE)
        assert await _status(env, ANSWER) == {"pl": "source", "uk": "current", "en": "current"}
        todo = await client.get("/panel/content/translations")
        assert f'data-slug="{ANSWER}"' not in todo.text


async def test_invalid_text_is_refused_with_clear_messages(env):
    node = env.panel.content.catalog.get(ANSWER)
    async with env.login("editor") as client:
        response = await post_form(client, f"{PAGE}/texts", _texts_form(
            node, body_uk="<div>x</div> & y", title_en="x" * 61), page=PAGE)
    assert response.status_code == 400
    assert "tag &lt;div&gt; is not allowed" in response.text
    assert "Title (English): 61 characters" in response.text
    assert "&lt;div&gt;x&lt;/div&gt;" in response.text  # what they typed is kept
    assert env.panel.content.catalog.get(ANSWER).bodies["uk"] == node.bodies["uk"]
    assert await _audit(env, "text.edit") == []


async def test_details_are_edited_per_language_and_the_first_screen_is_limited(env):
    from bot.content.yaml_io import MAX_FIRST_SCREEN

    node = env.panel.content.catalog.get(ANSWER)
    async with env.login("editor") as client:
        page = await client.get(PAGE)
        assert 'name="details_uk"' in page.text and "More" in page.text
        too_long = "<b>Ważne.</b> " * (MAX_FIRST_SCREEN // 7 + 1)
        refused = await post_form(client, f"{PAGE}/texts", _texts_form(
            node, body_pl=too_long, details_en="<i>unclosed"), page=PAGE)
        assert refused.status_code == 400
        assert (f"Text (Polish), the first screen: {len(too_long.strip()) - 7 * (MAX_FIRST_SCREEN // 7 + 1)}"
                in refused.text)
        assert f"at most {MAX_FIRST_SCREEN} fit a phone screen" in refused.text
        assert "Details (English): unclosed &lt;i&gt;" in refused.text
        assert env.panel.content.catalog.get(ANSWER).bodies["pl"] == node.bodies["pl"]
        saved = await post_form(client, f"{PAGE}/texts", _texts_form(
            node, details_uk="<b>Адреса:</b> вул. Окопова 21/27, Гданськ."), page=PAGE)
        assert saved.status_code == 303
    assert env.panel.content.catalog.get(ANSWER).details["uk"].endswith("Окопова 21/27, Гданськ.")
    assert ANSWER in [h.slug for h in await env.panel.content.search("Окопова", "uk")]
    status = await _status(env, ANSWER)
    assert status["uk"] in ("current", "outdated") and status["pl"] == "source"
    # The Polish source has details: an English text without them is not a full translation.
    node = env.panel.content.catalog.get(ANSWER)
    async with env.login("editor") as client:
        saved = await post_form(client, f"{PAGE}/texts", _texts_form(node, details_en=""),
                                page=PAGE)
        assert saved.status_code == 303
    assert "en" not in env.panel.content.catalog.get(ANSWER).details
    assert (await _status(env, ANSWER))["en"] == "missing"


async def test_a_javascript_link_in_a_body_is_refused_web_phone_and_mail_links_saved(env):
    node = env.panel.content.catalog.get(ANSWER)
    async with env.login("editor") as client:
        refused = await post_form(client, f"{PAGE}/texts", _texts_form(
            node, body_en='Read <a href="javascript:fetch(\'/x\')">this</a>.'), page=PAGE)
        assert refused.status_code == 400
        assert "Text (English): link" in refused.text and "must start with https://, http://, " \
            "tel: or mailto:" in refused.text
        assert env.panel.content.catalog.get(ANSWER).bodies["en"] == node.bodies["en"]
        body = ('Call <a href="tel:+48 58 123 45 67">us</a>, <a href="mailto:info@example.org">'
                'write</a> or <a href="https://example.org/a">read</a>.')
        saved = await post_form(client, f"{PAGE}/texts", _texts_form(node, body_en=body),
                                page=PAGE)
        assert saved.status_code == 303
    assert env.panel.content.catalog.get(ANSWER).bodies["en"] == body


async def test_csrf_and_roles_guard_content_edits(env):
    node = env.panel.content.catalog.get(ANSWER)
    form = _texts_form(node, body_uk="Змінено")
    async with env.login("editor") as client:
        missing = await client.post(f"{PAGE}/texts", data=form)
        wrong = await client.post(f"{PAGE}/texts", data={**form, "csrf_token": "forged"})
    assert missing.status_code == 403 and wrong.status_code == 403
    async with env.login("analyst") as client:
        assert (await client.get(PAGE)).status_code == 403
        refused = await post_form(client, f"{PAGE}/texts", form, page="/panel/")
        assert refused.status_code == 403
    assert env.panel.content.catalog.get(ANSWER).bodies["uk"] == node.bodies["uk"]
    assert await _audit(env, "text.edit") == []


async def test_add_move_retire(env):
    async with env.login("editor") as client:
        bad = await post_form(client, "/panel/content/add", {
            "parent": "work", "kind": "answer", "slug": "Bad Slug", "lang": "pl",
            "title": "Nowe", "body": "", "sources": ""}, page="/panel/content/add")
        assert bad.status_code == 400 and "may only use a-z" in bad.text
        added = await post_form(client, "/panel/content/add", {
            "parent": "work", "kind": "answer", "slug": "work-new-answer", "lang": "pl",
            "title": "Nowa odpowiedź", "body": "Treść <b>nowa</b>.",
            "sources": "https://www.gov.pl/", "position": "1"}, page="/panel/content/add")
        assert added.status_code == 303
        catalog = env.panel.content.catalog
        assert catalog.get("work").children[0].slug == "work-new-answer"
        assert await _status(env, "work-new-answer") == {"pl": "source", "uk": "missing",
                                                         "en": "missing"}
        moved = await post_form(client, "/panel/content/node/work-new-answer/move",
                                {"parent": "housing", "position": "2"},
                                page="/panel/content/node/work-new-answer")
        assert moved.status_code == 303
        housing = env.panel.content.catalog.get("housing")
        assert housing.children[1].slug == "work-new-answer"
        assert "work-new-answer" not in [c.slug for c in env.panel.content.catalog.get("work").children]
        inside = await post_form(client, "/panel/content/node/work/move",
                                 {"parent": "work-legal", "position": ""},
                                 page="/panel/content/node/work")
        assert inside.status_code == 400 and "inside itself" in inside.text
        retired = await post_form(client, "/panel/content/node/work-new-answer/retire", {},
                                  page="/panel/content/node/work-new-answer")
        assert retired.status_code == 303
        assert env.panel.content.catalog.get("work-new-answer") is None
        await post_form(client, "/panel/content/node/work-new-answer/unretire", {},
                        page="/panel/content/node/work-new-answer")
        assert env.panel.content.catalog.get("work-new-answer") is not None
    actions = [e.action for e in await _audit(env, "node.add")] + \
        [e.action for e in await _audit(env, "node.move")] + \
        [e.action for e in await _audit(env, "node.retire")]
    assert actions == ["node.add", "node.move", "node.retire"]
    async with env.panel.sessions() as session:
        positions = (await session.scalars(select(FaqNode.position).join(
            FaqNode.texts).where(FaqNode.parent_id == (await session.scalar(
                select(FaqNode.id).where(FaqNode.slug == "housing")))).distinct())).all()
    assert sorted(positions) == list(range(len(positions)))


async def test_details_review_and_review_list(env):
    async with env.login("editor") as client:
        response = await post_form(client, f"{PAGE}/details", {
            "sources": "https://www.praca.gov.pl/", "reviewed": "2020-01-01",
            "review_every_days": "30", "review_status": "check", "review_note": "",
            "icon": "", "source_lang": "pl"}, page=PAGE)
        assert response.status_code == 400 and "say in the note" in response.text
        response = await post_form(client, f"{PAGE}/details", {
            "sources": "https://www.praca.gov.pl/", "reviewed": "2020-01-01",
            "review_every_days": "30", "review_status": "ok", "review_note": "",
            "icon": "", "source_lang": "pl"}, page=PAGE)
        assert response.status_code == 303
        review = await client.get("/panel/content/review")
        assert f'data-slug="{ANSWER}"' in review.text
    [entry] = await _audit(env, "node.edit")
    assert entry.after["reviewed"] == "2020-01-01" and entry.before["reviewed"] != "2020-01-01"


async def test_gaps_and_ratings_pages(env):
    await env.panel.content.record_gap("Jak zdobyć kartę parkingową", "pl")
    await env.panel.content.record_gap("jak zdobyć kartę  parkingową", "pl")
    await env.panel.content.record_rating(ANSWER, 1)
    await env.panel.content.record_rating(ANSWER, -1)
    await env.panel.content.record_rating(ANSWER, -1)
    async with env.login("analyst") as client:
        gaps = await client.get("/panel/content/gaps")
        assert "jak zdobyć kartę parkingową" in gaps.text and "<td>2</td>" in gaps.text
        ratings = await client.get("/panel/content/ratings")
        assert f'data-slug="{ANSWER}"' in ratings.text
        assert "👍 1 · 👎 2" in ratings.text


async def test_yaml_export_import_round_trip(env):
    async with env.login("editor") as client:
        export = await client.get("/panel/content/export.zip")
        assert export.status_code == 200
        assert export.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(export.content))
        assert "work.yaml" in archive.namelist()
        work = yaml.safe_load(archive.read("work.yaml"))
        work["title"]["uk"] = "Робота і праця"
        changed = yaml.safe_dump(work, allow_unicode=True).encode()
        # One topic uploaded: the others are kept.
        response = await post_form(client, "/panel/content/transfer", {},
                                   files={"files": ("work.yaml", changed, "application/yaml")},
                                   page="/panel/content/transfer")
        assert response.status_code == 200 and "1 changed" in response.text
        assert env.panel.content.catalog.get("work").titles["uk"] == "Робота і праця"
        assert env.panel.content.catalog.get("housing") is not None
        assert await _status(env, "work") == {"pl": "source", "uk": "current", "en": "current"}
        # The whole export back: nothing changes except the topic edited above.
        response = await post_form(client, "/panel/content/transfer", {},
                                   files={"files": ("all.zip", export.content, "application/zip")},
                                   page="/panel/content/transfer")
        assert response.status_code == 200 and "1 changed" in response.text
        assert env.panel.content.catalog.get("work").titles["uk"] == "Робота"
        broken = await post_form(client, "/panel/content/transfer", {},
                                 files={"files": ("bad.yaml", b"slug: Bad\n", "application/yaml")},
                                 page="/panel/content/transfer")
        assert broken.status_code == 400 and "Nothing was imported" in broken.text
    assert [e.after["files"] for e in await _audit(env, "content.import")] == [
        ["work.yaml"], sorted(archive.namelist())]


async def test_a_new_empty_section_exports_and_imports_again(env):
    """A section starts empty in the panel; its export said `children: []`, which the import
    refused ("a section needs children"), so no export imported again until it had one.
    Found by tests/test_fuzz_panel.py."""
    async with env.login("editor") as client:
        for parent, slug in (("work", "work-new-section"), ("", "new-topic")):
            added = await post_form(client, "/panel/content/add", {
                "parent": parent, "kind": "section", "slug": slug, "lang": "pl",
                "title": "Nowy dział"}, page="/panel/content/add")
            assert added.status_code == 303
        export = await client.get("/panel/content/export.zip")
        response = await post_form(client, "/panel/content/transfer", {},
                                   files={"files": ("all.zip", export.content, "application/zip")},
                                   page="/panel/content/transfer")
        assert response.status_code == 200, response.text
    assert env.panel.content.catalog.get("work-new-section").children == []
    # Neither a body nor a list of children: still refused.
    neither = {"slug": "no-kind", "title": {"pl": "Ani dział, ani odpowiedź"}}
    with pytest.raises(EditError, match="a section needs children"):
        await env.panel.transfer.import_files("test", [
            ("no-kind.yaml", yaml.safe_dump(neither, allow_unicode=True).encode())])


async def test_reimport_with_a_changed_source_makes_translations_outdated(env):
    _name, data = await env.panel.transfer.export_zip()
    work = yaml.safe_load(zipfile.ZipFile(io.BytesIO(data)).read("work.yaml"))
    work["title"]["pl"] = "Praca w Polsce"
    files = [("work.yaml", yaml.safe_dump(work, allow_unicode=True).encode())]
    result = await env.panel.transfer.import_files("test", files)
    assert result.updated == 1
    assert await _status(env, "work") == {"pl": "source", "uk": "outdated", "en": "outdated"}
    work["title"]["uk"] = "Робота в Польщі"
    files = [("work.yaml", yaml.safe_dump(work, allow_unicode=True).encode())]
    await env.panel.transfer.import_files("test", files)
    assert await _status(env, "work") == {"pl": "source", "uk": "current", "en": "outdated"}
