"""`python -m bot survey ...` on a real database file: waves, release, the report files."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from bot.config import PROJECT_ROOT, Settings
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async
from bot.factory import build_survey_service
from tests.people import add_telegram_user


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "survey", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


async def test_open_close_and_report(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
    await upgrade_async(url)
    res = _cli("open", "belonging", "--code", "2026-Q3", "--k", "5", env=env)
    assert res.returncode == 0 and "2026-Q3" in res.stdout, res.stderr

    engine = create_engine(url)
    service = build_survey_service(Settings(_env_file=None, database_url=url),
                                   create_session_factory(engine))
    survey = service.surveys["belonging"]
    (wave,) = await service.open_waves()
    async with create_session_factory(engine)() as session:
        people = [await add_telegram_user(session, 900 + i, language="uk") for i in range(7)]
        await session.commit()
    for i in range(7):
        answers = {q.key: ([q.options[0].id] if q.kind == "multi" else q.options[i % 2].id)
                   for q in survey.questions}
        await service.complete(people[i].id, wave.id, answers)
    await engine.dispose()

    res = _cli("waves", "belonging", env=env)
    assert "2026-Q3" in res.stdout and "5 released" in res.stdout  # K=5: 5 out, 2 waiting
    res = _cli("close", "belonging", env=env)
    assert "2 waiting responses released" in res.stdout
    out = tmp_path / "report"
    res = _cli("report", "belonging", "--out", str(out), env=env)
    assert res.returncode == 0, res.stderr
    assert "7 responses in 1 waves" in res.stdout
    for name in ("aggregates.csv", "index.csv", "answers.csv", "report.html"):
        assert (out / name).stat().st_size > 0
    # Seven responses are fewer than K=10: the wave is withheld from every output.
    with (out / "answers.csv").open(encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == []
    with (out / "aggregates.csv").open(encoding="utf-8") as f:
        aggregates = list(csv.DictReader(f))
    assert all(r["suppressed"] for r in aggregates)
    assert "suppress" in (out / "report.html").read_text(encoding="utf-8").lower()

    # With K=5 the answers show, but each profile combination (4 and 3 people) is too rare.
    res = _cli("report", "belonging", "--out", str(out), "--k", "5", env=env)
    assert res.returncode == 0, res.stderr
    with (out / "answers.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 7
    assert not {"user_id", "tg_user_id", "week", "answer_key"} & set(rows[0])
    profile = [q.id for q in survey.profile()]
    assert all(row[p] == "suppressed" for row in rows for p in profile)

    res = _cli("report", "nosuch", "--out", str(out), env=env)
    assert res.returncode == 2 and "unknown survey" in res.stderr
