"""The generic read-only tables under /panel/data (sqladmin behind the panel's own login)."""

from __future__ import annotations

import pytest

from bot.staff.audit import record
from tests.panel_client import build_env


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


async def test_anonymous_visitors_go_to_the_panel_login(env):
    async with env.client() as client:
        response = await client.get("/panel/data/")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/panel/login")
        response = await client.get("/panel/data/audit-entry/list")
        assert response.status_code == 303


async def test_editor_lists_and_exports_the_audit_log_but_not_deliveries(env):
    async with env.panel.sessions() as session:
        await record(session, actor="ed@example.org", action="text.edit", entity="faq_text",
                     entity_id="work-permit/uk", before={"title": "a"}, after={"title": "b"})
        await session.commit()
    async with env.login("editor") as client:
        listing = await client.get("/panel/data/audit-entry/list")
        assert listing.status_code == 200
        assert "work-permit/uk" in listing.text and "text.edit" in listing.text
        exported = await client.get("/panel/data/audit-entry/export/csv")
        assert exported.status_code == 200 and "work-permit/uk" in exported.text
        assert (await client.get("/panel/data/delivery/list")).status_code in (403, 404)
        # Read-only: there is no form to create or edit anything here.
        assert (await client.get("/panel/data/audit-entry/create")).status_code in (403, 404)


async def test_admin_sees_deliveries_without_the_person(env):
    async with env.login("admin") as client:
        response = await client.get("/panel/data/delivery/list")
        assert response.status_code == 200
        assert "User" not in response.text.split("<thead>")[1].split("</thead>")[0]


async def test_a_row_no_table_can_hold_is_not_found(env):
    """sqladmin passed the address's id to the database, which failed on 2**63 (a 500).
    Found by tests/test_fuzz_panel.py."""
    async with env.login("admin") as client:
        for pk in (str(2**63), "99999999999999999999", "x", "-1", "0"):
            for table in ("audit-entry", "campaign", "content-gap"):
                response = await client.get(f"/panel/data/{table}/details/{pk}")
                assert response.status_code == 404, (table, pk)


async def test_audit_pages_past_the_end_are_empty(env):
    """A page number past 2**63 / 50 made an OFFSET SQLite cannot hold: a 500.
    Found by tests/test_fuzz_panel.py."""
    async with env.login("admin") as client:
        for page in ("99999999999999999999", str(10**30), "-3", "x", "²"):
            response = await client.get(f"/panel/audit?page={page}")
            assert response.status_code == 200, page
