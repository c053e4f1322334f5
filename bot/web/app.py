"""The web app: Telegram webhook endpoint, health check and the staff panel (/panel)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

if TYPE_CHECKING:
    from bot.web.panel.context import PanelContext

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000
PANEL_PREFIX = "/panel"


class WebhookEndpoint:
    """Checks the secret, parses the update and hands it to the dispatcher.

    In production the update is handled in the background and Telegram gets its 200 at once
    (a slow handler must not make Telegram retry); tests turn that off to wait for the result.
    """

    def __init__(self, bot: Bot, dp: Dispatcher, secret: str | None, background: bool = True):
        self.bot, self.dp, self.secret, self.background = bot, dp, secret, background
        self._tasks: set[asyncio.Task] = set()

    async def handle(self, request: Request) -> Response:
        if self.secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                log.warning("webhook call with a wrong secret token rejected")
                return PlainTextResponse("Unauthorized", status_code=401)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return PlainTextResponse("Payload too large", status_code=413)
        try:
            update = Update.model_validate_json(body, context={"bot": self.bot})
        except ValidationError:
            return PlainTextResponse("Bad update", status_code=400)
        if self.background:
            task = asyncio.create_task(self._feed(update))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            await self._feed(update)
        return JSONResponse({})

    async def _feed(self, update: Update) -> None:
        try:
            await self.dp.feed_update(self.bot, update)
        except Exception:  # aiogram already logged it; one bad update must not stop others
            log.exception("update %s failed", update.update_id)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _to_panel(_request: Request) -> Response:
    return RedirectResponse(f"{PANEL_PREFIX}/", status_code=307)


def build_web_app(
    *,
    bot: Bot | None = None,
    dp: Dispatcher | None = None,
    webhook_path: str | None = None,
    secret: str | None = None,
    background: bool = True,
    panel: PanelContext | None = None,
) -> tuple[Starlette, WebhookEndpoint | None]:
    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    endpoint = None
    if bot is not None and dp is not None and webhook_path:
        endpoint = WebhookEndpoint(bot, dp, secret, background)
        routes.append(Route(webhook_path, endpoint.handle, methods=["POST"]))
    if panel is not None:
        from bot.web.panel.app import build_panel_app

        # A sub-app: its session and CSRF middleware never see the webhook or /healthz.
        routes.append(Mount(PANEL_PREFIX, app=build_panel_app(panel)))
        routes.append(Route("/", _to_panel, methods=["GET"]))
    return Starlette(routes=routes), endpoint
