"""The panel's preview bot: the real dialogs over the sandbox, live content, no live writes."""

from __future__ import annotations

import logging

import httpx
from sqlalchemy import func, select

from bot.db.models import ContentGap, FsmRecord, Rating, SurveyParticipation, Ticket, User
from bot.factory import build_app
from bot.runner import prepare
from bot.web.panel.preview_bot import PreviewBot
from bot.web.panel.preview_render import render_html
from tests.botenv import SLOW_MACHINE, TOKEN, make_settings
from tests.browser import start_panel_bot
from tests.panel_client import PASSWORD, post_form

LIVE_TABLES = (User, FsmRecord, Rating, ContentGap, Ticket, SurveyParticipation)


class _NoSandbox:
    base_url = "http://127.0.0.1:9"


async def _count(app, model) -> int:
    async with app.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_preview_reads_live_content_and_writes_nothing_live(db_path):
    app = build_app(make_settings(db_path, _NoSandbox()), TOKEN)
    await prepare(app)
    preview = PreviewBot(app.settings, app.content, app.surveys)
    before = {m: await _count(app, m) for m in LIVE_TABLES}
    try:
        user = await preview.user(staff_id=1, lang="uk")
        assert "🆘 Екстрені номери" in [b for row in user.chat.buttons() for b in row]
        await preview.send_text(1, "uk", "qwzx vbnm")  # nothing found: a gap in a live bot
        screen = user.chat.last_bot_message(with_buttons=True)
        await preview.press(1, "uk", screen.message_id, *_find(screen, "🆘 Екстрена допомога"))
        for _ in range(4):  # down the first branch to an answer
            screen = user.chat.last_bot_message(with_buttons=True)
            if any("👍" in b for row in screen.buttons() for b in row):
                break
            await preview.press(1, "uk", screen.message_id, 0, 0)
        await preview.press(1, "uk", screen.message_id, *_find(screen, None, "👍"))
        await preview.send_text(1, "uk", "/start")  # a ticket, written in the preview
        await preview.press(1, "uk", *_at(user, "✍️ Напишіть нам"))
        await preview.send_text(1, "uk", "Тестове питання з панелі")
        await preview.press(1, "uk", *_at(user, "✅ Надіслати"))
        assert "звернення №" in user.chat.last_bot_message().text
        ru = await preview.user(staff_id=1, lang="ru")
        assert {"polski", "українська", "English"} <= {b for r in ru.chat.buttons() for b in r}
        assert ru.id != user.id and (await preview.user(2, "uk")).id != user.id
    finally:
        await preview.stop()
        after = {m: await _count(app, m) for m in LIVE_TABLES}
        await app.close()
    assert after == before


def _at(user, label: str) -> tuple[int, int, int]:
    msg = user.chat.last_bot_message(with_buttons=True)
    return (msg.message_id, *_find(msg, label))


def _find(msg, label, contains=None) -> tuple[int, int]:
    for r, row in enumerate(msg.buttons()):
        for c, text in enumerate(row):
            if text == label or (contains and contains in text):
                return r, c
    raise AssertionError(f"no button {label or contains!r} in {msg.buttons()!r}")


def test_render_escapes_everything_but_known_entities():
    text = "<script>x</script> bold link"
    entities = [{"type": "bold", "offset": 19, "length": 4},
                {"type": "text_link", "offset": 24, "length": 4, "url": "https://gov.pl/?a=1&b=2"},
                {"type": "text_link", "offset": 0, "length": 8, "url": "javascript:alert(1)"}]
    html = render_html(text, entities)
    assert html.startswith("&lt;script&gt;x&lt;/script&gt; <b>bold</b> ")
    assert '<a href="https://gov.pl/?a=1&amp;b=2"' in html
    assert "javascript" not in html


async def test_preview_starts_on_first_use_and_stops_with_the_web_server(db_path, caplog):
    sandbox, running = await start_panel_bot(db_path)
    base = f"http://127.0.0.1:{running.settings.web_port}"
    try:
        panel = PanelEnvLike(running)
        await panel.account("editor@example.org", "editor")
        async with httpx.AsyncClient(base_url=base, timeout=SLOW_MACHINE) as client:
            await post_form(client, "/panel/login",
                            {"email": "editor@example.org", "password": PASSWORD})
            chat = (await client.get("/panel/preview/api/chat?lang=en")).json()
            assert chat["messages"][0] == {**chat["messages"][0], "from": "you", "html": "/start"}
            assert any("Emergency" in b["text"] for row in chat["messages"][1]["buttons"]
                       for b in row)
            refused = await client.post("/panel/preview/api/send", json={"lang": "en", "text": "hi"})
            assert refused.status_code == 403  # no CSRF token
    finally:
        with caplog.at_level(logging.INFO, logger="bot.web.panel.preview_bot"):
            await running.stop()
        await sandbox.stop()
    assert "preview bot stopped" in caplog.messages


class PanelEnvLike:
    """Accounts on the running bot's database, as tests/panel_client.py makes them."""

    def __init__(self, running) -> None:
        from bot.staff.accounts import StaffService

        self.staff = StaffService(running.app.sessions)

    async def account(self, email: str, role: str) -> None:
        staff, once = await self.staff.add(email, role, actor="test")
        assert (await self.staff.change_password(staff.id, once, PASSWORD)).ok
