"""What the services refuse is shown in the staff member's language (issue 14): the panel in
the account's, the command line in its own (--lang, else the shell's locale); dates and
numbers in those sentences the locale's way, and English wherever the text is logged."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from html import unescape

from bot.config import PROJECT_ROOT
from bot.i18n import Alternatives, Refusal, lazy
from bot.staff.accounts import StaffError
from bot.web.panel.pages.campaigns import service
from tests.panel_client import (
    panel_env,  # noqa: F401 (the fixture `env`)
    post_form,
)


def test_a_refusal_is_english_in_logs_and_the_reader_s_language_when_shown():
    refusal = Refusal("Text ({language}): too long, at most {limit} characters.",
                      language=lazy("Polish"), limit=3500)
    assert str(refusal) == "Text (Polish): too long, at most 3,500 characters."
    assert refusal.text("pl") == "Tekst (polski): za długi, najwyżej 3\xa0500 znaków."
    assert refusal.text("uk") == "Текст (польська): задовгий, щонайбільше 3\xa0500 символів."
    role = StaffError("The role must be {roles}.", roles=Alternatives(("editor", "admin")))
    assert role.text("pl") == "Proszę wybrać rolę: editor lub admin."
    assert role.text("uk") == "Оберіть роль: editor або admin."


async def test_a_polish_admin_reads_the_account_form_s_refusals_in_polish(env):
    async with env.login("admin", locale="pl") as client:
        bad = await post_form(client, "/panel/accounts", {
            "email": "nie-adres", "role": "editor", "locale": "pl"}, page="/panel/accounts")
        assert bad.status_code == 400
        assert "„nie-adres” nie wygląda na adres e-mail." in unescape(bad.text)
        assert "does not look like" not in bad.text
        twice = await post_form(client, "/panel/accounts", {
            "email": "admin@example.org", "role": "editor", "locale": "pl"},
            page="/panel/accounts")
        assert twice.status_code == 400
        assert "Konto dla admin@example.org już istnieje." in unescape(twice.text)
        # The last admin cannot step down; the refusal comes back as a flash, in Polish too.
        await post_form(client, "/panel/accounts/role", {
            "email": "admin@example.org", "role": "editor"}, page="/panel/accounts")
        page = unescape((await client.get("/panel/accounts")).text)
        assert "To ostatnie aktywne konto administratora." in page


async def test_a_ukrainian_admin_reads_a_second_launch_in_ukrainian_with_its_date(env):
    due = dt.datetime(2030, 1, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Warsaw
    first = await service(env.panel).launch_survey("belonging", due_at=due)
    async with env.login("admin", locale="uk") as client:
        response = await post_form(client, "/panel/campaigns/survey", {
            "survey": "belonging", "remind_after_days": "7"}, page="/panel/campaigns/new")
    assert response.status_code == 400
    text = unescape(response.text)
    assert (f"Етап {first.wave_code} опитування belonging вже має запрошення: кампанію №1 "
            "(заплановано на 2 січ. 2030\u202fр., 10:00 (Europe/Warsaw)).") in text
    assert "already has" not in text


def _cli(*args: str, db_path, lang: str, **more_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "STAFF_CHAT_LANGUAGE")}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{db_path}", LOG_LEVEL="WARNING", LANG=lang,
               **more_env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_in_polish_prints_polish_refusals(db_path):
    added = _cli("staff", "add", "nie-adres", "--role", "editor", db_path=db_path,
                 lang="pl_PL.UTF-8")
    assert added.returncode == 2
    assert added.stderr.strip() == "„nie-adres” nie wygląda na adres e-mail."
    missing = _cli("staff", "disable", "nikt@example.org", db_path=db_path, lang="pl_PL.UTF-8")
    assert missing.stderr.strip() == "Nie ma konta dla nikt@example.org."
    wave = _cli("survey", "close", "belonging", "--code", "2099-Q1", db_path=db_path,
                lang="pl_PL.UTF-8")
    assert wave.returncode == 2
    assert wave.stderr.strip() == "Nie ma edycji 2099-Q1 ankiety belonging."
    english = _cli("--lang", "en", "staff", "disable", "nikt@example.org", db_path=db_path,
                   lang="pl_PL.UTF-8")
    assert english.stderr.strip() == "There is no account for nikt@example.org."


async def test_a_polish_editor_reads_the_content_import_s_refusals_in_polish(env):
    async with env.login("editor", locale="pl") as client:
        page = "/panel/content/transfer"
        wrong = await post_form(client, page, {}, page=page,
                                files={"files": ("notatki.txt", b"x", "text/plain")})
        assert wrong.status_code == 400
        assert ("notatki.txt: można importować tylko pliki .yaml lub ich archiwum .zip."
                in unescape(wrong.text))
        big = await post_form(client, page, {}, page=page, files={
            "files": ("praca.yaml", bytes(1_500_000), "application/yaml")})
        assert big.status_code == 400
        # The size with Babel's Polish decimal comma.
        assert ("praca.yaml ma 1,5 MB; plik tematu może mieć najwyżej 1 MB."
                in unescape(big.text))


def test_the_command_line_in_polish_lists_a_refused_import_in_polish(db_path, tmp_path):
    (tmp_path / "praca.yaml").write_text("slug: Zła Nazwa\ntitle: {pl: Praca}\nchildren: []\n",
                                         encoding="utf-8")
    refused = _cli("content", "import", str(tmp_path), db_path=db_path, lang="pl_PL.UTF-8")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "Import odrzucony; niczego nie zmieniono:",
        "praca.yaml: slug „Zła Nazwa” musi mieć 1–40 znaków spośród a-z, 0-9 i '-'"]


BROKEN_SURVEY = """slug: pulse
title: {pl: Puls, uk: Пульс}
intro: {pl: Wstęp, uk: Вступ, en: Intro}
questions:
  - id: mood
    kind: single
    colour: blue
    text: {pl: "Jak się masz?", uk: "Як справи?", en: "How are you?"}
    options:
      - id: good
        label: {pl: Dobrze, uk: Добре, en: Good}
"""


def test_survey_file_problems_are_listed_in_the_staff_member_s_language(db_path, tmp_path):
    """A broken survey file stops every command that loads the surveys; what is wrong is
    shown in the reader's language, the places in the file by its own keys."""
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "pulse.yaml").write_text(BROKEN_SURVEY, encoding="utf-8")
    expected = {
        "pl": ["W plikach ankiet są błędy; proszę je poprawić i spróbować ponownie:",
               "  pulse.yaml › title: brak tekstu w języku en",
               "  pulse.yaml › questions › mood: nieznany klucz „colour”"],
        "uk": ["У файлах опитувань є помилки; виправте їх і спробуйте ще раз:",
               "  pulse.yaml › title: немає тексту мовою en",
               "  pulse.yaml › questions › mood: невідомий ключ «colour»"],
        "en": ["The survey files have problems; fix them and try again:",
               "  pulse.yaml › title: missing en text",
               "  pulse.yaml › questions › mood: unknown key “colour”"]}
    for lang, lines in expected.items():
        run = _cli("--lang", lang, "survey", "waves", "pulse", db_path=db_path,
                   lang="C.UTF-8", CONTENT_DIR=str(tmp_path))
        assert run.returncode == 2
        assert run.stderr.splitlines() == lines, run.stderr
    # Without --lang: the office's language (STAFF_CHAT_LANGUAGE) before the shell's.
    office = _cli("survey", "archive", "pulse", db_path=db_path, lang="en_US.UTF-8",
                  CONTENT_DIR=str(tmp_path), STAFF_CHAT_LANGUAGE="uk")
    assert office.returncode == 2 and office.stderr.splitlines() == expected["uk"]
    shell = _cli("survey", "archive", "pulse", db_path=db_path, lang="pl_PL.UTF-8",
                 CONTENT_DIR=str(tmp_path))
    assert shell.stderr.splitlines() == expected["pl"]


def test_the_content_check_sums_up_in_polish_with_polish_plurals(db_path, tmp_path):
    from tests.test_content import MINI, _write

    _write(tmp_path, "mini.yaml", MINI)
    run = _cli("content", "check", str(tmp_path), db_path=db_path, lang="C.UTF-8",
               STAFF_CHAT_LANGUAGE="pl")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == ("0 błędów struktury, 2 brakujące tłumaczenia, 2 odpowiedzi do "
                         "przeglądu, 1 oznaczona")
    # The line labels stay as they are, for scripts; what follows them is in Polish.
    assert any(line.startswith("REVIEW  mini-two: termin przeglądu minął 20") for line in lines)
    english = _cli("--lang", "en", "content", "check", str(tmp_path), db_path=db_path,
                   lang="C.UTF-8", STAFF_CHAT_LANGUAGE="pl")
    assert english.stdout.splitlines()[-1] == ("0 structural errors, 2 missing translations, "
                                               "2 answers due for review, 1 flagged")
