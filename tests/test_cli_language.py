"""The command line speaks Polish, Ukrainian or English: --lang, else STAFF_CHAT_LANGUAGE
when set, else the shell's LANG."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.__main__ import cli_language
from bot.config import PROJECT_ROOT


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_language_comes_from_the_option_then_the_locale():
    assert cli_language("en", {"LANG": "pl_PL.UTF-8"}) == "en"
    assert cli_language(None, {"LANG": "pl_PL.UTF-8"}) == "pl"
    assert cli_language(None, {"LC_ALL": "en_GB.UTF-8", "LANG": "pl_PL.UTF-8"}) == "en"
    assert cli_language(None, {"LANG": "uk_UA.UTF-8"}) == "uk"
    assert cli_language(None, {"LANG": "de_DE.UTF-8"}) == "en"
    assert cli_language(None, {}) == "en"
    # STAFF_CHAT_LANGUAGE, when set, is the office's choice: it outranks the server's locale,
    # and --lang outranks both.
    assert cli_language(None, {"LANG": "C.UTF-8"}, office="pl") == "pl"
    assert cli_language(None, {"LANG": "pl_PL.UTF-8"}, office="uk") == "uk"
    assert cli_language("en", {"LANG": "pl_PL.UTF-8"}, office="pl") == "en"


def test_staff_and_campaign_commands_in_polish_and_english(tmp_path):
    base = {k: v for k, v in os.environ.items()
            if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "STAFF_CHAT_LANGUAGE")}
    env = dict(base, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
               LOG_LEVEL="WARNING", LANG="pl_PL.UTF-8")
    added = _cli("staff", "add", "Anna@Example.org", "--role", "editor", env=env)
    assert added.returncode == 0, added.stderr
    assert "utworzono konto: anna@example.org (editor)" in added.stdout
    assert "Hasło jednorazowe dla anna@example.org:" in added.stdout
    listed = _cli("staff", "list", env=env)
    assert "anna@example.org" in listed.stdout and " pl " in listed.stdout  # panel in Polish
    assert "(musi zmienić hasło)" in listed.stdout

    english = _cli("--lang", "en", "staff", "disable", "anna@example.org", env=env)
    assert english.stdout.strip() == "anna@example.org can no longer log in"

    refused = _cli("campaign", "create", "--name", "x", "--text-pl", "<u>a</u>", env=env)
    assert refused.returncode == 2
    assert "błąd: Tekst (polski): znacznik <u> jest niedozwolony" in refused.stderr
    made = _cli("campaign", "create", "--name", "Dzień wolny", "--text-pl", "<b>Nieczynne</b>",
                "--at", "2030-12-20 10:00", env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("kampania 1 zaplanowana na 2030-12-20 10:00 (Europe/Warsaw)")
    listing = _cli("campaign", "list", env=env)
    assert "wysłano 0/0" in listing.stdout and "Dzień wolny" in listing.stdout
    purge = _cli("privacy", "purge", "--dry-run", env=env)
    assert purge.returncode == 0, purge.stderr
    assert purge.stdout.startswith("próba, niczego nie usunięto: zostałyby usunięte dane 0 osób")
