"""New passwords: trivial and common ones are refused with a reason a person can act on."""

from __future__ import annotations

import pytest

from bot.staff.passwords import one_time_password, password_problems
from tests.panel_client import build_env, post_form

WEAK = ["          ", "1234567890", "aaaaaaaaaa", "qwertyuiop", "password123!", "Password2024",
        "iloveyou12345", "ann@example.org1"]


@pytest.mark.parametrize("weak", WEAK)
def test_trivial_and_common_passwords_are_refused(weak):
    problems = password_problems(weak, email="ann@example.org")
    assert len(problems) == 1 and "too easy to guess" in problems[0], problems


@pytest.mark.parametrize("good", ["correct horse battery", "amber lighthouse kettle",
                                  "Amber-lighthouse-7", "wq8#Lz!v0mP2"])
def test_strong_passwords_pass(good):
    assert password_problems(good, email="ann@example.org") == []


def test_other_rules_and_their_words():
    assert "at least 10 characters" in password_problems("short")[0]
    assert "at most 200 characters" in password_problems("x" * 201)[0]
    assert "different from the old one" in password_problems("correct horse battery",
                                                              old="correct horse battery")[0]
    assert "not be your e-mail" in password_problems("ann@example.org", email="ann@example.org")[0]
    for _ in range(20):  # what a reset hands over passes the rules it must be changed under
        assert password_problems(one_time_password()) == []


def test_the_reason_names_the_pattern():
    assert "Repeats" in password_problems("aaaaaaaaaa")[0]
    assert "common password" in password_problems("1234567890")[0]


async def test_the_password_form_refuses_a_weak_password(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    try:
        staff, once = await env.panel.staff.add("new@example.org", "editor", actor="test",
                                              locale="en")
        async with env.client() as client:
            await post_form(client, "/panel/login", {"email": "new@example.org", "password": once})
            for weak in ("          ", "1234567890", "aaaaaaaaaa"):
                response = await post_form(client, "/panel/password", {
                    "old_password": once, "new_password": weak, "new_password_repeat": weak})
                assert response.status_code == 400 and "too easy to guess" in response.text
        assert (await env.panel.staff.get(staff.id)).must_change_password
    finally:
        await env.engine.dispose()
