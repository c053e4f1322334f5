"""The results page over HTTP: the survey report per wave, CSV downloads, analysts only."""

from __future__ import annotations

import pytest

from tests.browser import seed_survey_answers
from tests.panel_client import build_env


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    yield env
    await env.engine.dispose()


async def test_editor_gets_403(env):
    async with env.login("editor") as client:
        for path in ("/panel/results", "/panel/results/belonging",
                     "/panel/results/belonging/answers.csv"):
            response = await client.get(path)
            assert response.status_code == 403, path
            assert "Not allowed" in response.text


async def test_without_answers_the_page_says_so(env):
    async with env.login("analyst") as client:
        response = await client.get("/panel/results/belonging")
    assert response.status_code == 200
    assert "No answers have been released" in response.text


async def test_analyst_sees_report_per_wave_and_downloads(env):
    waves = await seed_survey_answers(env.panel.sessions, env.panel.surveys.surveys["belonging"])
    async with env.login("analyst") as client:
        listing = await client.get("/panel/results")
        assert all(f"Report for {w}" in listing.text for w in waves)
        page = await client.get(f"/panel/results/belonging?wave={waves[1]}")
        assert page.status_code == 200
        assert "data-sharing agreement" in page.text  # the report's own warning on answers.csv
        report = await client.get(f"/panel/results/belonging/report.html?wave={waves[1]}")
        assert f"Answers in wave {waves[1]}" in report.text and "<svg" in report.text
        assert "default-src 'none'" in report.headers["content-security-policy"]
        answers = await client.get("/panel/results/belonging/answers.csv")
        assert answers.headers["content-type"].startswith("text/csv")
        assert answers.text.splitlines()[0].startswith("wave,")
        index = await client.get("/panel/results/belonging/index.csv")
        assert {w for w in waves} <= {line.split(",")[0] for line in index.text.splitlines()[1:]}
        assert (await client.get("/panel/results/belonging/secrets.txt")).status_code == 404
        assert (await client.get("/panel/results/belonging?wave=1999-Q1")).status_code == 200


async def test_polish_analyst_reads_the_report_in_polish(env):
    waves = await seed_survey_answers(env.panel.sessions, env.panel.surveys.surveys["belonging"])
    async with env.login("analyst", email="analityczka@example.org", locale="pl") as client:
        page = await client.get(f"/panel/results/belonging?wave={waves[1]}")
        assert "Pliki do pobrania" in page.text
        assert "umową o udostępnianiu danych" in page.text  # the report's own warning, in Polish
        report = await client.get(f"/panel/results/belonging/report.html?wave={waves[1]}")
        assert '<html lang="pl">' in report.text and f"Odpowiedzi w edycji {waves[1]}" in report.text
    async with env.login("analyst", locale="en") as client:  # the English one is its own file
        report = await client.get(f"/panel/results/belonging/report.html?wave={waves[1]}")
        assert f"Answers in wave {waves[1]}" in report.text
