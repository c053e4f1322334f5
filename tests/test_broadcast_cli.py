"""`python -m bot campaign ...` and `survey launch`: what staff see, valid or not."""

from __future__ import annotations

import pytest

from bot.__main__ import main


@pytest.fixture
def cli(db_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db_path}")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.delenv("BOT_TOKEN", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.mark.parametrize(("args", "message"), [
    ((), "An announcement needs a text in at least one language."),
    (("--text-pl", "Hej", "--faq", "no-such-answer"), "There is no FAQ answer “no-such-answer”."),
    (("--text-pl", "Hej", "--topic", "cooking"), "Unknown topic “cooking”: it must be general, "),
    (("--text-pl", "Hej", "--languages", "pl,de"), "Unknown language “de”: it must be pl, uk, or en."),
    (("--text-pl", "Hej", "--at", "tomorrow"), '--at must look like "2026-12-01 10:00"'),
    (("--text-pl", "Hej", "--cron", "0 10 * *"), "“0 10 * *” is not a valid cron rule"),
])
def test_campaign_create_refuses_with_a_clear_message(cli, args, message):
    code, out, err = cli("campaign", "create", "--name", "x", *args)
    assert code == 2 and message in err and not out
    code, out, _ = cli("campaign", "list")
    assert code == 0 and out == ""  # nothing was created


def test_campaign_create_status_list_cancel(cli):
    code, out, _ = cli("campaign", "create", "--name", "Office closed", "--text-pl", "Zamknięte",
                       "--text-uk", "Зачинено", "--faq", "legal-stay-mos", "--topic", "legal-stay",
                       "--languages", "pl,uk", "--at", "2030-01-02 10:00")
    assert code == 0 and "campaign 1 scheduled for 2030-01-02 10:00 (Europe/Warsaw)" in out
    code, out, _ = cli("campaign", "status", "1")
    assert code == 0 and "sent 0, pending 0, failed 0, blocked 0" in out
    assert "due 2030-01-02 10:00" in out
    code, out, _ = cli("campaign", "list")
    assert "scheduled" in out and "Office closed" in out
    assert cli("campaign", "cancel", "1")[0] == 0
    code, out, _ = cli("campaign", "cancel", "1")
    assert code == 1 and "not active" in out
    code, _, err = cli("campaign", "status", "99")
    assert code == 2 and "no campaign 99" in err


def test_a_time_in_quiet_hours_says_when_it_really_goes(cli):
    code, out, _ = cli("campaign", "create", "--name", "Late", "--text-uk", "Пізно",
                       "--at", "2030-01-02 22:30")
    assert code == 0 and "goes out at 2030-01-03 09:00 instead" in out
    code, out, _ = cli("campaign", "create", "--name", "Urgent", "--text-uk", "Терміново",
                       "--at", "2030-01-02 22:30", "--no-quiet-hours")
    assert code == 0 and "quiet hours" not in out
    code, out, _ = cli("campaign", "create", "--name", "Noon", "--text-uk", "Вдень",
                       "--at", "2030-01-02 12:00")
    assert code == 0 and "quiet hours" not in out


def test_sending_needs_the_token(cli):
    code, out, err = cli("campaign", "send", "1")
    assert code == 2 and "BOT_TOKEN is not set" in err and "Nothing was sent" in err
    code, out, err = cli("survey", "launch", "belonging", "--now")
    assert code == 2 and "BOT_TOKEN is not set" in err
    code, out, _ = cli("campaign", "list")
    assert out == ""  # --now without a token created nothing


def test_survey_launch_schedules_invitation_and_reminder(cli):
    code, _, err = cli("survey", "launch", "nope")
    assert code == 2 and "Unknown survey “nope” (known: belonging)." in err
    code, out, _ = cli("survey", "launch", "belonging", "--at", "2030-01-02 10:00",
                       "--remind-after-days", "5")
    assert code == 0
    assert "invitation is campaign 1, due 2030-01-02 10:00" in out
    assert "reminder is campaign 2, due 2030-01-07 10:00" in out
    code, out, _ = cli("survey", "launch", "belonging", "--cron", "0 10 1 1,4,7,10 *")
    assert code == 0 and "schedule 1 created" in out
