"""Campaign pages over HTTP: create, preview per language, validation, cancel, audit, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date, format_time
from sqlalchemy import event, select

from bot.db.models import AuditEntry, Campaign, Delivery
from bot.web.panel.pages.campaigns import service
from tests.panel_client import build_env, post_form
from tests.people import add_telegram_user


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()
TEXTS = {"text_pl": "Biuro zamknięte <b>w piątek</b>", "text_uk": "Офіс зачинено в п'ятницю",
         "text_en": "The office is closed on Friday"}


async def test_only_admins(env):
    async with env.login("editor") as client:
        assert (await client.get("/panel/campaigns")).status_code == 403
    async with env.login("analyst") as client:
        assert (await client.get("/panel/campaigns/new")).status_code == 403


async def test_preview_shows_each_language_formatted(env):
    async with env.login("admin") as client:
        response = await post_form(client, "/panel/campaigns/new", {
            "name": "Closed", **TEXTS, "action": "preview"}, page="/panel/campaigns/new")
    assert response.status_code == 200
    assert "Biuro zamknięte <b>w piątek</b>" in response.text  # formatted as Telegram shows it
    assert "Офіс зачинено в п&#39;ятницю" in response.text or "Офіс зачинено в п'ятницю" in response.text
    assert 'data-lang="en"' in response.text
    async with env.panel.sessions() as session:
        assert (await session.scalars(select(Campaign))).all() == []


async def test_create_list_cancel_with_audit(env):
    async with env.login("admin") as client:
        created = await post_form(client, "/panel/campaigns/new", {
            "name": "Closed", **TEXTS, "faq_slug": "", "topic": "general",
            "date": TOMORROW, "time": "10:30", "quiet_hours": "on", "action": "create"},
            page="/panel/campaigns/new")
        assert created.status_code == 303, created.text
        detail = await client.get(created.headers["location"])
        due = (format_date(dt.date.fromisoformat(TOMORROW), "medium", locale="en") + ", "
               + format_time(dt.time(10, 30), "short", locale="en"))  # "Dec 9, 2026, 10:30 AM"
        assert due in detail.text and "The office is closed on Friday" in detail.text
        listing = await client.get("/panel/campaigns")
        assert "Closed" in listing.text and "scheduled" in listing.text
        status = (await client.get("/panel/campaigns/status.json")).json()["campaigns"][0]
        assert (status["status"], status["sent"], status["pending"]) == ("scheduled", 0, 0)
        cancelled = await post_form(client, f"{created.headers['location']}/cancel", {},
                                    page=created.headers["location"])
        assert cancelled.status_code == 303
    async with env.panel.sessions() as session:
        row = (await session.scalars(select(Campaign))).one()
        actions = [e.action for e in (await session.scalars(select(AuditEntry))).all()]
    assert row.status == "cancelled"
    assert row.due_at == dt.datetime.fromisoformat(f"{TOMORROW}T10:30").replace(
        tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Warsaw")).astimezone(dt.UTC).replace(tzinfo=None)
    assert "campaign.create" in actions and "campaign.cancel" in actions


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": "x"}, "Write the text in at least one language."),
    ({"name": "x", "text_pl": "a", "date": "2020-01-01", "time": "10:00"}, "is in the past"),
    ({"name": "x", "text_pl": "a", "cron": "every day"}, "is not a valid cron rule"),
    ({"name": "x", "text_pl": "a", "faq_slug": "no-such-answer"}, "There is no FAQ answer"),
    ({"name": "x", "text_pl": "a", "languages": "uk"}, "missing Ukrainian"),
    ({"name": "x", "text_pl": "<script>x</script>"},
     "Text (Polish): the tag &lt;script&gt; is not allowed"),
    ({"name": "x", "text_en": '<a href="javascript:alert(1)">x</a>'},
     "Text (English): a link must be written &lt;a href=&#34;https://...&#34;&gt;"),
])
async def test_validation_messages(env, fields, message):
    async with env.login("admin") as client:
        response = await post_form(client, "/panel/campaigns/new", {**fields, "action": "create"},
                                   page="/panel/campaigns/new")
    assert response.status_code == 400
    assert message in response.text


async def test_survey_wave_and_csrf(env):
    async with env.login("admin") as client:
        refused = await client.post("/panel/campaigns/survey", data={"survey": "belonging"})
        assert refused.status_code == 403
        launched = await post_form(client, "/panel/campaigns/survey", {
            "survey": "belonging", "remind_after_days": "7", "date": TOMORROW, "time": "11:00"},
            page="/panel/campaigns/new")
        assert launched.status_code == 303, launched.text
        listing = (await client.get("/panel/campaigns/status.json")).json()["campaigns"]
        invite = next(c for c in listing if c["kind"] == "survey_invite")
        detail = await client.get(f"/panel/campaigns/{invite['id']}")
        assert "📝 Take the survey" in detail.text and "📝 Пройти опитування" in detail.text
        bad = await post_form(client, "/panel/campaigns/survey", {
            "survey": "belonging", "remind_after_days": "-3"}, page="/panel/campaigns/new")
        assert bad.status_code == 400 and "from 0 (no reminder) to 60" in bad.text
    async with env.panel.sessions() as session:
        kinds = sorted(c.kind for c in (await session.scalars(select(Campaign))).all())
    assert kinds == ["survey_invite", "survey_reminder"]


async def test_ids_no_row_can_have_are_not_found(env):
    """Starlette's {id:int} takes any digits; SQLite failed on 10**30 ("Python int too large
    to convert to SQLite INTEGER"), a 500. Found by tests/test_fuzz_panel.py."""
    huge = 10**30
    async with env.login("admin") as client:
        for url in (f"/panel/campaigns/{huge}", f"/panel/feedback/{huge}",
                    f"/panel/feedback/{huge}/photo/1", f"/panel/feedback/1/photo/{huge}"):
            assert (await client.get(url)).status_code == 404, url
        for url in (f"/panel/campaigns/{huge}/cancel", f"/panel/campaigns/schedules/{huge}/cancel"):
            response = await post_form(client, url, {}, page="/panel/campaigns")
            assert response.status_code == 303, url
        for action in ("reply", "close", "reopen"):
            response = await post_form(client, f"/panel/feedback/{huge}/{action}", {"reply": "x"},
                                       page="/panel/feedback")
            assert response.status_code == 404, action


async def _campaign_page_statements(env, client) -> tuple[int, int, dict]:
    """Statements run for the campaign list page and for its status feed, and the feed."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(env.engine.sync_engine, "before_cursor_execute", count)
    try:
        page = await client.get("/panel/campaigns")
        assert page.status_code == 200
        on_page = len(seen)
        feed = (await client.get("/panel/campaigns/status.json")).json()
    finally:
        event.remove(env.engine.sync_engine, "before_cursor_execute", count)
    return on_page, len(seen) - on_page, feed


async def test_campaign_list_loads_in_one_query_however_many(env):
    svc = service(env.panel)
    first = await svc.create_announcement("Campaign 0", {"pl": "Tekst 0"}, due_at=None)
    async with env.login("admin") as client:
        one_page, one_feed, _ = await _campaign_page_statements(env, client)
        for i in range(1, 50):
            await svc.create_announcement(f"Campaign {i}", {"pl": f"Tekst {i}"}, due_at=None)
        async with env.panel.sessions() as session:
            users = [await add_telegram_user(session, 9000 + i, language="pl")
                     for i in range(5)]
            for user, status in zip(users, ("sent", "sent", "pending", "sending", "blocked"),
                                    strict=True):
                session.add(Delivery(campaign_id=first.id, user_id=user.id, status=status))
            await session.commit()
        many_page, many_feed, feed = await _campaign_page_statements(env, client)
    # The same statements with 50 campaigns as with one: none per campaign.
    assert (many_page, many_feed) == (one_page, one_feed)
    rows = feed["campaigns"]
    assert len(rows) == 50 and rows[0]["name"] == "Campaign 49"
    counted = next(r for r in rows if r["id"] == first.id)
    assert (counted["sent"], counted["pending"], counted["blocked"], counted["failed"],
            counted["total"]) == (2, 2, 1, 0, 5)
    assert all(r["total"] == 0 for r in rows if r["id"] != first.id)
