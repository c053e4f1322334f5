"""The whole bot serves the staff panel on its web port (polling mode, sandbox Bot API)."""

from __future__ import annotations

import asyncio

import httpx

from tests.botenv import SLOW_MACHINE


async def _wait_for_port(port: int) -> None:
    # RunningBot.start returns once the commands are registered; in polling mode the web
    # server starts just after that.
    for _ in range(1500):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on port {port}")


async def test_running_bot_serves_the_panel(bot):
    await _wait_for_port(bot.settings.web_port)
    base = f"http://127.0.0.1:{bot.settings.web_port}"
    async with httpx.AsyncClient(base_url=base, timeout=SLOW_MACHINE) as client:
        login = await client.get("/panel/login")
        assert login.status_code == 200
        assert 'name="email"' in login.text and 'name="csrf_token"' in login.text
        css = await client.get("/panel/static/panel.css")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]
        root = await client.get("/", follow_redirects=False)
        assert root.headers["location"] == "/panel/"
        assert (await client.get("/healthz")).json() == {"status": "ok"}
